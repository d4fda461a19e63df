//! The HTTP client: one `ureq` agent (rustls, the system's certificates,
//! `HTTPS_PROXY` / `NO_PROXY` from the environment), timeouts, retries with
//! backoff on 429 and 5xx, a `User-Agent` naming uniabi, and counters of the
//! bytes fetched.
//!
//! Every answer is checked before it is believed: a range reply must carry a
//! `Content-Range` naming exactly the bytes asked for and a body of exactly
//! that length; a whole body must be as long as announced.

use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// `uniabi/0.1.0 (+https://github.com/…)`-style agent string.
pub const USER_AGENT: &str = concat!("uniabi/", env!("CARGO_PKG_VERSION"));

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The server answered with an error status (after retries for 429 and 5xx).
    #[error("{}", status_text(*status))]
    Status { url: String, status: u16 },
    /// The request could not be made or the answer not read: DNS, connect, TLS, timeout, redirect loop.
    #[error("request failed")]
    Transport { url: String, source: ureq::Error },
    /// The body could not be read to its end.
    #[error("the connection failed while reading the body")]
    Body { url: String, source: io::Error },
    /// The answer is not what was asked for or announced.
    #[error("{detail}")]
    Mismatch { url: String, detail: String },
    /// The body could not be written where it was going (a full disk).
    #[error("cannot store the download")]
    Write { url: String, source: io::Error },
}

/// `HTTP 500`; `not found (HTTP 404)` for a missing file.
fn status_text(status: u16) -> String {
    match status {
        404 | 410 => format!("not found (HTTP {status})"),
        _ => format!("HTTP {status}"),
    }
}

impl HttpError {
    /// The URL the failed request was for.
    pub fn url(&self) -> &str {
        match self {
            HttpError::Status { url, .. }
            | HttpError::Transport { url, .. }
            | HttpError::Body { url, .. }
            | HttpError::Mismatch { url, .. }
            | HttpError::Write { url, .. } => url,
        }
    }
}

/// How the client behaves.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Give up on a connection after this long without progress.
    pub timeout: Duration,
    /// Attempts after the first for 429, 5xx and failed connections.
    pub retries: u32,
    /// The first wait before a retry; doubled for each further one.
    pub backoff: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions { timeout: Duration::from_secs(30), retries: 3, backoff: Duration::from_millis(250) }
    }
}

/// Counters over every request the client made.
#[derive(Debug, Default)]
pub struct Stats {
    /// Requests sent (retries included).
    pub requests: AtomicU64,
    /// Range requests for wheel members (not the central directory).
    pub member_requests: AtomicU64,
    /// Body bytes received.
    pub bytes: AtomicU64,
    /// Remote wheels opened.
    pub wheels: AtomicU64,
    /// Their total size: what downloading them whole would have cost.
    pub wheel_bytes: AtomicU64,
}

impl Stats {
    /// `fetched 1.2 MB in 45 requests for 30 wheels of 120.0 MB (1.0 %)`.
    pub fn line(&self) -> String {
        let (bytes, requests) = (self.bytes.load(Ordering::Relaxed), self.requests.load(Ordering::Relaxed));
        let (wheels, total) = (self.wheels.load(Ordering::Relaxed), self.wheel_bytes.load(Ordering::Relaxed));
        let share = if total > 0 { format!(" ({:.1} %)", bytes as f64 * 100.0 / total as f64) } else { String::new() };
        format!(
            "fetched {} in {requests} request{} for {wheels} wheel{} of {}{share}",
            mb(bytes),
            crate::output::plural(requests),
            crate::output::plural(wheels),
            mb(total)
        )
    }
}

/// Bytes in MB (10^6), one decimal.
pub fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// An answer to a ranged GET.
pub enum RangeReply {
    /// 206 with exactly the bytes asked for.
    Partial(Vec<u8>),
    /// 200: the server ignored `Range` and sent the whole file, read to its end.
    Whole(Vec<u8>),
    /// The server refused ranges (416, 501); the file must be fetched whole.
    Refused,
}

/// A page fetched whole, with what the index needs of its headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The URL after redirects.
    pub url: String,
    pub content_type: String,
    pub body: Vec<u8>,
    /// The validators the server gave, to ask next time whether the page changed.
    pub validators: Validators,
}

/// HTTP validators of a page: `ETag` and `Last-Modified`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    /// Whether there is anything to revalidate with.
    pub fn any(&self) -> bool {
        self.etag.is_some() || self.last_modified.is_some()
    }

    fn of(resp: &ureq::http::Response<ureq::Body>) -> Validators {
        let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        Validators { etag: header("etag"), last_modified: header("last-modified") }
    }

    /// `If-None-Match` / `If-Modified-Since` for a conditional request.
    fn conditions(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(etag) = &self.etag {
            out.push(("If-None-Match", etag.clone()));
        }
        if let Some(date) = &self.last_modified {
            out.push(("If-Modified-Since", date.clone()));
        }
        out
    }
}

/// The answer to a conditional page request.
pub enum PageReply {
    /// 200: the page, new or changed.
    Fresh(Page),
    /// 304: the page the validators came from is still current.
    NotModified,
}

/// A blocking HTTP client shared by every worker thread.
pub struct Client {
    agent: ureq::Agent,
    options: ClientOptions,
    pub stats: Stats,
}

impl Client {
    pub fn new(options: ClientOptions) -> Client {
        let tls = ureq::tls::TlsConfig::builder().root_certs(ureq::tls::RootCerts::PlatformVerifier).build();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(USER_AGENT)
            .max_redirects(10)
            .timeout_connect(Some(options.timeout))
            .timeout_recv_response(Some(options.timeout))
            .timeout_per_read(Some(options.timeout))
            .tls_config(tls)
            .proxy(ureq::Proxy::try_from_env())
            .build()
            .into();
        Client { agent, options, stats: Stats::default() }
    }

    /// Send a GET (with `headers`), retrying 429, 5xx and failed connections with backoff.
    fn send(&self, url: &str, headers: &[(&str, String)]) -> Result<ureq::http::Response<ureq::Body>, HttpError> {
        let mut attempt = 0;
        loop {
            let mut req = self.agent.get(url);
            for (k, v) in headers {
                req = req.header(*k, v);
            }
            self.stats.requests.fetch_add(1, Ordering::Relaxed);
            let retry_after = match req.call() {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    if status == 429 || status >= 500 {
                        if attempt >= self.options.retries {
                            return Err(HttpError::Status { url: url.to_string(), status });
                        }
                        resp.headers()
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.trim().parse::<u64>().ok())
                            .map(|s| Duration::from_secs(s.min(10)))
                    } else {
                        return Ok(resp);
                    }
                }
                Err(ureq::Error::ConnectionFailed | ureq::Error::Io(_) | ureq::Error::Timeout(_))
                    if attempt < self.options.retries =>
                {
                    None
                }
                Err(source) => return Err(HttpError::Transport { url: url.to_string(), source }),
            };
            let wait = retry_after.unwrap_or(self.options.backoff * 2u32.saturating_pow(attempt));
            std::thread::sleep(wait);
            attempt += 1;
        }
    }

    /// GET a page whole unless it is unchanged since `known` (sent as
    /// `If-None-Match` / `If-Modified-Since`); at most `limit` bytes.
    pub fn get_page_if(&self, url: &str, accept: &str, limit: u64, known: &Validators) -> Result<PageReply, HttpError> {
        let mut headers = vec![("Accept", accept.to_string())];
        headers.extend(known.conditions());
        let resp = self.send(url, &headers)?;
        let status = resp.status().as_u16();
        if status == 304 && known.any() {
            return Ok(PageReply::NotModified);
        }
        if status != 200 {
            return Err(HttpError::Status { url: url.to_string(), status });
        }
        let final_url = ureq::ResponseExt::get_uri(&resp).to_string();
        let content_type =
            resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
        let validators = Validators::of(&resp);
        let announced = content_length(&resp);
        let mut body = Vec::new();
        self.read_body(url, resp, &mut body, announced, limit)?;
        Ok(PageReply::Fresh(Page { url: final_url, content_type, body, validators }))
    }

    /// The size of a file, by HEAD; `None` when the server does not say.
    pub fn head_size(&self, url: &str) -> Result<Option<u64>, HttpError> {
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        let resp =
            self.agent.head(url).call().map_err(|source| HttpError::Transport { url: url.to_string(), source })?;
        let status = resp.status().as_u16();
        if status != 200 {
            return Err(HttpError::Status { url: url.to_string(), status });
        }
        Ok(content_length(&resp))
    }

    /// GET bytes `start..end` (end exclusive) of a file of `total` bytes.
    pub fn get_range(
        &self,
        url: &str,
        start: u64,
        end: u64,
        total: u64,
        member: bool,
    ) -> Result<RangeReply, HttpError> {
        if member {
            self.stats.member_requests.fetch_add(1, Ordering::Relaxed);
        }
        let last = end.saturating_sub(1);
        let resp =
            self.send(url, &[("Range", format!("bytes={start}-{last}")), ("Accept-Encoding", "identity".into())])?;
        let status = resp.status().as_u16();
        let mismatch = |detail: String| HttpError::Mismatch { url: url.to_string(), detail };
        match status {
            206 => {
                let header = resp.headers().get("content-range").and_then(|v| v.to_str().ok()).unwrap_or("");
                let expected = format!("bytes {start}-{last}/{total}");
                if header.trim() != expected && header.trim() != format!("bytes {start}-{last}/*") {
                    return Err(mismatch(format!(
                        "the server answered Content-Range '{header}' to a request for bytes {start}-{last} of {total}"
                    )));
                }
                let mut body = Vec::with_capacity((end - start) as usize);
                self.read_body(url, resp, &mut body, Some(end - start), end - start)?;
                Ok(RangeReply::Partial(body))
            }
            200 => {
                let mut body = Vec::new();
                self.read_body(url, resp, &mut body, Some(total), total)?;
                Ok(RangeReply::Whole(body))
            }
            416 | 501 => Ok(RangeReply::Refused),
            _ => Err(HttpError::Status { url: url.to_string(), status }),
        }
    }

    /// GET a whole file of `expected` bytes (when known), streaming it into `sink`
    /// (a failed write is [`HttpError::Write`]).
    pub fn download(
        &self,
        url: &str,
        expected: Option<u64>,
        limit: u64,
        sink: &mut dyn Write,
    ) -> Result<(), HttpError> {
        let resp = self.send(url, &[("Accept-Encoding", "identity".into())])?;
        let status = resp.status().as_u16();
        if status != 200 {
            return Err(HttpError::Status { url: url.to_string(), status });
        }
        let announced = expected.or(content_length(&resp));
        self.read_body(url, resp, sink, announced, limit)
    }

    /// Read a body to its end: exactly `announced` bytes when that is known, at most `limit`.
    fn read_body(
        &self,
        url: &str,
        resp: ureq::http::Response<ureq::Body>,
        sink: &mut dyn Write,
        announced: Option<u64>,
        limit: u64,
    ) -> Result<(), HttpError> {
        let mut reader = resp.into_body().into_with_config().limit(u64::MAX).reader();
        let cap = announced.unwrap_or(limit).min(limit).saturating_add(1);
        let mut buf = [0u8; 64 * 1024];
        let mut read = 0u64;
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(HttpError::Body { url: url.to_string(), source: truncated(source, read, announced) });
                }
            };
            read += n as u64;
            self.stats.bytes.fetch_add(n as u64, Ordering::Relaxed);
            sink.write_all(&buf[..n]).map_err(|source| HttpError::Write { url: url.to_string(), source })?;
            if read >= cap {
                break;
            }
        }
        match announced {
            Some(a) if read > a => Err(HttpError::Mismatch {
                url: url.to_string(),
                detail: format!("the body is longer than the {a} bytes announced"),
            }),
            Some(a) if read < a => Err(HttpError::Mismatch {
                url: url.to_string(),
                detail: format!("the body ended after {read} of the {a} bytes announced"),
            }),
            None if read > limit => Err(HttpError::Mismatch {
                url: url.to_string(),
                detail: format!("the body is longer than the limit of {limit} bytes"),
            }),
            _ => Ok(()),
        }
    }
}

fn truncated(e: io::Error, read: u64, announced: Option<u64>) -> io::Error {
    match announced {
        Some(a) => io::Error::new(e.kind(), format!("after {read} of {a} bytes: {e}")),
        None => e,
    }
}

fn content_length(resp: &ureq::http::Response<ureq::Body>) -> Option<u64> {
    resp.headers().get("content-length").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_user_agent_names_uniabi_and_version() {
        assert_eq!(USER_AGENT, format!("uniabi/{}", env!("CARGO_PKG_VERSION")));
    }

    #[test]
    fn ok_status_errors_keep_the_url() {
        let e = HttpError::Status { url: "https://x/y.whl".into(), status: 404 };
        assert_eq!(e.to_string(), "not found (HTTP 404)");
        assert_eq!(e.url(), "https://x/y.whl");
    }
}
