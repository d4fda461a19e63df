//! The remote-reading benchmark (run by `tests/bench/remote/run.sh`, not by
//! `cargo test`): on the samples served by the test server on 127.0.0.1,
//! bytes `survey` fetches against the wheels' size and against the floor (the
//! central directories plus the compressed extension members), and wall time
//! against downloading every wheel and surveying the directory.

use std::io::Read;
use std::time::Instant;

use crate::common::{root, run, sample_wheels, scratch, stderr};
use crate::server::Server;

const PROJECTS: [&str; 5] = ["abi3_abi3t_universal", "cryptography", "numpy", "orjson", "psutil"];
const RUNS: usize = 5;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// The floor: what any reader must fetch, the central directory (with its
/// end records) and the compressed bytes of the members `survey` reads.
fn floor() -> u64 {
    let mut total = 0;
    for path in sample_wheels() {
        let data = std::fs::read(&path).unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&data)).unwrap();
        total += data.len() as u64 - archive.central_directory_start();
        for i in 0..archive.len() {
            let f = archive.by_index_raw(i).unwrap();
            let name = f.name().unwrap().to_string();
            let dist = name.split('/').next().unwrap().ends_with(".dist-info");
            if uniabi::analysis::Scope::Importable.includes(&name)
                || (dist && (name.ends_with("/WHEEL") || name.ends_with("/RECORD")))
            {
                total += f.compressed_size() + 30 + name.len() as u64;
            }
        }
    }
    total
}

#[test]
#[ignore = "benchmark: run tests/bench/remote/run.sh"]
fn bench_remote_survey() {
    let server = Server::start(&root().join("samples"));
    let total: u64 = sample_wheels().iter().map(|p| std::fs::metadata(p).unwrap().len()).sum();
    let index = server.index();
    let mut args = vec!["survey", "--json", "--no-cache", "--net-stats", "--index-url", &index];
    args.extend(PROJECTS);
    let mut ranged = Vec::new();
    let mut stats = String::new();
    for _ in 0..=RUNS {
        let t = Instant::now();
        let o = run(&args);
        ranged.push(t.elapsed().as_secs_f64());
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stats = stderr(&o).lines().last().unwrap_or("").to_string();
    }
    ranged.remove(0);
    let fetched: u64 = server
        .requests("/files/")
        .iter()
        .map(|(_, r)| {
            let (a, b) = r.as_deref().unwrap().strip_prefix("bytes=").unwrap().split_once('-').unwrap();
            b.parse::<u64>().unwrap() - a.parse::<u64>().unwrap() + 1
        })
        .sum::<u64>()
        / (RUNS as u64 + 1);
    let mut whole = Vec::new();
    let dir = scratch("bench-remote-download");
    for _ in 0..=RUNS {
        let t = Instant::now();
        for path in sample_wheels() {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let mut body = Vec::new();
            ureq::get(&format!("{}/files/{name}", server.base))
                .call()
                .unwrap()
                .into_body()
                .into_reader()
                .read_to_end(&mut body)
                .unwrap();
            std::fs::write(dir.join(&name), body).unwrap();
        }
        let o = run(&["survey", "--json", dir.to_str().unwrap()]);
        whole.push(t.elapsed().as_secs_f64());
        assert_eq!(o.status.code(), Some(0));
    }
    whole.remove(0);
    let floor = floor();
    println!("wheels: {} ({} bytes)", sample_wheels().len(), total);
    println!(
        "survey by ranges fetched {fetched} bytes of wheels = {:.1} % (client: {stats})",
        fetched as f64 * 100.0 / total as f64
    );
    println!(
        "floor (central directories + compressed members read) {floor} bytes = {:.1} %",
        floor as f64 * 100.0 / total as f64
    );
    println!(
        "wall, median of {RUNS}: survey by ranges {:.3} s; download every wheel, then survey {:.3} s",
        median(ranged),
        median(whole)
    );
}
