//! Credentials for private indexes, found where pip and uv find them, and
//! kept out of everything uniabi prints or stores.
//!
//! A URL's userinfo (`https://user:secret@host/simple/`) is taken off the
//! URL as soon as uniabi sees it and kept here, by realm (scheme, host and
//! port); each request gets an `Authorization: Basic` header from its own
//! realm's credentials, so a redirect to another host carries none. Where a
//! URL gave none, an index named `NAME=URL` takes `UV_INDEX_<NAME>_USERNAME`
//! / `_PASSWORD` (uv's variables), and any host its `machine` entry (or the
//! `default` entry) of `NETRC`, else `~/.netrc`.
//!
//! [`redact`] is the one form in which a URL is shown or stored: userinfo
//! becomes `***`, and so does the value of any token-like query parameter.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Mutex;

/// A user name and password for HTTP Basic authentication.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials(***)")
    }
}

impl Credentials {
    /// The `Authorization` header value.
    pub fn header(&self) -> String {
        use base64::Engine;
        let pair = format!("{}:{}", self.username, self.password.as_deref().unwrap_or(""));
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
    }
}

/// Where credentials apply: scheme, host (lower case) and port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Realm {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl Realm {
    /// The realm of an absolute `http(s)://` URL.
    pub fn of(url: &str) -> Option<Realm> {
        let p = Parts::of(url)?;
        let (host, port) = p.host_port();
        let scheme = p.scheme.to_ascii_lowercase();
        let port = port.or(match scheme.as_str() {
            "http" => Some(80),
            "https" => Some(443),
            _ => None,
        });
        Some(Realm { scheme, host: host.to_ascii_lowercase(), port })
    }

    /// The host, without brackets or port.
    pub fn host(&self) -> &str {
        self.host.trim_start_matches('[').trim_end_matches(']')
    }

    /// Whether the host is this machine: `localhost`, `127.0.0.0/8` or `::1`
    /// (where plain http is no risk, as pip's secure origins have it).
    pub fn is_local(&self) -> bool {
        let host = self.host();
        host == "localhost" || host == "::1" || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
    }

    pub fn scheme(&self) -> &str {
        &self.scheme
    }
}

/// An absolute URL split where credentials and secrets live.
struct Parts<'a> {
    scheme: &'a str,
    /// `user:password` before the `@`, if any.
    userinfo: Option<&'a str>,
    /// `host[:port]`.
    host: &'a str,
    /// Everything after the authority (path, query, fragment).
    rest: &'a str,
}

impl<'a> Parts<'a> {
    fn of(url: &'a str) -> Option<Parts<'a>> {
        let (scheme, after) = url.split_once("://")?;
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        let (authority, rest) = after.split_at(end);
        let (userinfo, host) = match authority.rfind('@') {
            Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
            None => (None, authority),
        };
        Some(Parts { scheme, userinfo, host, rest })
    }

    fn host_port(&self) -> (&'a str, Option<u16>) {
        // `[::1]:8080`, `host:8080`, `host`.
        let split = match self.host.rfind(':') {
            Some(i) if !self.host[i..].contains(']') => Some(i),
            _ => None,
        };
        match split {
            Some(i) => (&self.host[..i], self.host[i + 1..].parse().ok()),
            None => (self.host, None),
        }
    }
}

/// The query parameters whose values are secrets (`?token=…`, signed URLs' signatures).
fn is_secret_parameter(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["token", "secret", "password", "passwd", "auth", "key", "signature", "sig", "credential", "session"]
        .iter()
        .any(|word| name.contains(word))
}

/// A URL as it may be shown or stored: userinfo replaced by `***`, and the
/// value of every token-like query parameter too. Not a URL: returned as it is.
pub fn redact(url: &str) -> String {
    let Some(p) = Parts::of(url) else { return url.to_string() };
    let mut out = format!("{}://", p.scheme);
    if p.userinfo.is_some() {
        out.push_str("***@");
    }
    out.push_str(p.host);
    let (path, fragment) = match p.rest.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (p.rest, None),
    };
    match path.split_once('?') {
        Some((path, query)) => {
            out.push_str(path);
            out.push('?');
            let params: Vec<String> = query
                .split('&')
                .map(|param| match param.split_once('=') {
                    Some((name, _)) if is_secret_parameter(name) => format!("{name}=***"),
                    _ => param.to_string(),
                })
                .collect();
            out.push_str(&params.join("&"));
        }
        None => out.push_str(path),
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

/// A URL without its userinfo, and the credentials that userinfo held (`%XX` decoded).
pub fn split_userinfo(url: &str) -> (String, Option<Credentials>) {
    let Some(p) = Parts::of(url) else { return (url.to_string(), None) };
    let Some(userinfo) = p.userinfo else { return (url.to_string(), None) };
    let clean = format!("{}://{}{}", p.scheme, p.host, p.rest);
    let (user, password) = match userinfo.split_once(':') {
        Some((u, pw)) => (u, Some(pw)),
        None => (userinfo, None),
    };
    let credentials = Credentials {
        username: percent_decode(user),
        password: password.map(percent_decode).filter(|pw| !pw.is_empty()),
    };
    (clean, Some(credentials))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An index given as `NAME=URL` (uv's form): the name and the URL; a plain URL has no name.
pub fn named_index(value: &str) -> (Option<&str>, &str) {
    match value.split_once('=') {
        Some((name, url))
            if !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                && (url.starts_with("http://") || url.starts_with("https://")) =>
        {
            (Some(name), url)
        }
        _ => (None, value),
    }
}

/// An index name as uv spells it in environment variables: `private-repo` → `PRIVATE_REPO`.
pub fn env_name(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect()
}

/// `UV_INDEX_<NAME>_USERNAME` / `_PASSWORD` for an index named `name`.
fn from_env(name: &str) -> Option<Credentials> {
    let var = |what: &str| std::env::var(format!("UV_INDEX_{}_{what}", env_name(name))).ok();
    let (username, password) = (var("USERNAME"), var("PASSWORD"));
    (username.is_some() || password.is_some()).then(|| Credentials { username: username.unwrap_or_default(), password })
}

/// The entries of a `.netrc` file.
#[derive(Default, PartialEq, Eq)]
pub struct Netrc {
    machines: HashMap<String, Credentials>,
    default: Option<Credentials>,
}

impl fmt::Debug for Netrc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Netrc({} machines)", self.machines.len())
    }
}

impl Netrc {
    /// Parse a `.netrc`: `machine NAME` (or `default`) followed by `login`,
    /// `password` and `account` tokens; `macdef NAME` skips to the next blank
    /// line; a token starting with `#` comments out the rest of its line;
    /// `"quoted tokens"` may hold spaces and `\` escapes. The first entry for
    /// a machine wins, as in Python's `netrc`.
    pub fn parse(text: &str) -> Netrc {
        let mut out = Netrc::default();
        let mut tokens = Tokens { text, pos: 0 };
        // The entry being read: its machine (None for `default`) and fields.
        let mut current: Option<(Option<String>, Option<String>, Option<String>)> = None;
        let finish = |out: &mut Netrc, entry: Option<(Option<String>, Option<String>, Option<String>)>| {
            if let Some((machine, Some(username), password)) = entry {
                let credentials = Credentials { username, password };
                match machine {
                    Some(m) => {
                        out.machines.entry(m).or_insert(credentials);
                    }
                    None => {
                        out.default.get_or_insert(credentials);
                    }
                }
            }
        };
        while let Some(token) = tokens.next() {
            match token.as_str() {
                "machine" => {
                    finish(&mut out, current.take());
                    current = tokens.next().map(|m| (Some(m.to_ascii_lowercase()), None, None));
                }
                "default" => {
                    finish(&mut out, current.take());
                    current = Some((None, None, None));
                }
                "login" => {
                    let value = tokens.next();
                    if let Some(entry) = current.as_mut() {
                        entry.1 = value;
                    }
                }
                "password" => {
                    let value = tokens.next();
                    if let Some(entry) = current.as_mut() {
                        entry.2 = value;
                    }
                }
                "account" => {
                    tokens.next();
                }
                "macdef" => {
                    finish(&mut out, current.take());
                    tokens.skip_macro();
                }
                _ => {}
            }
        }
        finish(&mut out, current.take());
        out
    }

    /// `NETRC`, else `~/.netrc`; nothing if neither can be read.
    pub fn load() -> Netrc {
        let path = std::env::var_os("NETRC")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").filter(|h| !h.is_empty()).map(|h| PathBuf::from(h).join(".netrc")));
        path.and_then(|p| std::fs::read_to_string(p).ok()).map(|t| Netrc::parse(&t)).unwrap_or_default()
    }

    /// The entry for a host, else the `default` entry.
    pub fn get(&self, host: &str) -> Option<&Credentials> {
        self.machines.get(&host.to_ascii_lowercase()).or(self.default.as_ref())
    }
}

struct Tokens<'a> {
    text: &'a str,
    pos: usize,
}

impl Tokens<'_> {
    fn next(&mut self) -> Option<String> {
        loop {
            let rest = &self.text[self.pos..];
            let start = rest.find(|c: char| !c.is_whitespace())?;
            self.pos += start;
            let rest = &self.text[self.pos..];
            if rest.starts_with('#') {
                self.pos += rest.find('\n').unwrap_or(rest.len());
                continue;
            }
            // A quoted token ends at its closing quote, any other at white space;
            // in both, a backslash takes the next character as it is (as Python's netrc does).
            let quoted = rest.starts_with('"');
            let mut out = String::new();
            let mut chars = rest.char_indices().skip(usize::from(quoted));
            let mut end = rest.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' if quoted => {
                        end = i + 1;
                        break;
                    }
                    c if !quoted && c.is_whitespace() => {
                        end = i;
                        break;
                    }
                    '\\' => out.extend(chars.next().map(|(_, c)| c)),
                    c => out.push(c),
                }
            }
            self.pos += end;
            return Some(out);
        }
    }

    /// Skip a `macdef` body: its name's line, then lines up to a blank one.
    fn skip_macro(&mut self) {
        let rest = &self.text[self.pos..];
        let body = rest.find('\n').map_or(rest.len(), |i| i + 1);
        let blank = rest[body..].find("\n\n").map_or(rest.len(), |i| body + i + 2);
        self.pos += blank.min(rest.len());
    }
}

/// The credentials of a run: those URLs gave (by realm), then the netrc file's (by host).
#[derive(Default)]
pub struct Store {
    by_realm: Mutex<HashMap<Realm, Credentials>>,
    netrc: Netrc,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Store(***)")
    }
}

impl Store {
    /// A store that reads the netrc file (`NETRC`, else `~/.netrc`).
    pub fn from_env() -> Store {
        Store { by_realm: Mutex::new(HashMap::new()), netrc: Netrc::load() }
    }

    /// A store with a given netrc (for tests).
    pub fn with_netrc(netrc: Netrc) -> Store {
        Store { by_realm: Mutex::new(HashMap::new()), netrc }
    }

    /// Take a URL (an index as `URL` or `NAME=URL`, a wheel URL, a link):
    /// keep the credentials it carries (its userinfo, else, for a named index,
    /// `UV_INDEX_<NAME>_*`) for its realm, and return it without userinfo or name.
    pub fn adopt(&self, value: &str) -> String {
        let (name, url) = named_index(value);
        let (clean, credentials) = split_userinfo(url);
        let credentials = credentials.or_else(|| name.and_then(from_env));
        if let (Some(credentials), Some(realm)) = (credentials, Realm::of(&clean))
            && let Ok(mut map) = self.by_realm.lock()
        {
            map.entry(realm).or_insert(credentials);
        }
        clean
    }

    /// The `Authorization` header for a request to `url`, if any credentials apply.
    pub fn authorization(&self, url: &str) -> Option<String> {
        let realm = Realm::of(url)?;
        if let Some(c) = self.by_realm.lock().ok()?.get(&realm) {
            return Some(c.header());
        }
        self.netrc.get(realm.host()).map(Credentials::header)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_redact_userinfo_and_token_values() {
        assert_eq!(redact("https://user:pw@host:8443/simple/"), "https://***@host:8443/simple/");
        assert_eq!(redact("https://__token__@host/simple/"), "https://***@host/simple/");
        assert_eq!(
            redact("https://h/f/a.whl?token=abc&X-Amz-Signature=def&v=2#sha256=12"),
            "https://h/f/a.whl?token=***&X-Amz-Signature=***&v=2#sha256=12"
        );
        assert_eq!(redact("https://h/simple/p/"), "https://h/simple/p/");
        assert_eq!(redact("psutil==7.1.2"), "psutil==7.1.2");
    }

    #[test]
    fn ok_userinfo_is_taken_off_and_decoded() {
        let (clean, c) = split_userinfo("https://al%40ce:p%3Ass@host/simple/");
        assert_eq!(clean, "https://host/simple/");
        let c = c.unwrap();
        assert_eq!((c.username.as_str(), c.password.as_deref()), ("al@ce", Some("p:ss")));
        assert_eq!(format!("{c:?}"), "Credentials(***)");
        assert_eq!(split_userinfo("https://host/x").1, None);
    }

    #[test]
    fn ok_credentials_apply_to_their_realm_only() {
        let store = Store::default();
        assert_eq!(store.adopt("http://u:p@127.0.0.1:8080/simple/"), "http://127.0.0.1:8080/simple/");
        let basic = Some("Basic dTpw".to_string());
        assert_eq!(store.authorization("http://127.0.0.1:8080/files/a.whl"), basic);
        assert_eq!(store.authorization("http://127.0.0.1:8081/files/a.whl"), None, "another port");
        assert_eq!(store.authorization("http://localhost:8080/files/a.whl"), None, "another host");
        assert_eq!(store.authorization("https://127.0.0.1:8080/files/a.whl"), None, "another scheme");
        assert_eq!(format!("{store:?}"), "Store(***)");
    }

    #[test]
    fn ok_named_index_and_env_names() {
        assert_eq!(named_index("private-repo=https://h/simple/"), (Some("private-repo"), "https://h/simple/"));
        assert_eq!(named_index("https://h/simple/?a=b"), (None, "https://h/simple/?a=b"));
        assert_eq!(env_name("private-repo.v2"), "PRIVATE_REPO_V2");
    }

    #[test]
    fn ok_netrc_entries_default_macros_comments_and_quotes() {
        let netrc = Netrc::parse(
            "# a comment\nmachine Example.org login bob password \"two words\"\n\
             macdef init\ncd /pub\nmachine hidden login x\n\n\
             machine example.org login second password no\n\
             machine other.org login carol password c\\\"q account acct\n\
             default login anon password guest\n",
        );
        let get = |h: &str| netrc.get(h).map(|c| (c.username.clone(), c.password.clone()));
        assert_eq!(get("example.org"), Some(("bob".into(), Some("two words".into()))), "the first entry wins");
        assert_eq!(get("other.org"), Some(("carol".into(), Some("c\"q".into()))));
        assert_eq!(get("hidden"), Some(("anon".into(), Some("guest".into()))), "a macro's body is skipped");
        assert_eq!(get("nowhere.net"), Some(("anon".into(), Some("guest".into()))));
        assert_eq!(Netrc::parse("machine h password p").get("h"), None, "no login, no entry");
    }

    #[test]
    fn ok_local_hosts() {
        for local in ["http://localhost:1/", "http://127.0.0.1/", "http://127.4.5.6:9/", "http://[::1]:80/"] {
            assert!(Realm::of(local).unwrap().is_local(), "{local}");
        }
        for far in ["http://pypi.example/", "http://10.0.0.1/", "http://localhost.example.com/"] {
            assert!(!Realm::of(far).unwrap().is_local(), "{far}");
        }
    }
}
