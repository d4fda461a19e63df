//! Package indexes: a project's files from the PEP 691 JSON simple API (PEP 503
//! HTML as the fallback), requirement lines, and the choice of releases and
//! wheels by version specifier, `--releases N`, `--platform` and `--python`.

use std::path::Path;
use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};
use serde::{Deserialize, Serialize};

use super::http::{Client, HttpError, PageReply};
use crate::tags::{Installer, Interpreter, PlatformTag, WheelFilename, installer_rank, normalize_name};

/// What the index is asked for: JSON first, HTML accepted.
const ACCEPT: &str = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1";
/// The most bytes one index page may have (PyPI's largest pages are tens of MB).
const PAGE_LIMIT: u64 = 256 << 20;

/// Why a project could not be resolved. The messages leave out the project
/// name: the caller names the argument it came from.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// A requirement line that does not parse.
    #[error("'{line}' is not a requirement: {detail}")]
    Requirement { line: String, detail: String },
    /// The index has no such project (404 or 410).
    #[error("no such project on the index ({url})")]
    NoProject { project: String, url: String },
    /// The index page could not be fetched.
    #[error("cannot read the index page {}", source.url())]
    Fetch { project: String, source: HttpError },
    /// The index page is neither PEP 691 JSON nor PEP 503 HTML, or does not parse.
    #[error("the index page {url} {detail}")]
    Page { project: String, url: String, detail: String },
    /// No release matches the requirement, or none has a wheel for the filters.
    #[error("{detail}")]
    NoWheel { project: String, detail: String },
}

/// `name`, `name==1.0`, `name>=1,<2`, `name[extra]>=1; marker` (extras and markers are ignored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The name as written.
    pub name: String,
    pub specifiers: VersionSpecifiers,
}

impl FromStr for Requirement {
    type Err = IndexError;

    fn from_str(line: &str) -> Result<Self, Self::Err> {
        let bad = |detail: &str| IndexError::Requirement { line: line.to_string(), detail: detail.to_string() };
        let text = line.split(';').next().unwrap_or("").trim();
        let end =
            text.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))).unwrap_or(text.len());
        let name = &text[..end];
        if name.is_empty()
            || !name.starts_with(|c: char| c.is_ascii_alphanumeric())
            || !name.ends_with(|c: char| c.is_ascii_alphanumeric())
        {
            return Err(bad("it does not start with a project name"));
        }
        let mut rest = text[end..].trim_start();
        if let Some(after) = rest.strip_prefix('[') {
            rest = after.split_once(']').ok_or_else(|| bad("an extra is not closed with ']'"))?.1.trim_start();
        }
        let rest = rest.trim_start_matches('(').trim_end_matches(')').trim();
        let specifiers = if rest.is_empty() {
            VersionSpecifiers::empty()
        } else {
            VersionSpecifiers::from_str(rest).map_err(|e| bad(&e.to_string()))?
        };
        Ok(Requirement { name: name.to_string(), specifiers })
    }
}

/// Whether an argument could name a project (`psutil`, `numpy>=2`) rather than a path.
pub fn looks_like_requirement(arg: &str) -> bool {
    !arg.contains(['/', '\\']) && !arg.ends_with(".whl") && arg.parse::<Requirement>().is_ok()
}

/// The requirement lines of a requirements file (comments and blank lines
/// left out), and the option lines it skips (`-e .`, `-r other.txt`,
/// `--index-url …`): only projects named on a line are read.
pub fn requirement_lines(text: &str) -> (Vec<String>, Vec<String>) {
    let lines = text
        .lines()
        .map(|l| l.split(" #").next().unwrap_or("").trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let (options, requirements): (Vec<&str>, Vec<&str>) = lines.partition(|l| l.starts_with('-'));
    (requirements.into_iter().map(str::to_string).collect(), options.into_iter().map(str::to_string).collect())
}

/// The index asked when neither `--index-url` nor the environment names one: PyPI.
pub const DEFAULT_INDEX: &str = "https://pypi.org/simple/";

/// One file of a project, as the index lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexFile {
    pub filename: String,
    /// Absolute URL, fragment removed; empty in a stub.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub yanked: bool,
    /// Only its name and yanked state were kept in the cache (a file of an older
    /// release): reading it needs the page again ([`PageCache::whole`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stub: bool,
}

/// How many of a project's newest final releases a stored page keeps whole (URL,
/// sha256, size), with any newer pre-release; of older ones it keeps the names,
/// enough to choose, and a choice that falls there fetches the page again.
const KEPT_WHOLE: usize = 3;

/// What the cache keeps of a page's files: all of them, those of the
/// [`KEPT_WHOLE`] newest final releases (not yanked) and anything newer whole,
/// the others as stubs; a file whose URL carries a credential (a token in its
/// query) is never kept whole.
fn kept(files: &[IndexFile]) -> Vec<IndexFile> {
    let version = |f: &IndexFile| {
        let (_, version) = match f.filename.parse::<WheelFilename>() {
            Ok(w) => (w.name, w.version),
            Err(_) => sdist_name_version(&f.filename)?,
        };
        Version::from_str(&version).ok()
    };
    let mut finals: Vec<Version> =
        files.iter().filter(|f| !f.yanked).filter_map(version).filter(|v| !v.any_prerelease()).collect();
    finals.sort_unstable_by(|a, b| b.cmp(a));
    finals.dedup();
    let oldest_kept = finals.into_iter().take(KEPT_WHOLE).last();
    files
        .iter()
        .map(|f| {
            let newest = match (version(f), &oldest_kept) {
                (Some(v), Some(oldest)) => v >= *oldest,
                _ => true,
            };
            if newest && super::auth::redact(&f.url) == f.url {
                f.clone()
            } else {
                IndexFile { filename: f.filename.clone(), yanked: f.yanked, stub: true, ..IndexFile::default() }
            }
        })
        .collect()
}

#[derive(Deserialize)]
struct JsonPage {
    files: Vec<JsonFile>,
}

#[derive(Deserialize)]
struct JsonFile {
    filename: String,
    url: String,
    #[serde(default)]
    hashes: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    yanked: serde_json::Value,
}

/// The index URL to use: `--index-url`, else `UV_INDEX_URL`, else `PIP_INDEX_URL`, else PyPI;
/// as given (it may be `NAME=URL` and carry credentials: [`super::auth::Store::adopt`] takes them off).
pub fn index_url(flag: Option<&str>) -> String {
    let url = flag
        .map(str::to_string)
        .or_else(|| std::env::var("UV_INDEX_URL").ok().filter(|s| !s.is_empty()))
        .or_else(|| std::env::var("PIP_INDEX_URL").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| DEFAULT_INDEX.to_string());
    if url.ends_with('/') { url } else { format!("{url}/") }
}

/// Where index pages are kept between runs, whether stored pages are
/// revalidated even while fresh (`--refresh`), how long a page whose index
/// stated no lifetime stays fresh (`--index-max-age`, seconds), and whether a
/// stored page with stubs is fetched again whole (a choice fell on a stub).
#[derive(Debug, Clone, Copy)]
pub struct PageCache<'a> {
    pub dir: &'a Path,
    pub refresh: bool,
    pub max_age: u64,
    pub whole: bool,
}

/// Fetch a project's files from the index at `index` (ending in `/`). With a
/// cache, a page stored there that is still fresh (by its `Cache-Control`, as
/// uv honours it; else by `max_age`) is used without a request unless
/// `refresh`; a stale one is revalidated (`If-None-Match` /
/// `If-Modified-Since`) and reused on a 304; a new page is stored.
pub fn project_files(
    client: &Client,
    index: &str,
    project: &str,
    cache: Option<PageCache>,
) -> Result<Vec<IndexFile>, IndexError> {
    let url = format!("{index}{}/", normalize_name(project).replace('_', "-"));
    let stored = cache.and_then(|c| super::cache::load_page::<Vec<IndexFile>>(c.dir, &url, c.max_age));
    // A page whose stubs are wanted is fetched whole: a 304 would give them no URL.
    let stored = stored.filter(|s| !(cache.is_some_and(|c| c.whole) && s.kept.iter().any(|f| f.stub)));
    let counted = |files| {
        client.stats.pages_cached.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        files
    };
    if let Some(s) = &stored
        && s.fresh
        && !cache.is_some_and(|c| c.refresh)
    {
        return Ok(counted(s.kept.clone()));
    }
    let known = stored.as_ref().map(|s| s.validators.clone()).unwrap_or_default();
    let reply = client.get_page_if(&url, ACCEPT, PAGE_LIMIT, &known).map_err(|source| match source {
        HttpError::Status { status: 404 | 410, url } => IndexError::NoProject { project: project.to_string(), url },
        source => IndexError::Fetch { project: project.to_string(), source },
    })?;
    let (files, validators, freshness) = match (reply, stored) {
        // Kept again after a 304 too: it is fresh from now, for as long as the 304 says.
        (PageReply::NotModified(freshness), Some(s)) => (counted(s.kept), s.validators, freshness),
        (PageReply::Fresh(page), _) => {
            let files = page_files(project, &page)?;
            (files, page.validators, page.freshness)
        }
        (PageReply::NotModified(_), None) => {
            let detail = "HTTP 304 to an unconditional request".to_string();
            return Err(IndexError::Fetch {
                project: project.to_string(),
                source: HttpError::Mismatch { url: super::auth::redact(&url), detail },
            });
        }
    };
    if let Some(c) = cache {
        super::cache::store_page(c.dir, &url, &validators, freshness, &kept(&files));
    }
    Ok(files)
}

/// The files a page fetched for `project` lists (PEP 691 JSON or PEP 503 HTML).
fn page_files(project: &str, page: &super::http::Page) -> Result<Vec<IndexFile>, IndexError> {
    let page_error =
        |detail: String| IndexError::Page { project: project.to_string(), url: super::auth::redact(&page.url), detail };
    let ct = page.content_type.split(';').next().unwrap_or("").trim().to_string();
    if ct == "application/vnd.pypi.simple.v1+json" || ct == "application/json" {
        let parsed: JsonPage =
            serde_json::from_slice(&page.body).map_err(|e| page_error(format!("is not valid PEP 691 JSON: {e}")))?;
        Ok(parsed
            .files
            .into_iter()
            .map(|f| IndexFile {
                url: join(&page.url, &f.url),
                filename: f.filename,
                sha256: f.hashes.get("sha256").cloned(),
                size: f.size,
                yanked: !matches!(f.yanked, serde_json::Value::Null | serde_json::Value::Bool(false)),
                stub: false,
            })
            .collect())
    } else if ct == "text/html" || ct == "application/vnd.pypi.simple.v1+html" {
        let text = String::from_utf8_lossy(&page.body);
        Ok(html_links(&text)
            .into_iter()
            .map(|(href, text, yanked)| {
                let (base, fragment) = href.split_once('#').unwrap_or((&href, ""));
                IndexFile {
                    url: join(&page.url, base),
                    filename: text,
                    sha256: fragment.strip_prefix("sha256=").map(str::to_string),
                    size: None,
                    yanked,
                    stub: false,
                }
            })
            .collect())
    } else {
        Err(page_error(format!("has Content-Type '{ct}', neither PEP 691 JSON nor PEP 503 HTML")))
    }
}

/// The anchors of a PEP 503 page: (href, text, yanked), entities in href decoded.
fn html_links(text: &str) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("<a ") {
        rest = &rest[start..];
        let Some(tag_end) = rest.find('>') else { break };
        let tag = &rest[..tag_end];
        let Some(close) = rest[tag_end..].find("</a>") else { break };
        let inner = rest[tag_end + 1..tag_end + close].trim().to_string();
        if let Some(h) = tag.find("href=\"") {
            let value = &tag[h + 6..];
            let href = value.split('"').next().unwrap_or("").replace("&amp;", "&");
            out.push((href, inner, tag.contains("data-yanked")));
        }
        rest = &rest[tag_end + close..];
    }
    out
}

/// Resolve `href` against the page URL `base` (absolute, `//host`, `/path` or relative with `..`).
pub fn join(base: &str, href: &str) -> String {
    if href.contains("://") {
        return href.to_string();
    }
    let (scheme, after) = base.split_once("://").unwrap_or(("https", base));
    let host_end = after.find('/').unwrap_or(after.len());
    let host = &after[..host_end];
    if let Some(rest) = href.strip_prefix("//") {
        return format!("{scheme}://{rest}");
    }
    if href.starts_with('/') {
        return format!("{scheme}://{host}{href}");
    }
    let path = &after[host_end..];
    let mut parts: Vec<&str> = path.split('/').collect();
    parts.pop(); // the page's own last segment (empty for a directory URL)
    for seg in href.split('/') {
        match seg {
            ".." => {
                if parts.len() > 1 {
                    parts.pop();
                }
            }
            "." => {}
            s => parts.push(s),
        }
    }
    format!("{scheme}://{host}{}", parts.join("/"))
}

/// Which wheels of a project to read.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// How many of the newest matching releases (at least 1).
    pub releases: usize,
    /// Only wheels an installer on this platform would take (plus pure wheels).
    pub platform: Option<PlatformTag>,
    /// Only wheels an installer on this interpreter would take.
    pub python: Option<Interpreter>,
    /// With `platform` and `python` both given: per requirement, only the one
    /// wheel an installer there picks ([`choose_installed`]).
    pub installer: Option<Installer>,
    /// When the newest release has no wheel for the filters, go back to the newest
    /// that has some (`--newest-with-wheels`; the choice is marked) rather than report it.
    pub newest_with_wheels: bool,
}

/// What an installer on one interpreter and platform does with a requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    /// It installs this wheel.
    Wheel(IndexFile),
    /// No wheel fits: why, for the user (`no wheel for 3.15t on manylinux_2_28_x86_64: sdist only`).
    NoWheel(String),
}

/// A project's release on the index: its version, its wheels, whether it has an sdist.
struct Release<'a> {
    version: Version,
    wheels: Vec<(&'a IndexFile, WheelFilename)>,
    sdist: bool,
}

/// The releases of `project` among `files` that `req` admits (not yanked; a
/// pre-release only when a specifier names one), newest first; none is an error
/// saying whether the index listed nothing or nothing matched.
fn releases<'a>(project: &str, req: &Requirement, files: &'a [IndexFile]) -> Result<Vec<Release<'a>>, IndexError> {
    let mut releases: Vec<Release> = Vec::new();
    let mut any = false;
    for f in files.iter().filter(|f| !f.yanked) {
        let (name, version, wheel) = match f.filename.parse::<WheelFilename>() {
            Ok(w) => (w.name.clone(), w.version.clone(), Some(w)),
            Err(_) => match sdist_name_version(&f.filename) {
                Some((n, v)) => (n, v, None),
                None => continue,
            },
        };
        let Ok(version) = Version::from_str(&version) else { continue };
        if normalize_name(&name) != normalize_name(project) {
            continue;
        }
        any = true;
        if !req.specifiers.contains(&version)
            || (version.any_prerelease() && !req.specifiers.iter().any(|s| s.any_prerelease()))
        {
            continue;
        }
        let at = match releases.iter().position(|r| r.version == version) {
            Some(i) => i,
            None => {
                releases.push(Release { version, wheels: Vec::new(), sdist: false });
                releases.len() - 1
            }
        };
        match wheel {
            Some(w) => releases[at].wheels.push((f, w)),
            None => releases[at].sdist = true,
        }
    }
    if releases.is_empty() {
        let detail = if !any || req.specifiers.is_empty() {
            "the index lists no wheels or sdists for this project".to_string()
        } else {
            format!("no release matches '{}'", req.specifiers)
        };
        return Err(IndexError::NoWheel { project: project.to_string(), detail });
    }
    releases.sort_by(|a, b| b.version.cmp(&a.version));
    Ok(releases)
}

/// The one file an installer (pip, uv) on `python` and `platform` picks for
/// `req`: the newest release that has a wheel it accepts or an sdist it could
/// build; there the wheel whose best tag ranks first in the installer's order
/// (the interpreter's (python, ABI) pairs best first — `cp315-cp315t`, then
/// `cp315-abi3t`, …, `py3-none` — each over the platform's tags, the newest
/// C library first, then the `any` tags). A release where only an sdist fits
/// is [`Pick::NoWheel`]: the installer would build from source.
pub fn choose_installed(
    project: &str,
    req: &Requirement,
    files: &[IndexFile],
    python: Interpreter,
    platform: &PlatformTag,
    installer: Installer,
) -> Result<Pick, IndexError> {
    let releases = releases(project, req, files)?;
    let for_whom = format!("no wheel for {python} on {}", platform.as_str());
    for release in &releases {
        let best = release
            .wheels
            .iter()
            .filter_map(|(f, w)| installer_rank(&w.tags, python, platform, installer).map(|rank| (rank, *f)))
            .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.filename.cmp(&b.1.filename)));
        if let Some((_, f)) = best {
            return Ok(Pick::Wheel(f.clone()));
        }
        if release.sdist {
            let why = match release.wheels.len() {
                0 => "sdist only".to_string(),
                1 => "sdist only; its one wheel is for another interpreter or platform".to_string(),
                n => format!("sdist only; its {n} wheels are for other interpreters or platforms"),
            };
            return Ok(Pick::NoWheel(format!("{for_whom} in {} {}: {why}", project, release.version)));
        }
    }
    let newest = &releases[0];
    Ok(Pick::NoWheel(format!(
        "{for_whom} in any release (the newest, {}, has {} wheel{}, none that fit, and no sdist)",
        newest.version,
        newest.wheels.len(),
        crate::output::plural(newest.wheels.len())
    )))
}

/// `name-version` of an sdist file name (`.tar.gz`, `.zip`).
fn sdist_name_version(filename: &str) -> Option<(String, String)> {
    let stem = filename.strip_suffix(".tar.gz").or_else(|| filename.strip_suffix(".zip"))?;
    let (name, version) = stem.rsplit_once('-')?;
    Some((name.to_string(), version.to_string()))
}

/// What [`choose`] takes of a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chosen {
    /// The wheels of the chosen releases, newest release first, each release's wheels by
    /// file name; `passed_over` says why the newest release was passed over for an older one
    /// (only with [`Filters::newest_with_wheels`]).
    Wheels { files: Vec<IndexFile>, passed_over: Option<String> },
    /// The newest release has no wheel for the filters: why, in one sentence.
    NoWheel(String),
}

/// The wheels to read of a project: those of its newest release (by default),
/// or of its `--releases N` newest, that pass the filters. When the newest has
/// none, that is the answer ([`Chosen::NoWheel`], saying why: sdist only,
/// wheels for other platforms, a newer C library or macOS, other
/// interpreters), unless [`Filters::newest_with_wheels`] asks to go back to the
/// newest release that has some, which is then marked.
pub fn choose(project: &str, req: &Requirement, files: &[IndexFile], filters: &Filters) -> Result<Chosen, IndexError> {
    let releases = releases(project, req, files)?;
    let fitting = |r: &Release| -> Vec<IndexFile> {
        let mut list: Vec<IndexFile> =
            r.wheels.iter().filter(|(_, w)| wheel_fits(w, filters)).map(|(f, _)| (*f).clone()).collect();
        list.sort_by(|a, b| a.filename.cmp(&b.filename));
        list
    };
    let newest = &releases[0];
    let passed_over = if fitting(newest).is_empty() {
        let filters_text = describe(filters);
        let for_what = if filters_text.is_empty() { String::new() } else { format!(" for {filters_text}") };
        let names: Vec<&WheelFilename> = newest.wheels.iter().map(|(_, w)| w).collect();
        let why = format!(
            "no wheel{for_what} in {project} {}, the newest release: {}",
            newest.version,
            why_none(&names, newest.sdist, filters)
        );
        if !filters.newest_with_wheels {
            return Ok(Chosen::NoWheel(why));
        }
        Some(why)
    } else {
        None
    };
    let mut out = Vec::new();
    // The newest `--releases N` that have wheels for the filters (the newest among them, unless passed over).
    for list in releases.iter().map(fitting).filter(|l| !l.is_empty()).take(filters.releases.max(1)) {
        out.extend(list);
    }
    match passed_over {
        Some(why) if out.is_empty() => Ok(Chosen::NoWheel(format!("{why}; nor has any older release"))),
        passed_over => Ok(Chosen::Wheels { files: out, passed_over }),
    }
}

/// Why a release's wheels `wheels` give none for the filters, in a few words.
fn why_none(wheels: &[&WheelFilename], sdist: bool, filters: &Filters) -> String {
    let sdist_too = if sdist { " (and an sdist)" } else { "" };
    if wheels.is_empty() {
        return if sdist { "sdist only".to_string() } else { "no wheel".to_string() };
    }
    let on_platform = |w: &&&WheelFilename| {
        filters.platform.as_ref().is_none_or(|host| w.tags.platform.iter().any(|p| p.is_any() || host.accepts(p)))
    };
    let here: Vec<&&WheelFilename> = wheels.iter().filter(on_platform).collect();
    if !here.is_empty() {
        // The platform fits: the interpreter does not.
        let mut tags: Vec<String> =
            here.iter().map(|w| format!("{}-{}", join_tags(&w.tags.python), join_tags(&w.tags.abi))).collect();
        tags.sort();
        tags.dedup();
        return format!("its wheels for this platform are for other interpreters ({}){sdist_too}", bounded_list(&tags));
    }
    if let Some(host) = &filters.platform
        && let (Some(version), Some(arch)) = (host.version(), host.arch())
    {
        // Wheels for the same machines that need a newer C library, macOS, iOS or API level.
        let machines = host.families();
        let mut newer: Vec<((u16, u16), &str)> = wheels
            .iter()
            .flat_map(|w| &w.tags.platform)
            .filter(|p| p.families().iter().any(|f| machines.contains(f)))
            .filter_map(|p| p.version().filter(|v| *v > version).map(|v| (v, p.as_str())))
            .collect();
        newer.sort();
        if let Some((_, oldest)) = newer.first() {
            let kind = host.as_str().split('_').next().unwrap_or_default();
            return format!("its {kind} {arch} wheels need {oldest} or newer{sdist_too}");
        }
    }
    let mut families: Vec<String> = wheels.iter().map(|w| crate::tags::platform_family(&w.tags.platform)).collect();
    families.sort();
    families.dedup();
    format!(
        "its {} {} for other platforms ({}){sdist_too}",
        crate::output::count_noun(wheels.len(), "wheel"),
        if wheels.len() == 1 { "is" } else { "are" },
        bounded_list(&families)
    )
}

/// Tags joined with `.` as in a file name.
fn join_tags<T: std::fmt::Display>(tags: &[T]) -> String {
    tags.iter().map(ToString::to_string).collect::<Vec<_>>().join(".")
}

/// `a, b, c` — at most six items, then `and N more`.
fn bounded_list(items: &[String]) -> String {
    const SHOWN: usize = 6;
    let mut text = items.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > SHOWN {
        text.push_str(&format!(" and {} more", items.len() - SHOWN));
    }
    text
}

fn describe(filters: &Filters) -> String {
    let mut parts = Vec::new();
    if let Some(p) = &filters.platform {
        parts.push(format!("--platform {}", p.as_str()));
    }
    if let Some(i) = &filters.python {
        parts.push(format!("--python {i}"));
    }
    parts.join(" ")
}

/// Whether a wheel passes `--platform` and `--python`.
fn wheel_fits(name: &WheelFilename, filters: &Filters) -> bool {
    if let Some(want) = &filters.platform
        && !name.tags.platform.iter().any(|p| p.is_any() || want.accepts(p))
    {
        return false;
    }
    if let Some(interp) = &filters.python
        && !interp.installs(&name.tags)
    {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str) -> IndexFile {
        IndexFile { filename: name.into(), url: format!("https://x/{name}"), ..IndexFile::default() }
    }

    #[test]
    fn ok_requirement_forms() {
        let r: Requirement = "psutil".parse().unwrap();
        assert_eq!(r.name, "psutil");
        let r: Requirement = "numpy[dev] >=2, <3 ; python_version > '3'".parse().unwrap();
        assert_eq!(r.name, "numpy");
        assert!(r.specifiers.contains(&Version::from_str("2.3.5").unwrap()));
        assert!(!r.specifiers.contains(&Version::from_str("3.0").unwrap()));
        assert!(looks_like_requirement("psutil==7.1.2"));
        assert!(!looks_like_requirement("samples/x.whl"));
    }

    #[test]
    fn ok_requirement_lines_keep_projects_and_name_skipped_options() {
        let text = "# pinned\npsutil==7.1.2  # why\n\n-e .\n--index-url https://x/simple\nnumpy>=2\n";
        let (requirements, skipped) = requirement_lines(text);
        assert_eq!(requirements, ["psutil==7.1.2", "numpy>=2"]);
        assert_eq!(skipped, ["-e .", "--index-url https://x/simple"]);
    }

    #[test]
    fn err_requirement_names_the_line() {
        let e = "psutil==what".parse::<Requirement>().unwrap_err();
        assert!(e.to_string().starts_with("'psutil==what' is not a requirement"), "{e}");
    }

    #[test]
    fn ok_join_resolves_relative_links() {
        assert_eq!(join("http://h:1/simple/p/", "../../files/a.whl"), "http://h:1/files/a.whl");
        assert_eq!(join("http://h:1/simple/p/", "/f/a.whl"), "http://h:1/f/a.whl");
        assert_eq!(join("http://h:1/simple/p/", "https://o/a.whl"), "https://o/a.whl");
        assert_eq!(join("http://h:1/simple/p/", "a.whl"), "http://h:1/simple/p/a.whl");
    }

    #[test]
    fn ok_platform_acceptance() {
        let host: PlatformTag = "manylinux_2_28_x86_64".parse().unwrap();
        for ok in ["manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux1_x86_64", "manylinux_2_28_x86_64"] {
            assert!(host.accepts(&ok.parse().unwrap()), "{ok}");
        }
        for no in ["manylinux_2_34_x86_64", "manylinux_2_17_aarch64", "musllinux_1_2_x86_64", "win_amd64"] {
            assert!(!host.accepts(&no.parse().unwrap()), "{no}");
        }
        let mac: PlatformTag = "macosx_14_0_arm64".parse().unwrap();
        assert!(mac.accepts(&"macosx_10_15_universal2".parse().unwrap()));
    }

    #[test]
    fn ok_choose_the_newest_release_or_say_why_it_has_no_wheel() {
        let files = vec![
            file("p-1.0-cp313-cp313-manylinux_2_17_x86_64.whl"),
            file("p-2.0-cp313-cp313-win_amd64.whl"),
            file("p-2.0rc1-cp313-cp313-manylinux_2_17_x86_64.whl"),
            file("p-1.0.tar.gz"),
        ];
        let names = |c: Chosen| match c {
            Chosen::Wheels { files, passed_over } => (files.into_iter().map(|f| f.filename).collect(), passed_over),
            Chosen::NoWheel(why) => (Vec::new(), Some(why)),
        };
        let req: Requirement = "p".parse().unwrap();
        let linux =
            Filters { releases: 1, platform: Some("manylinux_2_28_x86_64".parse().unwrap()), ..Default::default() };
        let why = "no wheel for --platform manylinux_2_28_x86_64 in p 2.0, the newest release: \
                   its 1 wheel is for other platforms (windows amd64)";
        assert_eq!(names(choose("p", &req, &files, &linux).unwrap()), (Vec::new(), Some(why.to_string())));
        // Going back is asked for, and marked.
        let back = Filters { newest_with_wheels: true, ..linux.clone() };
        assert_eq!(
            names(choose("p", &req, &files, &back).unwrap()),
            (vec!["p-1.0-cp313-cp313-manylinux_2_17_x86_64.whl".to_string()], Some(why.to_string()))
        );
        let all = Filters { releases: 5, ..Default::default() };
        let (got, passed_over) = names(choose("p", &req, &files, &all).unwrap());
        assert_eq!((got.len(), passed_over), (2, None));
        let e = choose("p", &"p>=3".parse().unwrap(), &files, &all).unwrap_err();
        assert_eq!(e.to_string(), "no release matches '>=3'");
        // A newer C library, other interpreters, an sdist alone: each said as it is.
        let old_glibc = Filters { platform: Some("manylinux_2_17_x86_64".parse().unwrap()), ..linux.clone() };
        let files = vec![file("q-3.0-cp313-cp313-manylinux_2_34_x86_64.whl"), file("q-3.0.tar.gz")];
        let (_, why) = names(choose("q", &"q".parse().unwrap(), &files, &old_glibc).unwrap());
        assert_eq!(
            why.unwrap(),
            "no wheel for --platform manylinux_2_17_x86_64 in q 3.0, the newest release: \
                                  its manylinux x86_64 wheels need manylinux_2_34_x86_64 or newer (and an sdist)"
        );
        let py314 = Filters { python: Some("3.14".parse().unwrap()), ..old_glibc.clone() };
        let (_, why) = names(choose("q", &"q".parse().unwrap(), &files[..1], &py314).unwrap());
        assert!(why.unwrap().ends_with("its manylinux x86_64 wheels need manylinux_2_34_x86_64 or newer"));
        let files = vec![file("r-1.0-cp39-cp39-manylinux_2_17_x86_64.whl"), file("r-2.0.tar.gz")];
        let (_, why) = names(choose("r", &"r".parse().unwrap(), &files, &linux).unwrap());
        assert_eq!(
            why.unwrap(),
            "no wheel for --platform manylinux_2_28_x86_64 in r 2.0, the newest release: sdist only"
        );
        let files = vec![file("r-2.0-cp313-cp313-manylinux_2_17_x86_64.whl")];
        let free_threaded = Filters { python: Some("3.13t".parse().unwrap()), ..linux };
        let (_, why) = names(choose("r", &"r".parse().unwrap(), &files, &free_threaded).unwrap());
        assert!(why.unwrap().ends_with("its wheels for this platform are for other interpreters (cp313-cp313)"));
    }

    #[test]
    fn ok_html_links() {
        let page = r#"<html><body><a href="../../f/a-1.0-py3-none-any.whl#sha256=ab" data-yanked="">a-1.0-py3-none-any.whl</a>
<a href="b.whl">b.whl</a></body></html>"#;
        let links = html_links(page);
        assert_eq!(
            links[0],
            ("../../f/a-1.0-py3-none-any.whl#sha256=ab".into(), "a-1.0-py3-none-any.whl".into(), true)
        );
        assert_eq!(links[1].1, "b.whl");
    }
}

#[cfg(test)]
mod installer_tests {
    use super::*;

    fn file(name: &str) -> IndexFile {
        IndexFile { filename: name.into(), url: format!("https://x/{name}"), ..IndexFile::default() }
    }

    fn pick(files: &[&str], req: &str, python: &str, platform: &str) -> Pick {
        let files: Vec<IndexFile> = files.iter().map(|n| file(n)).collect();
        let req: Requirement = req.parse().unwrap();
        choose_installed("p", &req, &files, python.parse().unwrap(), &platform.parse().unwrap(), Installer::default())
            .unwrap()
    }

    fn picked(p: Pick) -> String {
        match p {
            Pick::Wheel(f) => f.filename,
            Pick::NoWheel(why) => panic!("no wheel: {why}"),
        }
    }

    const RELEASE: [&str; 7] = [
        "p-2.0-cp315-cp315t-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "p-2.0-cp315-abi3.abi3t-manylinux_2_28_x86_64.whl",
        "p-2.0-cp312-abi3-manylinux_2_34_x86_64.whl",
        "p-2.0-cp314-cp314-manylinux_2_28_x86_64.whl",
        "p-2.0-py3-none-any.whl",
        "p-2.0-cp315-cp315t-win_amd64.whl",
        "p-2.0.tar.gz",
    ];

    #[test]
    fn ok_the_most_specific_tag_wins() {
        let linux = "manylinux_2_28_x86_64";
        assert_eq!(picked(pick(&RELEASE, "p", "3.15t", linux)), RELEASE[0], "cp315t over abi3t over py3-none");
        assert_eq!(picked(pick(&RELEASE[1..], "p", "3.15t", linux)), RELEASE[1], "abi3t over py3-none");
        assert_eq!(picked(pick(&RELEASE[4..], "p", "3.15t", linux)), RELEASE[4], "py3-none-any last");
        assert_eq!(picked(pick(&RELEASE, "p", "3.14", linux)), RELEASE[3], "cp314 over cp312-abi3");
        // cp315-abi3 ranks before cp312-abi3 whatever the platform's order; the 2_34 wheel does not install on 2_28.
        assert_eq!(picked(pick(&RELEASE, "p", "3.15", linux)), RELEASE[1]);
        assert_eq!(picked(pick(&RELEASE, "p", "3.15", "manylinux_2_34_x86_64")), RELEASE[1]);
        assert_eq!(picked(pick(&RELEASE, "p", "3.15t", "win_amd64")), RELEASE[5]);
        // At one pair, the newer C library first.
        let two = ["p-1.0-cp314-cp314-manylinux_2_17_x86_64.whl", "p-1.0-cp314-cp314-manylinux_2_28_x86_64.whl"];
        assert_eq!(picked(pick(&two, "p", "3.14", "manylinux_2_34_x86_64")), two[1]);
    }

    #[test]
    fn ok_newest_release_with_a_wheel_or_sdist_and_no_wheel_said_per_requirement() {
        let files = ["p-1.0-cp313-cp313t-manylinux_2_17_x86_64.whl", "p-2.0-cp314-cp314-manylinux_2_17_x86_64.whl"];
        assert_eq!(picked(pick(&files, "p", "3.13t", "manylinux_2_28_x86_64")), files[0], "an older release that fits");
        let with_sdist = [files[0], files[1], "p-2.0.tar.gz"];
        assert_eq!(
            pick(&with_sdist, "p", "3.13t", "manylinux_2_28_x86_64"),
            Pick::NoWheel(
                "no wheel for 3.13t on manylinux_2_28_x86_64 in p 2.0: sdist only; its one wheel is for another \
                 interpreter or platform"
                    .into()
            )
        );
        assert_eq!(
            pick(&["p-3.0.tar.gz"], "p", "3.15t", "manylinux_2_28_x86_64"),
            Pick::NoWheel("no wheel for 3.15t on manylinux_2_28_x86_64 in p 3.0: sdist only".into())
        );
        assert_eq!(picked(pick(&with_sdist, "p<2", "3.13t", "manylinux_2_28_x86_64")), files[0]);
        let e = choose_installed(
            "p",
            &"p>=9".parse().unwrap(),
            &[file(files[0])],
            "3.14".parse().unwrap(),
            &"win_amd64".parse().unwrap(),
            Installer::default(),
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "no release matches '>=9'");
    }
}
