//! The GitHub Actions workflow of a sharded survey (`tests/workflows/survey-shards.yml`):
//! its `run:` steps, run here with bash as the jobs run them, with N = 3 on the samples.

use std::path::Path;

use crate::common::{root, run, scratch, stdout};

const WORKFLOW: &str = "tests/workflows/survey-shards.yml";

/// The `run: |` blocks of one job, in order, their indentation removed (one-line
/// `run:` steps install uniabi, which the test has built already).
fn steps(workflow: &str, job: &str) -> Vec<String> {
    let all: Vec<&str> = workflow.lines().collect();
    let start = all.iter().position(|l| *l == format!("  {job}:")).unwrap_or_else(|| panic!("no job {job}"));
    // The job runs to the next line indented by exactly two spaces (the next job).
    let end = all[start + 1..]
        .iter()
        .position(|l| l.starts_with("  ") && !l.starts_with("   "))
        .map_or(all.len(), |i| start + 1 + i);
    let lines = &all[start + 1..end];
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if !line.trim_end().ends_with("run: |") {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let block: Vec<&str> = lines[i + 1..]
            .iter()
            .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() > indent)
            .copied()
            .collect();
        let strip = block.iter().filter(|l| !l.trim().is_empty()).map(|l| l.len() - l.trim_start().len()).min();
        out.push(block.iter().map(|l| l.get(strip.unwrap_or(0)..).unwrap_or("")).collect::<Vec<_>>().join("\n"));
    }
    out
}

/// Run a step with bash in `dir`, `uniabi` on the PATH and `env` set; its exit code.
fn bash(step: &str, dir: &Path, env: &[(&str, String)]) -> i32 {
    let bin = Path::new(env!("CARGO_BIN_EXE_uniabi")).parent().unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let mut c = std::process::Command::new("bash");
    c.args(["-e", "-c", step]).current_dir(dir).env("PATH", path);
    for (k, v) in env {
        c.env(k, v);
    }
    c.status().expect("bash runs").code().unwrap_or(-1)
}

#[test]
fn ok_the_shard_workflow_run_locally_with_three_shards_equals_the_direct_survey() {
    let workflow = std::fs::read_to_string(root().join(WORKFLOW)).unwrap();
    assert!(workflow.contains("SHARDS: \"3\"") && workflow.contains("shard: [1, 2, 3]"), "the matrix lists 1..SHARDS");
    let (shard, reduce) = (steps(&workflow, "shard"), steps(&workflow, "reduce"));
    assert_eq!((shard.len(), reduce.len()), (1, 1), "{shard:?} {reduce:?}");
    let dir = scratch("workflow-shards");
    let samples = root().join("samples").display().to_string();
    let env = |k: usize| vec![("SHARDS", "3".to_string()), ("SHARD", k.to_string()), ("SURVEY_ARGS", samples.clone())];
    for k in 1..=3 {
        assert_eq!(bash(&shard[0], &dir, &env(k)), 0, "shard {k}");
    }
    // A retried shard resumes: its file gains no release twice.
    let first = std::fs::read_to_string(dir.join("shards/shard-1-of-3.jsonl")).unwrap();
    assert_eq!(bash(&shard[0], &dir, &env(1)), 0);
    let again = std::fs::read_to_string(dir.join("shards/shard-1-of-3.jsonl")).unwrap();
    let releases = |t: &str| t.lines().filter(|l| l.contains("\"release\":")).count();
    assert_eq!(releases(&again), releases(&first));
    assert_eq!(bash(&reduce[0], &dir, &env(0)), 0);
    let direct = run(&["survey", "--json", &samples]);
    let reduced = std::fs::read_to_string(dir.join("survey.json")).unwrap();
    assert!(reduced == stdout(&direct), "the reduced shards are the direct survey:\n{reduced}");
    let html = std::fs::read_to_string(dir.join("survey.html")).unwrap();
    assert!(html.contains("11 releases of 11 projects"), "the page of the whole survey");
    assert!(std::fs::read_to_string(dir.join("survey.txt")).unwrap().contains("Summary over the newest release"));
    // Two shards of three are refused by the reduction step, not reduced into a partial page.
    std::fs::remove_file(dir.join("shards/shard-2-of-3.jsonl")).unwrap();
    assert_eq!(bash(&reduce[0], &dir, &env(0)), 1);
}
