//! The survey as one self-contained HTML page (`survey --html FILE`).
//!
//! The page is rendered from the very [`Report`] the `--json` printer
//! serializes (`uniabi/survey/1`): every figure on it is a field of the report,
//! never recomputed. The manifests add only words (a blocking symbol's
//! replacement), and [`Origin`] says what the report was made from.
//!
//! The page needs nothing at view time: CSS and the chart are inline, and one
//! small inline script (sorting and filtering the release table, opening the
//! details before printing) is an extra: without it every figure, bar and row
//! is there. A Content-Security-Policy allows that one script by its hash and
//! nothing else, so even a string that escaped escaping could not run.
//!
//! Every string that comes from a wheel (project names, versions, file names,
//! member paths, tags, notes, errors) is untrusted and goes through [`Esc`].
//!
//! # Sections, in page order
//!
//! `figures` (the summary's headline numbers) → `blockers` (bars of the
//! symbols and codes blocking PEP 803, with what the manifests say to use
//! instead) → `releases_table` (one row per release) → `readiness` (served
//! interpreters per platform, GIL and free-threaded × 3.10–3.16) →
//! `details` (per release: wheels, tags, per-binary findings, notes) →
//! `errors` (inputs not surveyed) → `origin_section`. A new report field
//! is one more cell or line in one of them.

use std::fmt::{self, Write};
use std::io;
use std::path::{Path, PathBuf};

use crate::environment::LockAnswer;
use crate::lock::State;
use crate::output::count_noun;
use crate::specs::{ManifestSource, Specs};
use crate::survey::{Blocking, Platform, Qualification, Release, Report, compact};
use crate::tags::{WheelFilename, interpreters};

/// What a page was made from, beside the report itself.
#[derive(Debug, Clone)]
pub struct Origin<'a> {
    /// The uniabi version: `0.1.0`.
    pub version: &'a str,
    /// The manifests the survey judged with.
    pub manifests: &'a [ManifestSource],
    /// The day the page says it was made (`2026-11-26`), from `SOURCE_DATE_EPOCH`; `None` without it.
    pub date: Option<String>,
}

/// Why a page could not be written.
#[derive(Debug, thiserror::Error)]
pub enum HtmlError {
    /// The path exists and is not an `.html`/`.htm` file (a wheel, say): it is never replaced.
    #[error(
        "{}: exists and is not an .html file; refusing to replace it (name a new file or an .html one)",
        path.display()
    )]
    NotHtml { path: PathBuf },
    /// The page (or its temporary file beside it) could not be written or moved into place.
    #[error("{}: cannot write the page; check that its directory exists and is writable", path.display())]
    Write { path: PathBuf, source: io::Error },
}

/// Whether a page may be written to `path`, asked before any work starts: its directory must
/// exist, and an existing file is replaced only if it is an `.html`/`.htm` file (never an input).
pub fn check_target(path: &Path) -> Result<(), HtmlError> {
    if path.symlink_metadata().is_ok() {
        let html = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
        if !html || path.is_dir() {
            return Err(HtmlError::NotHtml { path: path.to_path_buf() });
        }
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        let source = io::Error::new(io::ErrorKind::NotFound, "no such directory");
        return Err(HtmlError::Write { path: path.to_path_buf(), source });
    }
    Ok(())
}

/// Write `page` to `path` whole or not at all: into a temporary file beside it, then renamed over it.
pub fn write_page(path: &Path, page: &str) -> Result<(), HtmlError> {
    let err = |source| HtmlError::Write { path: path.to_path_buf(), source };
    let name = path.file_name().ok_or_else(|| err(io::Error::other("the path names no file")))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    // Tracked while it exists, so that an interrupted run leaves no half page behind.
    let (file, _tracked) =
        crate::cleanup::track(crate::cleanup::Kind::File, || std::fs::File::create(&tmp), |_| tmp.clone())
            .map_err(err)?;
    let written = io::Write::write_all(&mut { file }, page.as_bytes()).and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(err(e));
    }
    Ok(())
}

/// `text` escaped for HTML text and double- or single-quoted attribute values.
pub struct Esc<'a>(pub &'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..i])?;
            f.write_str(match rest.as_bytes()[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[i + 1..];
        }
        f.write_str(rest)
    }
}

/// The `YYYY-MM-DD` (UTC) day of `SOURCE_DATE_EPOCH`; `None` when it is unset or not a number of seconds.
pub fn source_date() -> Option<String> {
    crate::output::source_date_epoch().map(|t| t.date().to_string())
}

/// The script the page runs, allowed by its hash in the page's Content-Security-Policy.
const SCRIPT: &str = include_str!("page.js");
/// The page's stylesheet (screen, phone width and print).
const STYLE: &str = include_str!("page.css");

/// Render the whole page.
pub fn render(report: &Report, specs: &Specs, origin: &Origin, environments: &[LockAnswer]) -> String {
    let mut h = String::with_capacity(64 * 1024);
    // Writing to a String cannot fail.
    let _ = page(&mut h, report, specs, origin, environments);
    h
}

fn page(h: &mut String, report: &Report, specs: &Specs, origin: &Origin, environments: &[LockAnswer]) -> fmt::Result {
    let s = &report.summary;
    let title = format!(
        "uniabi survey: {}, {} loadable on free-threaded CPython",
        count_noun(s.projects, "project"),
        s.free_threaded
    );
    writeln!(h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">")?;
    writeln!(h, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")?;
    writeln!(
        h,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; \
         script-src 'sha256-{}'; img-src data:; base-uri 'none'; form-action 'none'\">",
        script_hash()
    )?;
    writeln!(h, "<meta name=\"generator\" content=\"uniabi {}\">", Esc(origin.version))?;
    writeln!(h, "<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>", Esc(&title))?;
    writeln!(h, "<header>\n<h1>Which wheels serve free-threaded CPython, and what blocks one universal wheel</h1>")?;
    write!(h, "<p class=\"lede\">A survey by uniabi {} of ", Esc(origin.version))?;
    made_from(h, &report.made_from)?;
    writeln!(
        h,
        ": {} of {}, read from the binaries inside the wheels. \
         Figures count each project's newest release.</p>",
        count_noun(s.releases, "release"),
        count_noun(s.projects, "project")
    )?;
    let env_link = if environments.is_empty() { "" } else { "<a href=\"#environments\">Environments</a> " };
    writeln!(
        h,
        "<nav aria-label=\"Sections\">{env_link}<a href=\"#figures\">Figures</a> <a href=\"#blockers\">Blockers</a> \
         <a href=\"#releases\">Releases</a> <a href=\"#readiness\">Readiness</a> <a href=\"#details\">Details</a> \
         <a href=\"#origin\">Made from</a></nav>\n</header>\n<main>"
    )?;
    if !environments.is_empty() {
        environments_grid(h, environments)?;
    }
    figures(h, report)?;
    blockers(h, report, specs)?;
    releases_table(h, report)?;
    readiness(h, report)?;
    details(h, report)?;
    no_wheel(h, report)?;
    errors(h, report)?;
    writeln!(h, "</main>")?;
    origin_section(h, report, origin)?;
    writeln!(h, "<script>\n{SCRIPT}</script>\n</body>\n</html>")
}

/// The base64 sha256 of [`SCRIPT`], as a CSP source names it.
fn script_hash() -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(format!("\n{SCRIPT}").as_bytes()))
}

/// The inputs (`a, b and c`) and the filters (`with --platform X`), or `its inputs` when none are recorded.
fn made_from(h: &mut String, m: &crate::survey::MadeFrom) -> fmt::Result {
    if m.inputs.is_empty() {
        h.push_str("its inputs");
    } else {
        list_inline(h, &m.inputs)?;
    }
    let filters = m.filters();
    if !filters.is_empty() {
        h.push_str(" with ");
        list_inline(h, &filters)?;
    }
    Ok(())
}

/// `a`, `a and b`, `a, b and c`, each in `<code>`.
fn list_inline(h: &mut String, items: &[String]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            h.push_str(if i + 1 == items.len() { " and " } else { ", " });
        }
        write!(h, "<code>{}</code>", Esc(item))?;
    }
    Ok(())
}

/// A percentage of `part` in `whole`, rounded; 0 when `whole` is 0.
fn percent(part: usize, whole: usize) -> usize {
    (part * 100 + whole / 2).checked_div(whole).unwrap_or(0)
}

/// One headline figure: `data-figure` names the summary field its number is.
fn figure(h: &mut String, field: &str, label: &str, value: usize, of: Option<usize>, note: &str) -> fmt::Result {
    writeln!(h, "<div class=\"figure\">\n<dt>{label}</dt>")?;
    write!(h, "<dd><span class=\"num\" data-figure=\"{field}\">{value}</span>")?;
    if let Some(total) = of {
        let p = percent(value, total);
        write!(
            h,
            " <span class=\"of\">of {total} ({p}%)</span>\
             <span class=\"meter\" aria-hidden=\"true\"><span style=\"width:{p}%\"></span></span>"
        )?;
    }
    if !note.is_empty() {
        write!(h, "<span class=\"note\">{note}</span>")?;
    }
    writeln!(h, "</dd>\n</div>")
}

/// The headline figures: every number is a field of the report's summary.
fn figures(h: &mut String, report: &Report) -> fmt::Result {
    let s = &report.summary;
    let n = Some(s.projects);
    // PEP 803 and 809 can only apply to projects with extension modules.
    let native = Some(s.with_extensions);
    writeln!(h, "<section id=\"figures\" aria-labelledby=\"figures-h\">\n<h2 id=\"figures-h\">Figures</h2>")?;
    writeln!(h, "<dl class=\"figures\">")?;
    figure(h, "projects", "Projects", s.projects, None, &format!("{} surveyed", count_noun(s.releases, "release")))?;
    figure(
        h,
        "free_threaded",
        "Loadable on free-threaded CPython",
        s.free_threaded,
        n,
        "cp3XYt, abi3t or pure wheels that load there",
    )?;
    figure(
        h,
        "ships_free_threaded",
        "Shipping a free-threaded wheel",
        s.ships_free_threaded,
        n,
        "a wheel tagged cp3XYt or abi3t, by file name",
    )?;
    figure(h, "ships_abi3t", "Shipping <code>abi3.abi3t</code>", s.ships_abi3t, n, "a wheel tagged abi3t (PEP 803)")?;
    figure(
        h,
        "pep803_qualifies",
        "Qualify for PEP 803",
        s.pep803_qualifies,
        native,
        "one <code>cp315-abi3.abi3t</code> wheel per platform",
    )?;
    figure(
        h,
        "pep809_qualifies",
        "Qualify for PEP 809*",
        s.pep809_qualifies,
        native,
        "one <code>cp315-abi2026</code> wheel per platform (prototype)",
    )?;
    if s.no_wheel > 0 {
        let note = "newest release without a wheel for the filters (<a href=\"#no-wheel\">which</a>)";
        figure(h, "no_wheel", "No wheel for the filters", s.no_wheel, None, note)?;
    }
    writeln!(h, "<div class=\"figure\">\n<dt>Wheels now → after merge</dt>")?;
    write!(
        h,
        "<dd><span class=\"num\" data-figure=\"wheels\">{}</span> → \
         <span class=\"num\" data-figure=\"wheels_after_merge\">{}</span>",
        s.wheels, s.wheels_after_merge
    )?;
    writeln!(h, "<span class=\"note\">with <code>uniabi merge --scheme auto</code></span></dd>\n</div>")?;
    writeln!(h, "</dl>")?;
    writeln!(
        h,
        "<p class=\"small\">* PEP 809 is a draft; its figure is this prototype's reading of it \
         (values PEP 809 leaves open are the prototype's choice, not specified by PEP 809).</p>\n</section>"
    )
}

/// What the manifests say about a blocking symbol: its replacement, or why it blocks.
fn advice(specs: &Specs, symbol: &str) -> String {
    if let Some(rule) = specs.abi3t_rule(symbol) {
        return format!("instead: {}", rule.replacement);
    }
    if let Some(internal) = specs.internal_free_threading(symbol) {
        return internal.reason.clone();
    }
    match specs.stable(symbol) {
        Some(item) if item.abi3t_opaque => "an opaque structure in abi3t".to_string(),
        Some(item) if item.added > specs.abi3t().min_version => {
            format!("in the stable ABI only from {}", item.added)
        }
        Some(_) => String::new(),
        None => "not in the stable ABI".to_string(),
    }
}

/// One horizontal bar: a label, a bar as long as `count` of `whole`, the count in words, advice.
fn bar(h: &mut String, kind: &str, label: &str, count: usize, whole: usize, advice: &str) -> fmt::Result {
    let p = percent(count, whole);
    writeln!(h, "<li class=\"bar-row\" data-{kind}=\"{}\" data-projects=\"{count}\">", Esc(label))?;
    writeln!(h, "<code class=\"bar-label\">{}</code>", Esc(label))?;
    writeln!(
        h,
        "<span class=\"bar-track\" aria-hidden=\"true\"><span class=\"bar\" style=\"width:{}%\"></span></span>",
        p.max(1)
    )?;
    write!(h, "<span class=\"bar-count\">{}</span>", count_noun(count, "project"))?;
    if !advice.is_empty() {
        write!(h, "<span class=\"bar-advice\">{}</span>", Esc(advice))?;
    }
    writeln!(h, "\n</li>")
}

/// The bar charts of the symbols and finding codes blocking PEP 803 in the most projects.
fn blockers(h: &mut String, report: &Report, specs: &Specs) -> fmt::Result {
    let s = &report.summary;
    writeln!(h, "<section id=\"blockers\" aria-labelledby=\"blockers-h\">")?;
    writeln!(h, "<h2 id=\"blockers-h\">What blocks PEP 803</h2>")?;
    writeln!(
        h,
        "<p>Symbols the binaries import that keep a project's newest release from one \
         <code>cp315-abi3.abi3t</code> wheel; each bar is the number of projects (of {}) it blocks, \
         followed by what the manifests give instead.</p>",
        s.projects
    )?;
    if s.top_blockers.is_empty() {
        writeln!(h, "<p class=\"none\">No symbol blocks any project.</p>")?;
    } else {
        writeln!(
            h,
            "<h3>Blocking symbols</h3>\n<ol class=\"bars\" aria-label=\"Blocking symbols, by projects blocked\">"
        )?;
        for b in &s.top_blockers {
            bar(h, "symbol", &b.symbol, b.projects, s.projects, &advice(specs, &b.symbol))?;
        }
        writeln!(h, "</ol>")?;
    }
    if !s.top_blocking_codes.is_empty() {
        writeln!(
            h,
            "<h3>Blocking findings</h3>\n<ol class=\"bars\" aria-label=\"Blocking finding codes, by projects blocked\">"
        )?;
        for c in &s.top_blocking_codes {
            bar(h, "code", &c.code, c.projects, s.projects, "")?;
        }
        writeln!(h, "</ol>")?;
    }
    writeln!(h, "</section>")
}

/// The anchor of a release's details: its position, then its name and version reduced to safe characters.
fn anchor(index: usize, r: &Release) -> String {
    let safe: String = format!("{}-{}", r.name, r.version)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' })
        .collect();
    format!("r{}-{safe}", index + 1)
}

/// `yes`/`no`/`n/a` with a class for colour; the word carries the meaning.
fn verdict(q: Option<bool>) -> (&'static str, &'static str) {
    match q {
        Some(true) => ("yes", "yes"),
        Some(false) => ("no", "no"),
        None => ("n/a", "na"),
    }
}

fn verdict_cell(h: &mut String, label: &str, q: &Qualification) -> fmt::Result {
    let (word, class) = verdict(q.qualifies);
    write!(h, "<td class=\"{class}\" data-label=\"{label}\">{word}</td>")
}

/// The table of releases: one row per release, linking to its details.
fn releases_table(h: &mut String, report: &Report) -> fmt::Result {
    writeln!(h, "<section id=\"releases\" aria-labelledby=\"releases-h\">\n<h2 id=\"releases-h\">Releases</h2>")?;
    writeln!(
        h,
        "<p>Every release surveyed ({}); the project links to its wheels, tags and per-binary findings. \
         <span class=\"js-only\">Click a column heading to sort; type to filter.</span></p>",
        report.projects.len()
    )?;
    writeln!(h, "<div class=\"scroll\">\n<table id=\"release-table\" class=\"releases\">")?;
    writeln!(
        h,
        "<thead><tr><th scope=\"col\">Project</th><th scope=\"col\">Version</th>\
         <th scope=\"col\" data-type=\"number\">Wheels</th><th scope=\"col\" data-type=\"number\">After merge</th>\
         <th scope=\"col\">Free-threaded</th><th scope=\"col\">PEP 803</th><th scope=\"col\">PEP 809*</th>\
         <th scope=\"col\">Blocking PEP 803</th></tr></thead>\n<tbody>"
    )?;
    for (i, r) in report.projects.iter().enumerate() {
        write!(
            h,
            "<tr data-release=\"{}\"><th scope=\"row\"><a href=\"#{}\">{}</a></th>",
            Esc(&format!("{} {}", r.name, r.version)),
            anchor(i, r),
            Esc(&r.name)
        )?;
        write!(
            h,
            "<td data-label=\"Version\" data-sort=\"{}\">{}</td>",
            version_sort_key(&r.version),
            Esc(&r.version)
        )?;
        write!(h, "<td class=\"n\" data-label=\"Wheels\" data-value=\"wheels\">{}</td>", r.wheels)?;
        write!(
            h,
            "<td class=\"n\" data-label=\"After merge\" data-value=\"wheels_after_merge\">{}</td>",
            r.wheels_after_merge
        )?;
        if r.free_threaded {
            write!(
                h,
                "<td class=\"yes\" data-label=\"Free-threaded\">yes <span class=\"via\">({})</span></td>",
                Esc(&r.free_threaded_via.join(", "))
            )?;
        } else {
            write!(h, "<td class=\"no\" data-label=\"Free-threaded\">no</td>")?;
        }
        verdict_cell(h, "PEP 803", &r.pep803)?;
        verdict_cell(h, "PEP 809*", &r.pep809)?;
        h.push_str("<td data-label=\"Blocking PEP 803\">");
        symbol_counts(h, &r.pep803)?;
        writeln!(h, "</td></tr>")?;
    }
    writeln!(h, "</tbody>\n</table>\n</div>")?;
    writeln!(
        h,
        "<p class=\"small\">After merge: the wheels <code>uniabi merge --scheme auto</code> would leave. \
         Blocking counts are binaries of the release.</p>\n</section>"
    )
}

/// A version as a text key for the page's column sort, numeric part by part
/// (`0000000007.0000000001.0000000010`): each `.`-separated part as its leading
/// number, then the rest as text. The report's own order and the newest
/// release are PEP 440's ([`crate::survey::version_key`]).
fn version_sort_key(version: &str) -> String {
    version
        .split('.')
        .map(|part| {
            let digits = part.bytes().take_while(u8::is_ascii_digit).count();
            let number: u64 = part[..digits].parse().unwrap_or(0);
            format!("{number:010}{}", Esc(&part[digits..]))
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn symbol_counts(h: &mut String, q: &Qualification) -> fmt::Result {
    for (i, s) in q.top_blockers.iter().enumerate() {
        if i > 0 {
            h.push_str(", ");
        }
        write!(h, "<code>{}</code>&nbsp;({})", Esc(&s.symbol), s.count)?;
    }
    Ok(())
}

/// The readiness grids: per release and platform, which interpreters get a wheel that loads.
fn readiness(h: &mut String, report: &Report) -> fmt::Result {
    let all = interpreters();
    let mut versions: Vec<String> = Vec::new();
    for i in &all {
        let v = i.version.to_string();
        if !versions.contains(&v) {
            versions.push(v);
        }
    }
    writeln!(h, "<section id=\"readiness\" aria-labelledby=\"readiness-h\">\n<h2 id=\"readiness-h\">Readiness</h2>")?;
    writeln!(
        h,
        "<p>Per platform, the interpreters an installer gives a wheel to: \
         <span class=\"cell ok\">✓ loads</span> \
         <span class=\"cell broken\">✗ given a wheel that does not load</span> \
         <span class=\"cell off\">· no wheel</span> \
         <span class=\"cell na\">— no such build</span> \
         (free-threaded builds, <span class=\"short-key\">FT, </span>exist from 3.13).</p>"
    )?;
    writeln!(h, "<div class=\"scroll\">\n<table class=\"grid\">")?;
    write!(h, "<thead><tr><th scope=\"col\">Platform</th><th scope=\"col\">Build</th>")?;
    for v in &versions {
        write!(h, "<th scope=\"col\">{}</th>", Esc(v))?;
    }
    writeln!(h, "</tr></thead>")?;
    for (i, r) in report.projects.iter().enumerate() {
        writeln!(h, "<tbody data-release=\"{}\">", Esc(&format!("{} {}", r.name, r.version)))?;
        writeln!(
            h,
            "<tr class=\"release-row\"><th scope=\"rowgroup\" colspan=\"{}\"><a href=\"#{}\">{}</a> {}</th></tr>",
            versions.len() + 2,
            anchor(i, r),
            Esc(&r.name),
            Esc(&r.version)
        )?;
        for p in &r.platforms {
            for ft in [false, true] {
                h.push_str("<tr>");
                if !ft {
                    write!(h, "<th scope=\"rowgroup\" rowspan=\"2\">{}</th>", Esc(&p.platform))?;
                }
                h.push_str(if ft {
                    "<th scope=\"row\"><span class=\"long\">free-threaded</span>\
                     <span class=\"short\" aria-hidden=\"true\">FT</span></th>"
                } else {
                    "<th scope=\"row\">GIL</th>"
                });
                for v in &versions {
                    let name = format!("{v}{}", if ft { "t" } else { "" });
                    grid_cell(h, p, &name, all.iter().any(|i| i.to_string() == name))?;
                }
                writeln!(h, "</tr>")?;
            }
        }
        writeln!(h, "</tbody>")?;
    }
    writeln!(h, "</table>\n</div>")?;
    writeln!(h, "</section>")
}

/// Each lock's environment: one row per locked package, one column per
/// target, each cell the package's state there (a mark and a word, the reason
/// in its title), then each target's verdict line.
fn environments_grid(h: &mut String, environments: &[LockAnswer]) -> fmt::Result {
    writeln!(
        h,
        "<section id=\"environments\" aria-labelledby=\"environments-h\">\n<h2 id=\"environments-h\">Environments</h2>"
    )?;
    writeln!(
        h,
        "<p>Per locked package and target, what an installer there gets: \
         <span class=\"cell ok\">✓ loads</span> \
         <span class=\"cell broken\">✗ blocks (no wheel, sdist only, does not load, unreadable)</span> \
         <span class=\"cell off\">· not installed, or built from source</span>.</p>"
    )?;
    for answer in environments {
        writeln!(h, "<h3><code>{}</code></h3>", Esc(&answer.lock))?;
        writeln!(h, "<div class=\"scroll\">\n<table class=\"grid\" data-lock=\"{}\">", Esc(&answer.lock))?;
        write!(h, "<thead><tr><th scope=\"col\">Package</th>")?;
        for t in &answer.targets {
            write!(h, "<th scope=\"col\">{}</th>", Esc(&t.target))?;
        }
        writeln!(h, "</tr></thead>\n<tbody>")?;
        let Some(rows) = answer.targets.iter().map(|t| &t.rows).find(|r| !r.is_empty()) else {
            writeln!(h, "</tbody></table>\n</div>")?;
            continue;
        };
        for (i, row) in rows.iter().enumerate() {
            write!(
                h,
                "<tr><th scope=\"row\">{} {}</th>",
                Esc(&row.package),
                Esc(row.version.as_deref().unwrap_or(""))
            )?;
            for t in &answer.targets {
                let Some(r) = t.rows.get(i) else {
                    write!(h, "<td class=\"cell na\" title=\"not covered by the lock\">—</td>")?;
                    continue;
                };
                let (class, mark) = match r.state {
                    State::Loads => ("ok", "✓"),
                    State::NotInstalled | State::Source => ("off", "·"),
                    _ => ("broken", "✗"),
                };
                write!(
                    h,
                    "<td class=\"cell {class}\" data-state=\"{}\" title=\"{}\">\
                     <span aria-hidden=\"true\">{mark}</span><span class=\"sr\">{}</span></td>",
                    r.state.label(),
                    Esc(&r.why),
                    r.state.label()
                )?;
            }
            writeln!(h, "</tr>")?;
        }
        writeln!(h, "</tbody>\n</table>\n</div>\n<ul class=\"verdicts\">")?;
        for t in &answer.targets {
            writeln!(h, "<li>{}</li>", Esc(&t.verdict))?;
        }
        writeln!(h, "</ul>")?;
    }
    writeln!(h, "</section>")
}

/// One interpreter's cell: a mark and a word (for screen readers and print), never colour alone.
fn grid_cell(h: &mut String, p: &Platform, interpreter: &str, exists: bool) -> fmt::Result {
    let (class, mark, word) = if !exists {
        ("na", "—", "no such build")
    } else if p.broken.iter().any(|b| b == interpreter) {
        ("broken", "✗", "does not load")
    } else if p.serves.iter().any(|s| s == interpreter) {
        ("ok", "✓", "loads")
    } else {
        ("off", "·", "no wheel")
    };
    write!(
        h,
        "<td class=\"cell {class}\" data-interpreter=\"{}\" title=\"{} {}: {word}\">\
         <span aria-hidden=\"true\">{mark}</span><span class=\"sr\">{word}</span></td>",
        Esc(interpreter),
        Esc(interpreter),
        Esc(&p.platform)
    )
}

/// Per release: its platforms' wheels with their tags, the per-binary findings, and notes.
fn details(h: &mut String, report: &Report) -> fmt::Result {
    writeln!(h, "<section id=\"details\" aria-labelledby=\"details-h\">\n<h2 id=\"details-h\">Details</h2>")?;
    writeln!(
        h,
        "<p class=\"small\">Per platform, the binaries blocked by the same finding codes are one row, with every \
         symbol that blocks one of them; each binary's own, with its member and wheel, are in <code>--json</code>.</p>"
    )?;
    for (i, r) in report.projects.iter().enumerate() {
        writeln!(h, "<article class=\"release\" id=\"{}\">", anchor(i, r))?;
        writeln!(h, "<h3>{} {}</h3>", Esc(&r.name), Esc(&r.version))?;
        let (w803, _) = verdict(r.pep803.qualifies);
        let (w809, _) = verdict(r.pep809.qualifies);
        writeln!(
            h,
            "<p>{} now, {} after merge. Free-threaded: {}. PEP 803: {w803}. PEP 809*: {w809}.{}</p>",
            count_noun(r.wheels, "wheel"),
            r.wheels_after_merge,
            if r.free_threaded { format!("yes ({})", Esc(&r.free_threaded_via.join(", "))) } else { "no".to_string() },
            if r.pure { " Pure Python: no extension modules." } else { "" }
        )?;
        if let Some(why) = &r.passed_over {
            writeln!(h, "<p class=\"passed-over\"><strong>Not the newest release</strong>: {}.</p>", Esc(why))?;
        }
        codes_line(h, "Blocking PEP 803", &r.pep803)?;
        codes_line(h, "Blocking PEP 809*", &r.pep809)?;
        for p in &r.platforms {
            platform_details(h, p, &r.merge_refused)?;
        }
        if !r.notes.is_empty() {
            writeln!(h, "<ul class=\"notes\">")?;
            for n in &r.notes {
                writeln!(h, "<li>Note: {}</li>", Esc(n))?;
            }
            writeln!(h, "</ul>")?;
        }
        writeln!(h, "<p class=\"top\"><a href=\"#releases\">Back to the releases</a></p>\n</article>")?;
    }
    writeln!(h, "</section>")
}

fn codes_line(h: &mut String, label: &str, q: &Qualification) -> fmt::Result {
    if q.blocking_codes.is_empty() {
        return Ok(());
    }
    write!(h, "<p>{label}: ")?;
    for (i, c) in q.blocking_codes.iter().enumerate() {
        if i > 0 {
            h.push_str(", ");
        }
        write!(h, "<code>{}</code>&nbsp;({} binar{})", Esc(&c.code), c.count, if c.count == 1 { "y" } else { "ies" })?;
    }
    writeln!(h, "</p>")
}

fn platform_details(h: &mut String, p: &Platform, refused: &[crate::survey::MergeRefusal]) -> fmt::Result {
    writeln!(h, "<h4>{}</h4>", Esc(&p.platform))?;
    write!(
        h,
        "<p>{} → {} after merge. Serves {}.",
        count_noun(p.wheels, "wheel"),
        p.wheels_after_merge,
        Esc(&compact(&p.serves))
    )?;
    if !p.broken.is_empty() {
        write!(h, " <strong>Does not load on {}.</strong>", Esc(&compact(&p.broken)))?;
    }
    writeln!(h, " Loads free-threaded on {}.</p>", Esc(&compact(&p.free_threaded)))?;
    // Why merge keeps wheels apart, as the text, CSV and JSON say.
    for m in refused.iter().filter(|m| m.platform == p.platform) {
        writeln!(
            h,
            "<p class=\"refused\">Merge refuses {}: {}</p>",
            count_noun(m.inputs.len(), "wheel"),
            Esc(&m.text)
        )?;
    }
    writeln!(h, "<ul class=\"wheels\">")?;
    for w in &p.inputs {
        write!(h, "<li><code class=\"file\">{}</code>", Esc(w))?;
        if let Ok(f) = w.parse::<WheelFilename>() {
            let tags: Vec<String> = f.tags.expand().iter().map(ToString::to_string).collect();
            write!(h, "<br><span class=\"tags\">Tags: ")?;
            for (i, t) in tags.iter().enumerate() {
                if i > 0 {
                    h.push(' ');
                }
                write!(h, "<code>{}</code>", Esc(t))?;
            }
            h.push_str("</span>");
        }
        writeln!(h, "</li>")?;
    }
    writeln!(h, "</ul>")?;
    if p.binaries.is_empty() {
        return Ok(());
    }
    let blocked = p.binaries.iter().filter(|b| !b.pep803.codes.is_empty()).count();
    writeln!(
        h,
        "<details class=\"binaries\">\n<summary>{} extension binar{}, {blocked} blocked for PEP 803</summary>",
        p.binaries.len(),
        if p.binaries.len() == 1 { "y" } else { "ies" }
    )?;
    writeln!(
        h,
        "<div class=\"scroll\">\n<table class=\"findings\">\n<thead><tr><th scope=\"col\">Modules</th>\
         <th scope=\"col\">PEP 803</th><th scope=\"col\">PEP 809*</th></tr></thead>\n<tbody>"
    )?;
    for group in same_codes(&p.binaries) {
        h.push_str("<tr><td>");
        for (i, module) in group.modules.iter().take(MODULES_SHOWN).enumerate() {
            if i > 0 {
                h.push_str(", ");
            }
            write!(h, "<code>{}</code>", Esc(module))?;
        }
        if group.modules.len() > MODULES_SHOWN {
            write!(h, " and {} more", group.modules.len() - MODULES_SHOWN)?;
        }
        write!(
            h,
            "<br><span class=\"small\">{} binar{} in {}</span></td>",
            group.binaries,
            if group.binaries == 1 { "y" } else { "ies" },
            count_noun(group.wheels, "wheel")
        )?;
        blocking_cell(h, &group.pep803, None)?;
        blocking_cell(h, &group.pep809, Some(&group.pep803))?;
        writeln!(h, "</tr>")?;
    }
    writeln!(h, "</tbody>\n</table>\n</div>\n</details>")
}

/// How many modules a findings row names; the rest are counted (every binary is in `--json`).
const MODULES_SHOWN: usize = 40;

/// A platform's binaries blocked by the same finding codes under both proposals (or qualifying for both).
struct CodesGroup<'a> {
    /// The modules, each once, in the order first met.
    modules: Vec<&'a str>,
    binaries: usize,
    wheels: usize,
    /// The codes, and every symbol blocking one of the binaries, sorted.
    pep803: Blocking,
    pep809: Blocking,
}

/// The platform's binaries in groups of the same blocking codes under both
/// proposals, each group where its first binary is: a module built for several
/// interpreters, and modules failing alike, are one row.
fn same_codes(binaries: &[crate::survey::BinaryFindings]) -> Vec<CodesGroup<'_>> {
    use std::collections::BTreeSet;
    type Symbols<'a> = (BTreeSet<&'a str>, BTreeSet<&'a str>);
    let mut groups: Vec<(CodesGroup, Vec<&str>, Symbols)> = Vec::new();
    for b in binaries {
        let at = match groups
            .iter()
            .position(|(g, _, _)| g.pep803.codes == b.pep803.codes && g.pep809.codes == b.pep809.codes)
        {
            Some(at) => at,
            None => {
                let codes = |q: &Blocking| Blocking { codes: q.codes.clone(), symbols: Vec::new() };
                let group = CodesGroup {
                    modules: Vec::new(),
                    binaries: 0,
                    wheels: 0,
                    pep803: codes(&b.pep803),
                    pep809: codes(&b.pep809),
                };
                groups.push((group, Vec::new(), Default::default()));
                groups.len() - 1
            }
        };
        let (group, wheels, (s803, s809)) = &mut groups[at];
        if !group.modules.contains(&b.module.as_str()) {
            group.modules.push(&b.module);
        }
        if !wheels.contains(&b.wheel.as_str()) {
            wheels.push(&b.wheel);
        }
        group.binaries += 1;
        s803.extend(b.pep803.symbols.iter().map(String::as_str));
        s809.extend(b.pep809.symbols.iter().map(String::as_str));
    }
    groups
        .into_iter()
        .map(|(mut group, wheels, (s803, s809))| {
            group.wheels = wheels.len();
            group.pep803.symbols = s803.into_iter().map(str::to_string).collect();
            group.pep809.symbols = s809.into_iter().map(str::to_string).collect();
            group
        })
        .collect()
}

/// How many blocking symbols a binary's cell lists; the rest are counted (every one is in `--json`).
const SYMBOLS_SHOWN: usize = 8;

/// One binary's blocking codes and symbols under one proposal; symbols the
/// `previous` cell (PEP 803's, beside PEP 809's) already lists are not repeated.
fn blocking_cell(h: &mut String, b: &Blocking, previous: Option<&Blocking>) -> fmt::Result {
    if b.codes.is_empty() {
        return write!(h, "<td class=\"yes\">qualifies</td>");
    }
    h.push_str("<td class=\"no\">blocked: ");
    for (i, c) in b.codes.iter().enumerate() {
        if i > 0 {
            h.push_str(", ");
        }
        write!(h, "<code>{}</code>", Esc(c))?;
    }
    if previous.is_some_and(|p| !b.symbols.is_empty() && p.symbols == b.symbols) {
        h.push_str("<br><span class=\"symbols\">the same symbols</span>");
    } else if !b.symbols.is_empty() {
        h.push_str("<br><span class=\"symbols\">");
        for (i, s) in b.symbols.iter().take(SYMBOLS_SHOWN).enumerate() {
            if i > 0 {
                h.push_str(", ");
            }
            write!(h, "<code>{}</code>", Esc(s))?;
        }
        if b.symbols.len() > SYMBOLS_SHOWN {
            write!(h, " and {} more (all in <code>--json</code>)", b.symbols.len() - SYMBOLS_SHOWN)?;
        }
        h.push_str("</span>");
    }
    h.push_str("</td>");
    Ok(())
}

/// The projects whose newest release has no wheel for the filters, if any.
fn no_wheel(h: &mut String, report: &Report) -> fmt::Result {
    if report.no_wheel.is_empty() {
        return Ok(());
    }
    writeln!(
        h,
        "<section id=\"no-wheel\" aria-labelledby=\"no-wheel-h\">\n<h2 id=\"no-wheel-h\">No wheel for the filters ({})</h2>\n<ul>",
        report.no_wheel.len()
    )?;
    for n in &report.no_wheel {
        writeln!(h, "<li><strong>{}</strong>: {}</li>", Esc(&n.project), Esc(&n.why))?;
    }
    writeln!(h, "</ul>\n</section>")
}

/// The inputs that could not be read, if any.
fn errors(h: &mut String, report: &Report) -> fmt::Result {
    if report.errors.is_empty() {
        return Ok(());
    }
    writeln!(
        h,
        "<section id=\"errors\" aria-labelledby=\"errors-h\">\n<h2 id=\"errors-h\">Inputs not surveyed ({})</h2>\n<ul>",
        report.errors.len()
    )?;
    for e in &report.errors {
        writeln!(h, "<li>{}</li>", Esc(e))?;
    }
    writeln!(h, "</ul>\n</section>")
}

/// What the page was made from: inputs, uniabi version, manifests, date.
fn origin_section(h: &mut String, report: &Report, origin: &Origin) -> fmt::Result {
    writeln!(h, "<footer id=\"origin\">\n<h2>Made from</h2>\n<dl class=\"origin\">")?;
    write!(h, "<dt>Inputs</dt><dd>")?;
    made_from(h, &report.made_from)?;
    writeln!(h, "</dd>")?;
    writeln!(h, "<dt>Tool</dt><dd>uniabi {} (report schema <code>{}</code>)</dd>", Esc(origin.version), report.schema)?;
    writeln!(h, "<dt>Manifests</dt><dd><ul>")?;
    for m in origin.manifests {
        write!(h, "<li><code>{}</code> ({})", Esc(m.file), Esc(&m.origin))?;
        if let Some(first) = m.header.first() {
            write!(h, ": {}", Esc(first.trim_start_matches('#').trim()))?;
        }
        writeln!(h, "</li>")?;
    }
    writeln!(h, "</ul></dd>")?;
    match &origin.date {
        Some(d) => writeln!(h, "<dt>Date</dt><dd><time datetime=\"{0}\">{0}</time></dd>", Esc(d))?,
        None => writeln!(h, "<dt>Date</dt><dd>not recorded (set <code>SOURCE_DATE_EPOCH</code> to record it)</dd>")?,
    }
    writeln!(h, "</dl>\n</footer>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_esc_escapes_markup_and_quotes() {
        assert_eq!(Esc("<script>a&b</script>").to_string(), "&lt;script&gt;a&amp;b&lt;/script&gt;");
        assert_eq!(Esc("\" onload='x'").to_string(), "&quot; onload=&#39;x&#39;");
        assert_eq!(Esc("plain ✓").to_string(), "plain ✓");
    }

    #[test]
    fn ok_anchor_keeps_safe_characters_only() {
        let r = Release {
            name: "<a href=x>".to_string(),
            version: "1.0\"".to_string(),
            wheels: 0,
            wheels_after_merge: 0,
            free_threaded: false,
            free_threaded_via: Vec::new(),
            pure: true,
            platforms: Vec::new(),
            pep803: Qualification::default(),
            pep809: Qualification::default(),
            notes: Vec::new(),
            merge_refused: Vec::new(),
            passed_over: None,
        };
        assert_eq!(anchor(0, &r), "r1-_a_href_x_-1.0_");
    }

    #[test]
    fn ok_version_sort_key_orders_numerically() {
        assert!(version_sort_key("7.1.10") > version_sort_key("7.1.2"));
        assert!(version_sort_key("10.0") > version_sort_key("9.9"));
    }

    #[test]
    fn ok_civil_date_of_epoch_days() {
        let civil_date = |days: i64| {
            let t = crate::output::utc_datetime(days * 86_400).unwrap();
            (i64::from(t.year()), i64::from(t.month()), i64::from(t.day()))
        };
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(1_764_115_200 / 86_400), (2025, 11, 26));
        assert_eq!(civil_date(11_016), (2000, 2, 29));
    }

    #[test]
    fn err_write_page_names_the_path() {
        let e = write_page(Path::new("/"), "x").unwrap_err();
        assert_eq!(e.to_string(), "/: cannot write the page; check that its directory exists and is writable");
        let missing = std::env::temp_dir().join("uniabi-no-such-dir").join("page.html");
        let e = write_page(&missing, "x").unwrap_err();
        assert!(e.to_string().starts_with(&missing.display().to_string()));
        assert!(std::error::Error::source(&e).is_some());
    }

    #[test]
    fn err_check_target_refuses_non_html_files() {
        let dir = std::env::temp_dir().join(format!("uniabi-html-target-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let wheel = dir.join("a-1.0-py3-none-any.whl");
        std::fs::write(&wheel, "wheel").unwrap();
        let e = check_target(&wheel).unwrap_err();
        assert!(e.to_string().ends_with(
            "a-1.0-py3-none-any.whl: exists and is not an .html file; refusing to replace it (name a new file or an .html one)"
        ));
        assert!(matches!(check_target(&dir), Err(HtmlError::NotHtml { .. })));
        let page = dir.join("old.HTML");
        std::fs::write(&page, "old").unwrap();
        assert!(check_target(&page).is_ok());
        assert!(check_target(&dir.join("new-report")).is_ok());
        assert!(matches!(check_target(&dir.join("missing").join("r.html")), Err(HtmlError::Write { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn ok_binaries_with_the_same_codes_are_one_row_with_every_symbol() {
        let b = |wheel: &str, module: &str, codes: &[&str], symbols: &[&str]| crate::survey::BinaryFindings {
            wheel: wheel.into(),
            member: format!("{module}.so"),
            module: module.into(),
            pep803: Blocking {
                codes: codes.iter().map(ToString::to_string).collect(),
                symbols: symbols.iter().map(ToString::to_string).collect(),
            },
            pep809: Blocking::default(),
        };
        let binaries = [
            b("w311", "a", &["x"], &["PyB", "PyA"]),
            b("w311", "b", &[], &[]),
            b("w312", "a", &["x"], &["PyC"]),
            b("w312", "c", &["x"], &["PyA"]),
        ];
        let groups = same_codes(&binaries);
        assert_eq!(groups.len(), 2);
        assert_eq!((groups[0].modules.clone(), groups[0].binaries, groups[0].wheels), (vec!["a", "c"], 3, 2));
        assert_eq!(
            groups[0].pep803,
            Blocking { codes: vec!["x".into()], symbols: vec!["PyA".into(), "PyB".into(), "PyC".into()] }
        );
        assert_eq!(
            (groups[1].modules.clone(), groups[1].binaries, groups[1].pep803.clone()),
            (vec!["b"], 1, Blocking::default())
        );
    }

    #[test]
    fn ok_percent_rounds() {
        assert_eq!(percent(2, 5), 40);
        assert_eq!(percent(1, 3), 33);
        assert_eq!(percent(2, 3), 67);
        assert_eq!(percent(1, 0), 0);
    }
}
