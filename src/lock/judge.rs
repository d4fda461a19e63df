//! The library's [`Judge`]: a local wheel is checked against the lock's size
//! and sha256, then read by [`crate::analysis`] and judged by the import
//! resolution of [`crate::verify`] for the one target, and by `check --abi
//! abi3t`'s blockers ([`Checker::blockers`]) for what would help.

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::analysis::{self, Analysed, Scope};
use crate::check::{AbiChoice, Checker, StableAbi};
use crate::specs::Specs;
use crate::suffixes::{SuffixPlatform, SuffixTable};
use crate::verify;
use crate::wheel::Limits;

use super::assess::{Abi3tReadiness, Judge, Judgement};
use super::model::{Location, LockedFile, LockedPackage, LockedWheel};
use super::target::Target;

/// Judges local (`path`) wheels by reading them; a URL wheel is [`Judgement::Unreadable`]
/// here (the command layer reads those through [`crate::remote`]).
pub struct AnalysisJudge<'a> {
    pub specs: &'a Specs,
    pub table: &'a SuffixTable,
    pub limits: Limits,
    /// Admit and resolve as the PEP 809 prototype would (`verify --pep809`).
    pub pep809: bool,
}

impl AnalysisJudge<'_> {
    /// The local file of a locked wheel, checked against the lock's size and
    /// sha256, and read by the analysis; or why it cannot be judged.
    fn analysed(&self, file: &LockedFile) -> Result<Analysed, String> {
        let path = match &file.location {
            Some(Location::Path(path)) => path,
            Some(Location::Url(url)) => return Err(format!("{url} is a URL; only local files are read here")),
            None => return Err(format!("the lock records no location for {}", file.filename)),
        };
        let on_disk = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if on_disk != file.filename {
            return Err(format!("the lock names {} but the file is {}", file.filename, path.display()));
        }
        check_file(path, file)?;
        let input = crate::input::Input::local(path.display().to_string(), path.clone());
        let analysed = analysis::analyse_map(std::slice::from_ref(&input), self.limits, Scope::Importable, |a| a).pop();
        let analysed = analysed.ok_or_else(|| format!("{}: nothing was read", path.display()))?;
        match analysed.error() {
            Some(e) => Err(e.to_string()),
            None if analysed.wheel.is_none() => Err(format!("{}: not a wheel", path.display())),
            None => Ok(analysed),
        }
    }
}

impl Judge for AnalysisJudge<'_> {
    fn loads(&self, _package: &LockedPackage, wheel: &LockedWheel, target: &Target) -> Judgement {
        let analysed = match self.analysed(&wheel.file) {
            Ok(a) => a,
            Err(why) => return Judgement::Unreadable(why),
        };
        let Some(set) = analysed.wheel.as_ref().map(|w| w.installer_tags()) else {
            return Judgement::Unreadable(format!("{}: not a wheel", wheel.file.filename));
        };
        let v = verify::verify(&set, &analysed.binaries, self.specs, self.table, self.pep809);
        if !v.admitted.contains(&target.python.to_string()) {
            return Judgement::Unreadable(format!(
                "{}: its own tags ({set}) do not admit {}",
                wheel.file.filename, target.python
            ));
        }
        let part = SuffixPlatform::from_platform_tag(target.platform.as_str()).map(|p| p.part);
        let here: Vec<&verify::Resolution> = v
            .resolutions
            .iter()
            .filter(|r| r.interpreter == target.python && part.as_deref().is_none_or(|p| r.platform == p))
            .collect();
        if let Some(r) = here.iter().find(|r| !r.loads) {
            return Judgement::Fails(format!("{}: {}", r.module, r.problem.as_deref().unwrap_or("does not load")));
        }
        let mut modules: Vec<&str> = here.iter().map(|r| r.module.as_str()).collect();
        modules.dedup();
        Judgement::Loads(match modules.len() {
            0 => "no extension module".to_string(),
            1 => format!("{} loads", modules[0]),
            n => format!("{n} modules load: {}", list(&modules)),
        })
    }

    fn abi3t(&self, _package: &LockedPackage, wheel: &LockedWheel) -> Abi3tReadiness {
        let analysed = match self.analysed(&wheel.file) {
            Ok(a) => a,
            Err(why) => return Abi3tReadiness::Unknown(why),
        };
        let checker = Checker { specs: self.specs, table: self.table, abi: AbiChoice::Auto };
        let blocker = analysed.binaries.iter().find_map(|b| checker.blockers(b, StableAbi::Abi3t).into_iter().next());
        match blocker {
            Some(f) => Abi3tReadiness::Blocked(match &f.member {
                Some(m) => format!("{}: {}", crate::naming::base_name(m), f.message),
                None => f.message,
            }),
            None => Abi3tReadiness::Qualifies,
        }
    }
}

/// Up to three names, then how many more.
fn list(names: &[&str]) -> String {
    match names.len() {
        0..=3 => names.join(", "),
        n => format!("{}, and {} more", names[..3].join(", "), n - 3),
    }
}

/// Whether a local file is there and has the lock's size and sha256.
fn check_file(path: &Path, file: &LockedFile) -> Result<(), String> {
    let shown = || PathBuf::from(path).display().to_string();
    let f = std::fs::File::open(path).map_err(|e| format!("cannot open the locked file {}: {e}", shown()))?;
    let (sha, size) = sha256(f).map_err(|e| format!("cannot read the locked file {}: {e}", shown()))?;
    if let Some(want) = file.size
        && want != size
    {
        return Err(format!("{} has {size} bytes; the lock says {want}", shown()));
    }
    if let Some(want) = &file.sha256
        && *want != sha
    {
        return Err(format!("{} has sha256 {sha}; the lock says {want}", shown()));
    }
    Ok(())
}

/// The lowercase hex sha256 and size of everything `reader` yields.
fn sha256(mut reader: impl Read) -> std::io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    let digest = hasher.finalize();
    Ok((digest.iter().map(|b| format!("{b:02x}")).collect(), size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_sha256_of_bytes() {
        let (hex, size) = sha256(&b"abc"[..]).unwrap();
        assert_eq!(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(size, 3);
    }

    #[test]
    fn err_file_checks_name_the_file() {
        let file = |size, sha: Option<&str>| LockedFile {
            filename: "x.whl".into(),
            location: None,
            size,
            sha256: sha.map(str::to_string),
        };
        let e = check_file(Path::new("no/such/x.whl"), &file(None, None)).unwrap_err();
        assert!(e.starts_with("cannot open the locked file no/such/x.whl: "), "{e}");
        let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("LICENSE");
        let len = std::fs::metadata(&here).unwrap().len();
        let e = check_file(&here, &file(Some(len + 1), None)).unwrap_err();
        assert_eq!(e, format!("{} has {len} bytes; the lock says {}", here.display(), len + 1));
        let e = check_file(&here, &file(Some(len), Some("00"))).unwrap_err();
        assert!(e.ends_with("; the lock says 00"), "{e}");
    }
}
