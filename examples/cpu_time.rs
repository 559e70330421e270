//! CPU time per operation for the benchmark IDs of `benches/pull_path.rs`, measured as the
//! calling thread's on-CPU time (`/proc/thread-self/schedstat`, nanoseconds). Unlike wall-clock
//! medians this does not count time the thread spent waiting for a core, so it stays meaningful
//! on a busy machine. Linux only.
//!
//! Usage: `cargo run --release --example cpu_time [workload-root]` (default: the benchmark's
//! workload directory under the system temp dir; workloads are generated with
//! `../shared/bench/gen_workload.py` when missing).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;

use shortnames::config::Limits;
use shortnames::{ConfigSources, Reference, Resolver};

fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .expect("/proc/thread-self/schedstat (Linux) is needed")
}

fn workload(root: &Path, n: usize, a: usize) -> PathBuf {
    let dir = root.join(format!("n{n}-a{a}"));
    if !dir.join("workload.json").exists() {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen_workload.py");
        let ok = Command::new("python3")
            .arg(&script)
            .arg("--out")
            .arg(&dir)
            .args(["-n", &n.to_string(), "-a", &a.to_string(), "--force"])
            .stdout(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "gen_workload.py failed");
    }
    dir
}

fn sources(dir: &Path) -> ConfigSources {
    ConfigSources::new()
        .registries_conf(dir.join("registries.conf"))
        .registries_conf_d(dir.join("registries.conf.d"))
        .user_aliases(dir.join("user/short-name-aliases.conf"))
        .limits(Limits::default().with_max_file_size(64 << 20))
}

fn lookup(dir: &Path, kind: &str) -> String {
    let text = std::fs::read_to_string(dir.join("workload.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["lookups"][kind].as_str().unwrap().to_owned()
}

/// Median over 5 rounds of CPU nanoseconds per call.
fn per_op(iterations: u64, mut f: impl FnMut()) -> f64 {
    for _ in 0..iterations.min(1000) {
        f();
    }
    let mut rounds: Vec<f64> = (0..5)
        .map(|_| {
            let start = thread_cpu_ns();
            for _ in 0..iterations {
                f();
            }
            (thread_cpu_ns() - start) as f64 / iterations as f64
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    rounds[2]
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.1} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn main() {
    let root = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("shortnames-bench-workloads"));
    println!("| benchmark | CPU time per operation |\n| --- | --- |");
    let resolve = |r: &Resolver, name: &str| {
        let res = r.resolve(black_box(name)).unwrap();
        black_box(
            res.candidates
                .iter()
                .map(|c| c.sources.as_ref().unwrap().len())
                .sum::<usize>(),
        );
    };
    for kind in ["alias", "usr", "fq"] {
        for n in [1, 10, 100, 1000, 10000] {
            let dir = workload(&root, n, 1000);
            let r = Resolver::new(&sources(&dir));
            let name = lookup(&dir, kind);
            let t = per_op(200_000, || resolve(&r, &name));
            println!("| pull_path/{kind}/{n} | {} |", fmt_ns(t));
        }
    }
    for a in [10, 1000, 100000] {
        let dir = workload(&root, 10, a);
        let r = Resolver::new(&sources(&dir));
        let name = lookup(&dir, "alias");
        let t = per_op(200_000, || resolve(&r, &name));
        println!("| pull_path/aliases/{a} | {} |", fmt_ns(t));
    }
    for (what, n, a) in [
        ("aliases/1000", 10, 1000),
        ("aliases/100000", 10, 100000),
        ("registries/1000", 1000, 10),
        ("registries/10000", 10000, 10),
    ] {
        let s = sources(&workload(&root, n, a));
        let iterations = if n * a > 100_000 { 5 } else { 50 };
        let t = per_op(iterations, || {
            let r = Resolver::new(black_box(&s));
            assert!(r.config().is_ok());
        });
        println!("| load/{what} | {} |", fmt_ns(t));
    }
    let dir = workload(&root, 10, 1000);
    let text = std::fs::read_to_string(dir.join("workload.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let names: Vec<String> = v["lookups"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_str().unwrap().to_owned())
        .collect();
    let t = per_op(200_000, || {
        for n in &names {
            black_box(Reference::parse(black_box(n)).unwrap());
        }
    });
    println!("| parse/reference (8 names) | {} |", fmt_ns(t));
}
