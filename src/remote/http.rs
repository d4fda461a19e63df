//! The HTTP client: one `ureq` agent (rustls, the system's certificates,
//! `HTTPS_PROXY` / `NO_PROXY` from the environment), timeouts, retries with
//! backoff on 429 and transient 5xx, a `User-Agent` naming uniabi, and counters
//! of the bytes fetched.
//!
//! Every answer is checked before it is believed: a range reply must carry a
//! `Content-Range` naming exactly the bytes asked for and a body of exactly
//! that length; a whole body must be as long as announced.
//!
//! Redirects are followed here, hop by hop, so that each hop gets the
//! credentials of its own realm only ([`super::auth`]) and an https URL is
//! never followed to plain http ([`redirect_allowed`]). Every request has a
//! deadline ([`Deadline`]): `--timeout` bounds each wait, and the whole
//! request must be over within twice that plus one second per [`FLOOR_RATE`]
//! bytes expected, so a server that drips a byte at a time fails in seconds.
//! A gzip body is inflated here, counted as it is read: past the body limit,
//! or inflating more than [`MAX_GZIP_RATIO`] to one, it is refused.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{ConnectionDetails, Connector, DefaultConnector, NextTimeout, Transport};

use super::auth::{self, redact};

/// `uniabi/0.1.0 (+https://github.com/…)`-style agent string.
pub const USER_AGENT: &str = concat!("uniabi/", env!("CARGO_PKG_VERSION"));

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The server answered with an error status (after retries for 429 and 5xx).
    #[error("{}", status_text(*status))]
    Status { url: String, status: u16 },
    /// The request could not be made or the answer not read: DNS, connect, TLS, timeout.
    #[error("request failed")]
    Transport { url: String, source: TransportError },
    /// A redirect that is not followed: a loop, too many, or from https to plain http.
    #[error("{detail}")]
    Redirect { url: String, detail: String },
    /// The request was not over by its deadline (see [`Deadline`]).
    #[error("too slow: not done within its deadline of {seconds} s ({why})")]
    Deadline { url: String, seconds: u64, why: String },
    /// A gzip body that inflates past its limit or beyond [`MAX_GZIP_RATIO`].
    #[error("{detail}")]
    Gzip { url: String, detail: String },
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
            | HttpError::Redirect { url, .. }
            | HttpError::Deadline { url, .. }
            | HttpError::Gzip { url, .. }
            | HttpError::Body { url, .. }
            | HttpError::Mismatch { url, .. }
            | HttpError::Write { url, .. } => url,
        }
    }
}

/// The transport's own error, its text with any URL in it redacted.
#[derive(Debug)]
pub struct TransportError(String);

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TransportError {}

impl TransportError {
    fn of(e: &ureq::Error, url: &str) -> TransportError {
        TransportError(e.to_string().replace(url, &redact(url)))
    }
}

/// The slowest average rate a request may keep up past its first `2 × --timeout`:
/// 64 KiB/s, one second per 64 KiB expected.
pub const FLOOR_RATE: u64 = 64 * 1024;

/// The largest inflate ratio of a gzip body past its first MiB: index pages
/// compress a few times at most (their hashes do not compress), a gzip bomb a thousand.
pub const MAX_GZIP_RATIO: u64 = 100;

/// When a request must be over: `slack` after it started, plus a second per
/// [`FLOOR_RATE`] bytes of what it is expected to bring (of what it brought,
/// while that is more or nothing was expected), and never past `not_after`
/// (the deadline of the input it is for).
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    start: Instant,
    slack: Duration,
    expected: Option<u64>,
    not_after: Option<Instant>,
}

impl Deadline {
    /// The moment the request must be over, having read `read` bytes.
    pub fn at(&self, read: u64) -> Instant {
        let bytes = self.expected.unwrap_or(0).max(read);
        let at = self.start + self.slack + Duration::from_secs_f64(bytes as f64 / FLOOR_RATE as f64);
        self.not_after.map_or(at, |n| at.min(n))
    }

    fn passed(&self, read: u64) -> bool {
        Instant::now() > self.at(read)
    }

    fn error(&self, url: &str, read: u64) -> HttpError {
        let seconds = self.at(read).saturating_duration_since(self.start).as_secs_f64().ceil() as u64;
        let why = match (self.not_after, self.expected) {
            (Some(n), _) if n <= self.at(read) => "what was left of the time allowed for the whole wheel".to_string(),
            (_, Some(bytes)) => format!("2 × --timeout, and 1 s per 64 KiB of the {bytes} bytes expected"),
            (_, None) => "2 × --timeout, and 1 s per 64 KiB read".to_string(),
        };
        HttpError::Deadline { url: redact(url), seconds, why }
    }
}

/// Whether a redirect from `from` to `to` is followed: only to http(s), and
/// never from https down to plain http (pip and uv refuse it too).
pub fn redirect_allowed(from: &str, to: &str) -> Result<(), String> {
    let scheme = |u: &str| u.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    match (scheme(from).as_deref(), scheme(to).as_deref()) {
        (Some("https"), Some("http")) => Err(format!("refused a redirect from https to plain http ({})", redact(to))),
        (_, Some("http" | "https")) => Ok(()),
        _ => Err(format!("refused a redirect to {}, which is not an http(s) URL", redact(to))),
    }
}

/// Redirects followed for one request at most.
const MAX_REDIRECTS: u32 = 10;

/// How the client behaves.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Give up on a connection after this long without progress; with the
    /// size expected, it sets each request's [`Deadline`].
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
    /// Body bytes received for wheel files (ranges, whole downloads, cache proofs).
    pub bytes: AtomicU64,
    /// Remote wheels opened or proven from the cache.
    pub wheels: AtomicU64,
    /// Their total size: what downloading them whole would have cost.
    pub wheel_bytes: AtomicU64,
    /// Of those wheels, the ones whose reading came from the cache (its proof held).
    pub cached: AtomicU64,
    /// Index pages received whole (200).
    pub pages: AtomicU64,
    /// Their body bytes, as received (compressed, when the server compresses them).
    pub page_bytes: AtomicU64,
    /// Index pages the cache answered: still fresh (`Cache-Control: max-age`), no request
    /// made, or revalidated by a 304.
    pub pages_cached: AtomicU64,
    /// Host names looked up (each host once a run: see [`OnceResolver`]).
    pub lookups: AtomicU64,
    /// Connections opened (each is kept and reused: see [`Client`]).
    pub connections: AtomicU64,
}

impl Stats {
    /// `wheels: fetched 1.2 MB of 120.0 MB (1.0 %) for 30 wheels (12 from the cache); index:
    /// 30 pages, 5.1 MB (2 from the cache); 75 requests on 9 connections, 2 DNS look-ups`.
    /// Wheel bytes are counted against the wheels' sizes and index pages apart.
    pub fn line(&self) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let (bytes, total, wheels) = (get(&self.bytes), get(&self.wheel_bytes), get(&self.wheels));
        let share = if total > 0 { format!(" ({:.1} %)", bytes as f64 * 100.0 / total as f64) } else { String::new() };
        let cached = match get(&self.cached) {
            0 => String::new(),
            n => format!(" ({n} from the cache)"),
        };
        let pages = get(&self.pages) + get(&self.pages_cached);
        let pages_cached = match get(&self.pages_cached) {
            0 => String::new(),
            n => format!(" ({n} from the cache)"),
        };
        let noun = |n: u64, word: &str| format!("{n} {word}{}", crate::output::plural(n));
        format!(
            "wheels: fetched {} of {}{share} for {}{cached}; index: {}, {}{pages_cached}; {} on {}, {}",
            mb(bytes),
            mb(total),
            noun(wheels, "wheel"),
            noun(pages, "page"),
            mb(get(&self.page_bytes)),
            noun(get(&self.requests), "request"),
            noun(get(&self.connections), "connection"),
            noun(get(&self.lookups), "DNS look-up"),
        )
    }
}

/// Bytes in MB (10^6), one decimal.
pub fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// Where a ranged GET ([`Client::get_range_into`]) writes what it receives.
pub trait RangeSink {
    /// The writer for bytes starting at `offset` of the file; `whole` when the
    /// server sent the whole file (a 200) instead of the range asked for.
    fn at(&mut self, offset: u64, whole: bool) -> io::Result<&mut dyn Write>;
}

/// What a ranged GET written into a [`RangeSink`] received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeAnswer {
    /// 206 with exactly the bytes asked for, written at their offset.
    Partial,
    /// 200: the server ignored `Range`; the whole file was written from offset 0.
    Whole,
    /// 416 or 501: nothing was written; the file must be fetched whole.
    Refused,
}

/// A ranged GET's bytes in memory.
#[derive(Default)]
struct InMemory {
    bytes: Vec<u8>,
}

impl RangeSink for InMemory {
    fn at(&mut self, _offset: u64, _whole: bool) -> io::Result<&mut dyn Write> {
        Ok(&mut self.bytes)
    }
}

/// An answer to a ranged GET.
pub enum RangeReply {
    /// 206 with exactly the bytes asked for.
    Partial(Vec<u8>),
    /// 200: the server ignored `Range` and sent the whole file, read to its end.
    Whole(Vec<u8>),
    /// The server refused ranges (416) or does not implement them (501); the
    /// file must be fetched whole.
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
    /// How long the page may be used without asking again (`Cache-Control`, `Age`).
    pub freshness: Freshness,
}

/// What `Cache-Control` (and `Age`) say of how long a response stays fresh,
/// read as pip's and uv's HTTP caches read them (RFC 9111): `max-age=N` less
/// the `Age` it already had; `no-cache` or `must-revalidate` with no lifetime
/// left means ask every time; `no-store` means keep nothing. Without
/// `Cache-Control` a page is never fresh (only revalidated, when it has validators).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Freshness {
    /// Seconds the response stays fresh after it was received (0: revalidate every time).
    pub lifetime: u64,
    /// `no-store`: the response must not be kept at all.
    #[serde(default)]
    pub no_store: bool,
    /// The server said how long (`max-age`, `no-cache`, `no-store`): a lifetime the
    /// user sets for pages without one (`--index-max-age`) never overrides it.
    #[serde(default)]
    pub stated: bool,
}

impl Freshness {
    /// The freshness of a response with these `Cache-Control` and `Age` header values.
    pub fn of(cache_control: Option<&str>, age: Option<&str>) -> Freshness {
        let mut max_age: Option<u64> = None;
        let (mut no_store, mut no_cache) = (false, false);
        for directive in cache_control.unwrap_or("").split(',') {
            let (name, value) = directive.split_once('=').unwrap_or((directive, ""));
            match name.trim().to_ascii_lowercase().as_str() {
                "max-age" => max_age = value.trim().trim_matches('"').parse().ok().or(Some(0)),
                "no-store" => no_store = true,
                "no-cache" => no_cache = true,
                _ => {}
            }
        }
        let age: u64 = age.and_then(|a| a.trim().parse().ok()).unwrap_or(0);
        let lifetime = if no_cache || no_store { 0 } else { max_age.unwrap_or(0).saturating_sub(age) };
        Freshness { lifetime, no_store, stated: max_age.is_some() || no_cache || no_store }
    }

    fn from_response(resp: &ureq::http::Response<ureq::Body>) -> Freshness {
        let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok());
        Freshness::of(header("cache-control"), header("age"))
    }
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
    /// 304: the page the validators came from is still current, and fresh this long now.
    NotModified(Freshness),
}

/// A blocking HTTP client shared by every worker thread: one `ureq` agent, so
/// one connection pool, that keeps up to [`IDLE_PER_HOST`] idle connections per
/// host for reuse (ureq's default keeps 3, so 8 workers kept opening new ones),
/// and looks each host name up once a run ([`OnceResolver`]: ureq resolves the
/// name before every request, pooled connection or not).
pub struct Client {
    agent: ureq::Agent,
    options: ClientOptions,
    pub stats: Arc<Stats>,
    /// The run's credentials (URLs' userinfo, `UV_INDEX_<NAME>_*`, netrc).
    pub credentials: auth::Store,
}

/// Idle connections kept per host: more than the most workers (`--jobs` is at
/// most 64), so no worker's connection is closed for want of room.
pub const IDLE_PER_HOST: usize = 64;

/// A resolver that looks each host (and port) up once a run and then answers
/// from memory. ureq resolves before every request, even one that then goes
/// over a pooled connection, and with 8 workers a busy resolver drops queries
/// (glibc then waits 5 s each). Look-ups of one host wait for the first; a
/// failed look-up is not kept, so a retry asks again.
#[derive(Debug)]
struct OnceResolver {
    hosts: Mutex<HashMap<String, Arc<Mutex<Option<ResolvedSocketAddrs>>>>>,
    stats: Arc<Stats>,
}

impl Resolver for OnceResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let key = match (uri.scheme(), uri.authority()) {
            (Some(scheme), Some(authority)) => DefaultResolver::host_and_port(scheme, authority),
            _ => None,
        };
        // Whatever cannot be keyed is the default resolver's to refuse.
        let Some(key) = key else { return DefaultResolver::default().resolve(uri, config, timeout) };
        let slot = Arc::clone(self.hosts.lock().unwrap_or_else(|e| e.into_inner()).entry(key).or_default());
        let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(addrs) = slot.as_ref() {
            return Ok(addrs.clone());
        }
        self.stats.lookups.fetch_add(1, Ordering::Relaxed);
        let addrs = DefaultResolver::default().resolve(uri, config, timeout)?;
        *slot = Some(addrs.clone());
        Ok(addrs)
    }
}

/// The last link of the connector chain: counts the connections opened
/// (ureq asks the connectors only when no pooled connection is free).
#[derive(Debug)]
struct CountConnections(Arc<Stats>);

impl<In: Transport> Connector<In> for CountConnections {
    type Out = In;

    fn connect(&self, _: &ConnectionDetails, chained: Option<In>) -> Result<Option<In>, ureq::Error> {
        if chained.is_some() {
            self.0.connections.fetch_add(1, Ordering::Relaxed);
        }
        Ok(chained)
    }
}

/// The methods the client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Head,
}

impl Client {
    /// A client whose credentials come from the environment (netrc) and the URLs it is given.
    pub fn new(options: ClientOptions) -> Client {
        Client::with_credentials(options, auth::Store::from_env())
    }

    pub fn with_credentials(options: ClientOptions, credentials: auth::Store) -> Client {
        let tls = ureq::tls::TlsConfig::builder().root_certs(ureq::tls::RootCerts::PlatformVerifier).build();
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(USER_AGENT)
            // Redirects are followed by `send`, which decides what each hop may carry.
            .max_redirects(0)
            .timeout_resolve(Some(options.timeout))
            .timeout_connect(Some(options.timeout))
            .timeout_recv_response(Some(options.timeout))
            .timeout_per_read(Some(options.timeout))
            .max_idle_connections(2 * IDLE_PER_HOST)
            .max_idle_connections_per_host(IDLE_PER_HOST)
            .tls_config(tls)
            .proxy(ureq::Proxy::try_from_env())
            .build();
        let stats = Arc::new(Stats::default());
        let connector = DefaultConnector::new().chain(CountConnections(Arc::clone(&stats)));
        let resolver = OnceResolver { hosts: Mutex::default(), stats: Arc::clone(&stats) };
        let agent = ureq::Agent::with_parts(config, connector, resolver);
        Client { agent, options, stats, credentials }
    }

    /// A deadline for a request that starts now and is expected to bring
    /// `expected` bytes (`None`: unknown, judged by what it brings).
    pub fn deadline(&self, expected: Option<u64>) -> Deadline {
        Deadline { start: Instant::now(), slack: 2 * self.options.timeout, expected, not_after: None }
    }

    /// The time the requests for a whole remote wheel of `size` bytes may take
    /// together: `4 × --timeout` and a second per [`FLOOR_RATE`] bytes of twice
    /// its size (the end of the file, the members, their gaps). Only time in
    /// requests counts, not time the wheel waits for a worker or for memory.
    pub fn input_allowance(&self, size: u64) -> Duration {
        let bytes = size.saturating_mul(2) as f64 / FLOOR_RATE as f64;
        4 * self.options.timeout + Duration::from_secs_f64(bytes)
    }

    /// The error of a wheel whose requests used up its [`Client::input_allowance`].
    pub fn allowance_spent(&self, url: &str, allowance: Duration) -> HttpError {
        let why = "the time allowed for the requests of the whole wheel".to_string();
        HttpError::Deadline { url: redact(url), seconds: allowance.as_secs_f64().ceil() as u64, why }
    }

    /// Send a request, following redirects hop by hop (each with its own
    /// realm's credentials, never from https to http). Returns the answer and
    /// the URL it came from.
    fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, String)],
        deadline: &Deadline,
    ) -> Result<(ureq::http::Response<ureq::Body>, String), HttpError> {
        let mut at = url.to_string();
        for _ in 0..=MAX_REDIRECTS {
            let resp = self.send_once(method, &at, headers, deadline)?;
            let location = resp.headers().get("location").and_then(|v| v.to_str().ok());
            let (true, Some(location)) = (resp.status().is_redirection(), location) else {
                return Ok((resp, at));
            };
            let next = self.credentials.adopt(&super::index::join(&at, location));
            redirect_allowed(&at, &next).map_err(|detail| HttpError::Redirect { url: redact(url), detail })?;
            at = next;
        }
        Err(HttpError::Redirect { url: redact(url), detail: format!("more than {MAX_REDIRECTS} redirects") })
    }

    /// Send one request (with `headers`, and the credentials of its realm),
    /// retrying 429, transient 5xx and failed connections with backoff while
    /// the deadline allows.
    fn send_once(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, String)],
        deadline: &Deadline,
    ) -> Result<ureq::http::Response<ureq::Body>, HttpError> {
        let mut attempt = 0;
        loop {
            let mut req = match method {
                Method::Get => self.agent.get(url),
                Method::Head => self.agent.head(url),
            };
            for (k, v) in headers {
                req = req.header(*k, v);
            }
            if let Some(authorization) = self.credentials.authorization(url) {
                req = req.header("Authorization", authorization);
            }
            self.stats.requests.fetch_add(1, Ordering::Relaxed);
            let retry_after = match req.call() {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    // 501 (no such method or feature) and 505 will not change with a retry.
                    if status == 429 || (status >= 500 && !matches!(status, 501 | 505)) {
                        if attempt >= self.options.retries {
                            return Err(HttpError::Status { url: redact(url), status });
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
                Err(ureq::Error::Timeout(_)) if deadline.passed(0) => return Err(deadline.error(url, 0)),
                Err(e) => return Err(HttpError::Transport { url: redact(url), source: TransportError::of(&e, url) }),
            };
            let wait = retry_after.unwrap_or(self.options.backoff * 2u32.saturating_pow(attempt));
            if Instant::now() + wait > deadline.at(0) {
                return Err(deadline.error(url, 0));
            }
            std::thread::sleep(wait);
            attempt += 1;
        }
    }

    /// GET a page whole unless it is unchanged since `known` (sent as
    /// `If-None-Match` / `If-Modified-Since`); at most `limit` bytes.
    pub fn get_page_if(&self, url: &str, accept: &str, limit: u64, known: &Validators) -> Result<PageReply, HttpError> {
        let mut headers = vec![("Accept", accept.to_string()), ("Accept-Encoding", "gzip".to_string())];
        headers.extend(known.conditions());
        let deadline = self.deadline(None);
        let (resp, final_url) = self.send(Method::Get, url, &headers, &deadline)?;
        let status = resp.status().as_u16();
        if status == 304 && known.any() {
            return Ok(PageReply::NotModified(Freshness::from_response(&resp)));
        }
        if status != 200 {
            return Err(HttpError::Status { url: redact(url), status });
        }
        let content_type =
            resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
        let validators = Validators::of(&resp);
        let freshness = Freshness::from_response(&resp);
        let announced = content_length(&resp);
        let mut body = Vec::new();
        self.read_body(url, resp, &mut body, announced, limit, &deadline, &self.stats.page_bytes)?;
        self.stats.pages.fetch_add(1, Ordering::Relaxed);
        Ok(PageReply::Fresh(Page { url: final_url, content_type, body, validators, freshness }))
    }

    /// The size of a file, by HEAD; `None` when the server does not say.
    pub fn head_size(&self, url: &str) -> Result<Option<u64>, HttpError> {
        let (resp, _) = self.send(Method::Head, url, &[], &self.deadline(Some(0)))?;
        let status = resp.status().as_u16();
        if status != 200 {
            return Err(HttpError::Status { url: redact(url), status });
        }
        Ok(content_length(&resp))
    }

    /// GET bytes `start..end` (end exclusive) of a file of `total` bytes into
    /// memory, over by the request's deadline and `not_after` (the input's).
    pub fn get_range(
        &self,
        url: &str,
        range: (u64, u64, u64),
        member: bool,
        not_after: Option<Instant>,
    ) -> Result<RangeReply, HttpError> {
        let mut sink = InMemory::default();
        Ok(match self.get_range_into(url, range, member, not_after, &mut sink)? {
            RangeAnswer::Partial => RangeReply::Partial(sink.bytes),
            RangeAnswer::Whole => RangeReply::Whole(sink.bytes),
            RangeAnswer::Refused => RangeReply::Refused,
        })
    }

    /// [`Client::get_range`], streaming the body into `sink` as it arrives
    /// (a failed write is [`HttpError::Write`]), so a large range is never held in memory.
    pub fn get_range_into(
        &self,
        url: &str,
        (start, end, total): (u64, u64, u64),
        member: bool,
        not_after: Option<Instant>,
        sink: &mut dyn RangeSink,
    ) -> Result<RangeAnswer, HttpError> {
        if member {
            self.stats.member_requests.fetch_add(1, Ordering::Relaxed);
        }
        let last = end.saturating_sub(1);
        let deadline = Deadline { not_after, ..self.deadline(Some(end - start)) };
        let headers = [("Range", format!("bytes={start}-{last}")), ("Accept-Encoding", "identity".into())];
        let (resp, _) = self.send(Method::Get, url, &headers, &deadline)?;
        let status = resp.status().as_u16();
        let mismatch = |detail: String| HttpError::Mismatch { url: redact(url), detail };
        let write = |source: io::Error| HttpError::Write { url: redact(url), source };
        match status {
            206 => {
                let header = resp.headers().get("content-range").and_then(|v| v.to_str().ok()).unwrap_or("");
                let expected = format!("bytes {start}-{last}/{total}");
                if header.trim() != expected && header.trim() != format!("bytes {start}-{last}/*") {
                    return Err(mismatch(format!(
                        "the server answered Content-Range '{header}' to a request for bytes {start}-{last} of {total}"
                    )));
                }
                let body = sink.at(start, false).map_err(write)?;
                self.read_body(url, resp, body, Some(end - start), end - start, &deadline, &self.stats.bytes)?;
                Ok(RangeAnswer::Partial)
            }
            200 => {
                let deadline = Deadline { expected: Some(total), ..deadline };
                let body = sink.at(0, true).map_err(write)?;
                self.read_body(url, resp, body, Some(total), total, &deadline, &self.stats.bytes)?;
                Ok(RangeAnswer::Whole)
            }
            416 | 501 => Ok(RangeAnswer::Refused),
            _ => Err(HttpError::Status { url: redact(url), status }),
        }
    }

    /// GET a whole file of `expected` bytes (when known), streaming it into `sink`
    /// (a failed write is [`HttpError::Write`]), over by its deadline and `not_after`.
    pub fn download(
        &self,
        url: &str,
        expected: Option<u64>,
        limit: u64,
        sink: &mut dyn Write,
        not_after: Option<Instant>,
    ) -> Result<(), HttpError> {
        let deadline = Deadline { not_after, ..self.deadline(expected) };
        let (resp, _) = self.send(Method::Get, url, &[("Accept-Encoding", "identity".into())], &deadline)?;
        let status = resp.status().as_u16();
        if status != 200 {
            return Err(HttpError::Status { url: redact(url), status });
        }
        let announced = expected.or(content_length(&resp));
        self.read_body(url, resp, sink, announced, limit, &deadline, &self.stats.bytes)
    }

    /// Read a body to its end: exactly `announced` bytes (as sent) when that is
    /// known, at most `limit` (as inflated, for a gzip body), by the deadline.
    #[allow(clippy::too_many_arguments)]
    fn read_body(
        &self,
        url: &str,
        resp: ureq::http::Response<ureq::Body>,
        sink: &mut dyn Write,
        announced: Option<u64>,
        limit: u64,
        deadline: &Deadline,
        counter: &AtomicU64,
    ) -> Result<(), HttpError> {
        let encoding = resp
            .headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let raw = Counted { inner: resp.into_body().into_with_config().limit(u64::MAX).reader(), count: 0 };
        let (read, inflated) = match encoding.as_str() {
            "" | "identity" => {
                let mut body = raw;
                let cap = announced.unwrap_or(limit).min(limit).saturating_add(1);
                self.copy(url, &mut body, sink, (cap, announced), deadline, None, counter)?;
                (body.count, None)
            }
            "gzip" | "x-gzip" => {
                let mut body = flate2::read::MultiGzDecoder::new(raw);
                let inflated = self.copy(
                    url,
                    &mut body,
                    sink,
                    (limit.saturating_add(1), announced),
                    deadline,
                    Some(limit),
                    counter,
                )?;
                (body.get_ref().count, Some(inflated))
            }
            other => {
                return Err(HttpError::Mismatch {
                    url: redact(url),
                    detail: format!("the body has Content-Encoding '{other}', which was not asked for"),
                });
            }
        };
        let mismatch = |detail: String| Err(HttpError::Mismatch { url: redact(url), detail });
        match (announced, inflated) {
            (Some(a), _) if read > a => mismatch(format!("the body is longer than the {a} bytes announced")),
            (Some(a), _) if read < a => mismatch(format!("the body ended after {read} of the {a} bytes announced")),
            (None, None) if read > limit => mismatch(format!("the body is longer than the limit of {limit} bytes")),
            _ => Ok(()),
        }
    }

    /// Copy `body` into `sink` until its end or `cap` bytes, by the deadline;
    /// for a gzip body (`gzip_limit`), refuse it past that limit or beyond
    /// [`MAX_GZIP_RATIO`]. Returns the bytes copied.
    #[allow(clippy::too_many_arguments)]
    fn copy<R: Read + Compressed>(
        &self,
        url: &str,
        body: &mut R,
        sink: &mut dyn Write,
        (cap, announced): (u64, Option<u64>),
        deadline: &Deadline,
        gzip_limit: Option<u64>,
        counter: &AtomicU64,
    ) -> Result<u64, HttpError> {
        let mut buf = [0u8; 64 * 1024];
        let mut copied = 0u64;
        loop {
            let before = body.sent();
            let n = match body.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) if deadline.passed(body.sent()) => return Err(deadline.error(url, body.sent())),
                Err(source) => {
                    let source = truncated(source, body.sent(), announced);
                    return Err(HttpError::Body { url: redact(url), source });
                }
            };
            copied += n as u64;
            counter.fetch_add(body.sent() - before, Ordering::Relaxed);
            if let Some(limit) = gzip_limit {
                let gzip = |detail: String| HttpError::Gzip { url: redact(url), detail };
                if copied > limit {
                    return Err(gzip(format!("the gzip body inflates past the limit of {limit} bytes")));
                }
                if copied > 1 << 20 && copied / body.sent().max(1) > MAX_GZIP_RATIO {
                    return Err(gzip(format!(
                        "the gzip body inflates {} bytes to more than {copied}, a ratio beyond {MAX_GZIP_RATIO}:1",
                        body.sent()
                    )));
                }
            }
            sink.write_all(&buf[..n]).map_err(|source| HttpError::Write { url: redact(url), source })?;
            if deadline.passed(body.sent()) {
                return Err(deadline.error(url, body.sent()));
            }
            if copied >= cap {
                break;
            }
        }
        Ok(copied)
    }
}

/// A reader that counts the bytes it passes on: what came over the network.
struct Counted<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

/// A body reader that knows how many bytes it has taken from the network so far.
trait Compressed {
    fn sent(&self) -> u64;
}

impl<R> Compressed for Counted<R> {
    fn sent(&self) -> u64 {
        self.count
    }
}

impl<R: Read> Compressed for flate2::read::MultiGzDecoder<Counted<R>> {
    fn sent(&self) -> u64 {
        self.get_ref().count
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
    fn ok_freshness_follows_cache_control_and_age() {
        let f = |cc: Option<&str>, age: Option<&str>| Freshness::of(cc, age);
        assert_eq!(f(Some("max-age=600, public"), None), Freshness { lifetime: 600, no_store: false, stated: true });
        assert_eq!(
            f(Some("public, MAX-AGE=\"600\""), Some("100")),
            Freshness { lifetime: 500, no_store: false, stated: true }
        );
        assert_eq!(f(Some("max-age=60"), Some("600")).lifetime, 0, "older than its lifetime");
        assert_eq!(f(Some("max-age=600, no-cache"), None).lifetime, 0);
        assert_eq!(f(Some("no-store, max-age=600"), None), Freshness { lifetime: 0, no_store: true, stated: true });
        assert_eq!(f(None, Some("5")), Freshness::default(), "no Cache-Control: never fresh, nothing stated");
        assert_eq!(f(Some("public"), None), Freshness::default(), "no lifetime stated");
        assert!(f(Some("max-age=0"), None).stated && f(Some("no-cache"), None).stated);
        assert_eq!(f(Some("max-age=soon"), None).lifetime, 0);
    }

    #[test]
    fn ok_status_errors_keep_the_url() {
        let e = HttpError::Status { url: "https://x/y.whl".into(), status: 404 };
        assert_eq!(e.to_string(), "not found (HTTP 404)");
        assert_eq!(e.url(), "https://x/y.whl");
    }

    #[test]
    fn err_https_is_never_followed_to_plain_http() {
        let e = redirect_allowed("https://idx.example/simple/p/", "http://idx.example/simple/p/").unwrap_err();
        assert_eq!(e, "refused a redirect from https to plain http (http://idx.example/simple/p/)");
        let e = redirect_allowed("HTTPS://a/x", "http://u:pw@b/x?token=t").unwrap_err();
        assert_eq!(e, "refused a redirect from https to plain http (http://***@b/x?token=***)");
        assert!(redirect_allowed("https://a/x", "file:///etc/passwd").is_err());
        assert!(redirect_allowed("https://a/x", "https://b/x").is_ok());
        assert!(redirect_allowed("http://a/x", "https://a/x").is_ok(), "up to https is fine");
        assert!(redirect_allowed("http://a/x", "http://b/x").is_ok());
    }

    #[test]
    fn ok_deadline_grows_with_the_size_expected() {
        let client = Client::with_credentials(
            ClientOptions { timeout: Duration::from_secs(2), ..Default::default() },
            auth::Store::default(),
        );
        let d = client.deadline(Some(10 * FLOOR_RATE));
        assert_eq!(d.at(0) - d.start, Duration::from_secs(14), "2 × 2 s, and 10 s for 640 KiB");
        assert_eq!(d.at(20 * FLOOR_RATE) - d.start, Duration::from_secs(24), "more than expected");
        let unknown = client.deadline(None);
        assert_eq!(unknown.at(FLOOR_RATE) - unknown.start, Duration::from_secs(5));
        let capped = Deadline { not_after: Some(d.start + Duration::from_secs(1)), ..d };
        assert_eq!(capped.at(0) - d.start, Duration::from_secs(1));
        assert!(
            capped.error("https://h/a.whl?token=x", 0).to_string().contains("the time allowed for the whole wheel")
        );
        assert_eq!(client.input_allowance(10 * FLOOR_RATE), Duration::from_secs(28), "4 × 2 s, and 2 × 10 s");
    }
}
