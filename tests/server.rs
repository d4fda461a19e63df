//! A small HTTP/1.1 server on 127.0.0.1 for the remote tests: a PEP 691 JSON
//! (or PEP 503 HTML) index over a directory of wheels, the wheels themselves
//! with `Range` support, and switches for the faults the client must survive.
//! Every request is logged (path and `Range` header).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sha2::{Digest, Sha256};

/// How wheel downloads answer `Range`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RangeMode {
    /// 206 with the bytes asked for.
    #[default]
    Honour,
    /// 200 with the whole file.
    Ignore,
    /// 416 to any `Range`; 200 without one.
    Refuse,
    /// 501 to any `Range` (ranges not implemented); 200 without one.
    NotImplemented,
}

/// Every request: its path and its `Range` header.
pub type Log = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// Every request as the server saw it: `Host`, path (with its query) and `Authorization`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub host: String,
    pub path: String,
    pub authorization: Option<String>,
}

/// The fault switches.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    pub range: RangeMode,
    /// Sleep this long before each answer.
    pub delay: Option<Duration>,
    /// Close the connection after half of each wheel body (announcing the full length).
    pub truncate: bool,
    /// Answer ranges with a `Content-Range` shifted by one byte.
    pub wrong_content_range: bool,
    /// List a wrong sha256 in the index.
    pub wrong_sha256: bool,
    /// Answer 404 for wheel files.
    pub files_404: bool,
    /// Answer 429 to this many requests first.
    pub too_many_first: usize,
    /// Serve index pages as PEP 503 HTML instead of JSON.
    pub html: bool,
    /// Serve index pages as `application/vnd.pypi.simple.v1+json` that are not JSON.
    pub garbage_index: bool,
    /// Send a body one byte longer than `Content-Length` says... as a whole file one byte longer than the index says.
    pub size_plus_one: bool,
    /// Index pages carry no `ETag` (by default they do, and answer `If-None-Match` with 304).
    pub no_etag: bool,
    /// Index pages carry a `Last-Modified` and answer `If-Modified-Since` with 304.
    pub last_modified: bool,
    /// Wheel files answer 503 (after any 429s), for a failure after the index was read.
    pub files_503: bool,
    /// The index lists, for the file named first, the sha256 of the file named second.
    pub claim: Option<(String, String)>,
    /// Files whose name contains this are sent one byte per interval (a server that drips).
    pub drip: Option<(String, Duration)>,
    /// Index pages are a gzip stream inflating to this many zero bytes (a gzip bomb).
    pub gzip_bomb: Option<u64>,
    /// Requests to this server's own address (`127.0.0.1:PORT`) need `Authorization: Basic`
    /// of this user and password (401 otherwise); other host names (a mirror) do not.
    pub auth: Option<(String, String)>,
    /// Wheel files on this server's own address answer 302 to the same path on this base.
    pub redirect_files_to: Option<String>,
}

/// The `Last-Modified` of every index page when [`Faults::last_modified`] is on.
pub const LAST_MODIFIED: &str = "Wed, 01 Jan 2025 00:00:00 GMT";

/// A running server.
pub struct Server {
    pub base: String,
    pub faults: Arc<Mutex<Faults>>,
    pub log: Log,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    served_429: Arc<AtomicUsize>,
    pages: Arc<PageCounts>,
}

/// How index pages were answered.
#[derive(Debug, Default)]
pub struct PageCounts {
    /// 200 with the page.
    pub full: AtomicUsize,
    /// 304: the client's copy is current.
    pub not_modified: AtomicUsize,
}

impl Server {
    /// Serve the wheels and sdists of `dir` (every `*.whl` and `*.tar.gz`, grouped by project).
    pub fn start(dir: &Path) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let faults = Arc::new(Mutex::new(Faults::default()));
        let log = Arc::new(Mutex::new(Vec::new()));
        let served_429 = Arc::new(AtomicUsize::new(0));
        let pages = Arc::new(PageCounts::default());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let state = State {
            seen: seen.clone(),
            pages: pages.clone(),
            dir: dir.to_path_buf(),
            base: base.clone(),
            faults: faults.clone(),
            log: log.clone(),
            served_429: served_429.clone(),
        };
        let state = Arc::new(state);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = state.clone();
                std::thread::spawn(move || {
                    let _ = handle(stream, &state);
                });
            }
        });
        Server { base, faults, log, seen, served_429, pages }
    }

    pub fn index(&self) -> String {
        format!("{}/simple/", self.base)
    }

    pub fn set(&self, f: impl FnOnce(&mut Faults)) {
        f(&mut self.faults.lock().unwrap());
    }

    /// Requests logged so far whose path starts with `prefix`.
    pub fn requests(&self, prefix: &str) -> Vec<(String, Option<String>)> {
        self.log.lock().unwrap().iter().filter(|(p, _)| p.starts_with(prefix)).cloned().collect()
    }

    pub fn clear_log(&self) {
        self.log.lock().unwrap().clear();
        self.seen.lock().unwrap().clear();
    }

    /// Every request seen so far: host, path, `Authorization`.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// `127.0.0.1:PORT`.
    pub fn authority(&self) -> &str {
        self.base.strip_prefix("http://").unwrap()
    }

    /// Index pages answered so far: (200s, 304s).
    pub fn page_counts(&self) -> (usize, usize) {
        (self.pages.full.load(Ordering::SeqCst), self.pages.not_modified.load(Ordering::SeqCst))
    }
}

struct State {
    seen: Arc<Mutex<Vec<Seen>>>,
    dir: PathBuf,
    base: String,
    faults: Arc<Mutex<Faults>>,
    log: Log,
    served_429: Arc<AtomicUsize>,
    pages: Arc<PageCounts>,
}

fn normalize(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = if matches!(c, '-' | '_' | '.') { '-' } else { c.to_ascii_lowercase() };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out
}

fn wheels(dir: &Path) -> BTreeMap<String, Vec<PathBuf>> {
    let mut out: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).collect();
    files.sort();
    for p in files
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "whl") || p.to_string_lossy().ends_with(".tar.gz"))
    {
        let name = p.file_name().unwrap().to_string_lossy().split('-').next().unwrap().to_string();
        out.entry(normalize(&name)).or_default().push(p);
    }
    out
}

fn respond(stream: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    let has_length = headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-length"));
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !has_length {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

fn handle(mut stream: TcpStream, state: &State) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let mut method = parts.next().unwrap_or("").to_string();
    let mut path = parts.next().unwrap_or("").to_string();
    if method == "CONNECT" {
        // A proxy's tunnel (HTTP_PROXY pointing here): the request inside it comes next.
        while reader.read_line(&mut String::new())? > 2 {}
        stream.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
        line.clear();
        reader.read_line(&mut line)?;
        let mut parts = line.split_whitespace();
        method = parts.next().unwrap_or("").to_string();
        path = parts.next().unwrap_or("").to_string();
    }
    let mut range = None;
    let (mut if_none_match, mut if_modified_since) = (None, None);
    let (mut host, mut authorization) = (String::new(), None);
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            let k = k.trim().to_ascii_lowercase();
            let v = Some(v.trim().to_string());
            match k.as_str() {
                "range" => range = v,
                "if-none-match" => if_none_match = v,
                "if-modified-since" => if_modified_since = v,
                "host" => host = v.clone().unwrap_or_default(),
                "authorization" => authorization = v,
                _ => {}
            }
        }
    }
    state.seen.lock().unwrap().push(Seen {
        host: host.clone(),
        path: path.clone(),
        authorization: authorization.clone(),
    });
    // The query plays no part in what is served.
    let path = path.split('?').next().unwrap_or("").to_string();
    state.log.lock().unwrap().push((path.clone(), range.clone()));
    let faults = state.faults.lock().unwrap().clone();
    let own = state.base.strip_prefix("http://") == Some(host.as_str());
    if let (Some((user, password)), true) = (&faults.auth, own) {
        let wanted = format!(
            "Basic {}",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, format!("{user}:{password}"))
        );
        if authorization.as_deref() != Some(wanted.as_str()) {
            return respond(&mut stream, "401 Unauthorized", &[("WWW-Authenticate", "Basic".into())], b"who are you");
        }
    }
    if let Some(d) = faults.delay {
        std::thread::sleep(d);
    }
    if state.served_429.load(Ordering::SeqCst) < faults.too_many_first {
        state.served_429.fetch_add(1, Ordering::SeqCst);
        return respond(&mut stream, "429 Too Many Requests", &[("Retry-After", "0".into())], b"slow down");
    }
    if path.starts_with("/loop") {
        return respond(&mut stream, "302 Found", &[("Location", format!("{}/loop/again", state.base))], b"");
    }
    let all = wheels(&state.dir);
    if let Some(project) = path.strip_prefix("/simple/").map(|p| p.trim_end_matches('/')) {
        let Some(files) = all.get(project) else {
            return respond(&mut stream, "404 Not Found", &[], b"no such project");
        };
        if faults.garbage_index {
            return respond(
                &mut stream,
                "200 OK",
                &[("Content-Type", "application/vnd.pypi.simple.v1+json".into())],
                b"<html>not json</html>",
            );
        }
        if let Some(size) = faults.gzip_bomb {
            let headers = [
                ("Content-Type", "application/vnd.pypi.simple.v1+json".to_string()),
                ("Content-Encoding", "gzip".to_string()),
            ];
            return respond(&mut stream, "200 OK", &headers, &gzip_zeros(size));
        }
        let rows: Vec<(String, String, u64)> = files
            .iter()
            .map(|p| {
                let data = std::fs::read(p).unwrap();
                let mut sha = hex(&Sha256::digest(&data));
                if faults.wrong_sha256 {
                    sha = hex(&Sha256::digest(b"something else"));
                }
                if let Some((of, from)) = &faults.claim
                    && p.file_name().unwrap().to_string_lossy() == *of
                {
                    sha = hex(&Sha256::digest(std::fs::read(state.dir.join(from)).unwrap()));
                }
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    sha,
                    data.len() as u64 + u64::from(faults.size_plus_one),
                )
            })
            .collect();
        let conditions = (if_none_match.as_deref(), if_modified_since.as_deref());
        if faults.html {
            let mut body = String::from("<!DOCTYPE html><html><body>\n");
            for (name, sha, _) in &rows {
                body.push_str(&format!("<a href=\"../../files/{name}#sha256={sha}\">{name}</a><br/>\n"));
            }
            body.push_str("</body></html>\n");
            return page(&mut stream, state, &faults, conditions, "text/html", body.as_bytes());
        }
        let files: Vec<serde_json::Value> = rows
            .iter()
            .map(|(name, sha, size)| {
                serde_json::json!({"filename": name, "url": format!("../../files/{name}"), "hashes": {"sha256": sha}, "size": size})
            })
            .collect();
        let body = serde_json::json!({"meta": {"api-version": "1.1"}, "name": project, "files": files});
        let json = "application/vnd.pypi.simple.v1+json";
        return page(&mut stream, state, &faults, conditions, json, body.to_string().as_bytes());
    }
    if let Some(name) = path.strip_prefix("/files/") {
        let file = state.dir.join(name);
        if faults.files_404 || !file.is_file() || name.contains("..") {
            return respond(&mut stream, "404 Not Found", &[], b"not here");
        }
        if faults.files_503 {
            return respond(&mut stream, "503 Service Unavailable", &[], b"down");
        }
        if let (Some(to), true) = (&faults.redirect_files_to, own) {
            return respond(&mut stream, "302 Found", &[("Location", format!("{to}/files/{name}"))], b"");
        }
        let data = std::fs::read(&file)?;
        let total = data.len() as u64;
        if method == "HEAD" {
            let mut head = format!("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: {total}\r\n\r\n");
            head.push_str("");
            return stream.write_all(head.as_bytes());
        }
        let wanted = range.as_deref().and_then(|r| r.strip_prefix("bytes=")).and_then(|r| {
            let (a, b) = r.split_once('-')?;
            Some((a.parse::<u64>().ok()?, b.parse::<u64>().ok()?))
        });
        let (status, body, extra): (&str, Vec<u8>, Vec<(&str, String)>) = match (wanted, faults.range) {
            (Some(_), RangeMode::NotImplemented) => {
                return respond(&mut stream, "501 Not Implemented", &[], b"no ranges here");
            }
            (Some(_), RangeMode::Refuse) => {
                return respond(
                    &mut stream,
                    "416 Range Not Satisfiable",
                    &[("Content-Range", format!("bytes */{total}"))],
                    b"",
                );
            }
            (Some((a, b)), RangeMode::Honour) if a <= b && b < total => {
                let cr = if faults.wrong_content_range {
                    format!("bytes {}-{}/{total}", a + 1, b + 1)
                } else {
                    format!("bytes {a}-{b}/{total}")
                };
                ("206 Partial Content", data[a as usize..=b as usize].to_vec(), vec![("Content-Range", cr)])
            }
            (Some(_), RangeMode::Honour) => {
                return respond(
                    &mut stream,
                    "416 Range Not Satisfiable",
                    &[("Content-Range", format!("bytes */{total}"))],
                    b"",
                );
            }
            _ => ("200 OK", data, vec![]),
        };
        if let Some((part, interval)) = &faults.drip
            && name.contains(part.as_str())
        {
            let mut head = format!("HTTP/1.1 {status}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
            for (k, v) in &extra {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            stream.write_all(head.as_bytes())?;
            for byte in &body {
                stream.write_all(&[*byte])?;
                stream.flush()?;
                std::thread::sleep(*interval);
            }
            return Ok(());
        }
        if faults.truncate {
            let mut head = format!("HTTP/1.1 {status}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
            for (k, v) in &extra {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            stream.write_all(head.as_bytes())?;
            stream.write_all(&body[..body.len() / 2])?;
            let _ = stream.shutdown(std::net::Shutdown::Both);
            return Ok(());
        }
        return respond(&mut stream, status, &extra, &body);
    }
    respond(&mut stream, "404 Not Found", &[], b"unknown path")
}

/// An index page with its validators (an `ETag` from the body's sha256, and
/// [`LAST_MODIFIED`] when asked), or 304 when the client's copy is current.
fn page(
    stream: &mut TcpStream,
    state: &State,
    faults: &Faults,
    (if_none_match, if_modified_since): (Option<&str>, Option<&str>),
    content_type: &str,
    body: &[u8],
) -> std::io::Result<()> {
    let etag = format!("\"{}\"", &hex(&Sha256::digest(body))[..16]);
    let mut headers = vec![("Content-Type", content_type.to_string())];
    if !faults.no_etag {
        headers.push(("ETag", etag.clone()));
    }
    if faults.last_modified {
        headers.push(("Last-Modified", LAST_MODIFIED.to_string()));
    }
    // RFC 9110: If-None-Match decides when present; If-Modified-Since only without it.
    let current = match (if_none_match, if_modified_since) {
        (Some(tags), _) => !faults.no_etag && tags.split(',').any(|t| t.trim() == etag),
        (None, Some(date)) => faults.last_modified && date == LAST_MODIFIED,
        (None, None) => false,
    };
    if current {
        state.pages.not_modified.fetch_add(1, Ordering::SeqCst);
        headers.retain(|(k, _)| *k != "Content-Type");
        return respond(stream, "304 Not Modified", &headers, b"");
    }
    state.pages.full.fetch_add(1, Ordering::SeqCst);
    respond(stream, "200 OK", &headers, body)
}

/// A gzip stream of `len` zero bytes: the hand-written deflate stream of
/// `common::deflated_zeros` between a gzip header and a trailer (whose CRC is
/// not computed: no reader gets that far).
fn gzip_zeros(len: u64) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend(crate::common::deflated_zeros(len));
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&(len as u32).to_le_bytes());
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
