//! What `check` leaves out when asked (`--ignore CODE`, `--allow SYMBOL=REASON`,
//! `[tool.uniabi]`): it rewrites verdicts, so it lives with them.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Code, Finding, InputCheck, Severity, Verdict};

/// What `check` leaves out: finding codes, and symbols with their reasons.
#[derive(Debug, Clone, Default)]
pub struct Suppressions {
    pub ignore: Vec<Code>,
    pub allow: BTreeMap<String, String>,
}

/// One finding (or part of one) left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Suppressed {
    /// The input the finding belonged to.
    pub path: String,
    pub code: String,
    pub member: Option<String>,
    /// The symbols allowed (empty when the whole code is ignored).
    pub symbols: Vec<String>,
    /// `ignored` for a code, else the reasons given for the symbols.
    pub reason: String,
}

impl Suppressions {
    /// Whether nothing is left out.
    pub fn is_empty(&self) -> bool {
        self.ignore.is_empty() && self.allow.is_empty()
    }

    /// Take ignored codes and allowed symbols out of one input's findings: a
    /// finding whose every symbol is allowed goes; one with some left keeps those.
    /// The verdict follows what remains (an unreadable input stays `error`).
    pub fn apply(&self, input: &mut InputCheck) -> Vec<Suppressed> {
        let mut out = Vec::new();
        let path = input.path.clone();
        input.findings.retain_mut(|f: &mut Finding| {
            if self.ignore.contains(&f.code) {
                out.push(Suppressed {
                    path: path.clone(),
                    code: f.code.to_string(),
                    member: f.member.clone(),
                    symbols: Vec::new(),
                    reason: "ignored".to_string(),
                });
                return false;
            }
            let allowed: Vec<String> = f.symbols.iter().filter(|s| self.allow.contains_key(*s)).cloned().collect();
            if allowed.is_empty() {
                return true;
            }
            let mut reasons: Vec<&str> = allowed.iter().map(|s| self.allow[s].as_str()).collect();
            reasons.dedup();
            out.push(Suppressed {
                path: path.clone(),
                code: f.code.to_string(),
                member: f.member.clone(),
                symbols: allowed.clone(),
                reason: reasons.join("; "),
            });
            f.symbols.retain(|s| !allowed.contains(s));
            !f.symbols.is_empty()
        });
        if input.verdict == Verdict::Fail && !input.findings.iter().any(|f| f.severity == Severity::Error) {
            input.verdict = Verdict::Pass;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(code: Code, severity: Severity, symbols: &[&str]) -> Finding {
        Finding {
            code,
            severity,
            member: Some("m.so".into()),
            symbols: symbols.iter().map(|s| s.to_string()).collect(),
            message: "msg".into(),
        }
    }

    #[test]
    fn ok_suppressions_drop_codes_and_symbols_and_recompute_the_verdict() {
        let mut input = InputCheck {
            path: "w.whl".into(),
            claims: vec!["abi3".into()],
            asked: None,
            verdict: Verdict::Fail,
            error: None,
            findings: vec![
                finding(Code::SymbolNotInAbi, Severity::Error, &["PyA", "PyB"]),
                finding(Code::InternalSymbol, Severity::Error, &["_Py_X"]),
                finding(Code::NoFreeThreaded, Severity::Warning, &[]),
            ],
            sibling: None,
            verification: None,
        };
        let s = Suppressions {
            ignore: vec![Code::InternalSymbol],
            allow: [("PyA".to_string(), "guarded".to_string())].into(),
        };
        let out = s.apply(&mut input);
        assert_eq!(input.verdict, Verdict::Fail);
        assert_eq!(input.findings.len(), 2);
        assert_eq!(input.findings[0].symbols, ["PyB"]);
        assert_eq!(out.len(), 2);
        assert_eq!(
            (out[0].code.as_str(), out[0].symbols.as_slice(), out[0].reason.as_str()),
            ("symbol-not-in-abi", &["PyA".to_string()][..], "guarded")
        );
        assert_eq!(out[1].reason, "ignored");

        let s = Suppressions { ignore: vec![], allow: [("PyB".to_string(), "guarded too".to_string())].into() };
        s.apply(&mut input);
        assert_eq!(input.verdict, Verdict::Pass);
        assert_eq!(input.findings.len(), 1);
        assert_eq!(input.findings[0].code, Code::NoFreeThreaded);
    }
}
