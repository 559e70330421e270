//! Criterion benchmarks on the workloads of `../shared/bench/gen_workload.py`.
//!
//! IDs (stable, to compare over time):
//! - `pull_path/{alias,usr,fq}/N`: resolve the workload's lookup name and compute every
//!   candidate's pull sources, with N `[[registry]]` entries and A = 1000 aliases;
//! - `pull_path/aliases/A`: the alias lookup with A aliases and N = 10;
//! - `load/aliases/A`, `load/registries/N`: cold load of the whole tree;
//! - `parse/reference`: the eight lookup names of the workload;
//! - `concurrency/threads/T`: T threads resolving the alias name (per-operation time);
//! - `limits/name-too-long/1MiB`: refusing a 1 MiB name.
//!
//! After the criterion figures, a summary prints allocations per operation for each benchmark,
//! the peak heap of the largest load, and the 2-thread scaling factor.
//!
//! Run: `cargo bench --bench pull_path` (add `-- --quick` for a short run).

mod alloc_counter;

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use shortnames::config::Limits;
use shortnames::{ConfigSources, Reference, Resolver};

#[global_allocator]
static GLOBAL: alloc_counter::Counting = alloc_counter::Counting;

/// Workload files are up to ~5 MB for 100,000 aliases: above the default 4 MiB limit, so the
/// benchmarks raise it explicitly.
fn bench_limits() -> Limits {
    Limits::default().with_max_file_size(64 << 20)
}

struct Workload {
    dir: PathBuf,
    lookups: BTreeMap<String, String>,
}

impl Workload {
    fn sources(&self) -> ConfigSources {
        ConfigSources::new()
            .registries_conf(self.dir.join("registries.conf"))
            .registries_conf_d(self.dir.join("registries.conf.d"))
            .user_aliases(self.dir.join("user/short-name-aliases.conf"))
            .limits(bench_limits())
    }

    fn resolver(&self) -> Resolver {
        let r = Resolver::new(&self.sources());
        r.config().expect("workload config loads");
        r
    }
}

/// Generates (once) the workload with `n` registries and `a` aliases.
fn workload(n: usize, a: usize) -> Workload {
    let root = std::env::temp_dir().join("shortnames-bench-workloads");
    let dir = root.join(format!("n{n}-a{a}"));
    let manifest = dir.join("workload.json");
    if !manifest.exists() {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen_workload.py");
        let status = Command::new("python3")
            .arg(&script)
            .args(["--out"])
            .arg(&dir)
            .args(["-n", &n.to_string(), "-a", &a.to_string(), "--force"])
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("running {}: {e}", script.display()));
        assert!(status.success(), "gen_workload.py failed");
    }
    let text = std::fs::read_to_string(&manifest).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let lookups = v["lookups"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    Workload { dir, lookups }
}

/// Allocations per operation, measured outside criterion's timing.
fn allocs_per_op(mut f: impl FnMut()) -> (f64, f64) {
    f(); // warm (first-use caches)
    const N: usize = 1000;
    let ((), allocs, bytes, _) = alloc_counter::measure(|| {
        for _ in 0..N {
            f();
        }
    });
    (allocs as f64 / N as f64, bytes as f64 / N as f64)
}

type Summary = Arc<Mutex<Vec<String>>>;

fn summary() -> Summary {
    static S: std::sync::OnceLock<Summary> = std::sync::OnceLock::new();
    S.get_or_init(Default::default).clone()
}

fn note(line: String) {
    summary().lock().unwrap().push(line);
}

fn resolve_all(r: &Resolver, name: &str) -> usize {
    let res = r.resolve(name).expect("resolves");
    let mut n = 0;
    for c in &res.candidates {
        n += c.sources.as_ref().expect("sources").len();
    }
    n
}

fn bench_pull_path(c: &mut Criterion) {
    let mut g = c.benchmark_group("pull_path");
    for kind in ["alias", "usr", "fq"] {
        for n in [1usize, 10, 100, 1000, 10000] {
            let w = workload(n, 1000);
            let r = w.resolver();
            let name = w.lookups[kind].clone();
            g.bench_function(format!("{kind}/{n}"), |b| {
                b.iter(|| resolve_all(&r, black_box(&name)))
            });
            let (a, bytes) = allocs_per_op(|| {
                black_box(resolve_all(&r, &name));
            });
            note(format!(
                "pull_path/{kind}/{n}: {a:.1} allocs/op, {bytes:.0} bytes/op"
            ));
        }
    }
    for a in [10usize, 1000, 100000] {
        let w = workload(10, a);
        let r = w.resolver();
        let name = w.lookups["alias"].clone();
        g.bench_function(format!("aliases/{a}"), |b| {
            b.iter(|| resolve_all(&r, black_box(&name)))
        });
        let (al, bytes) = allocs_per_op(|| {
            black_box(resolve_all(&r, &name));
        });
        note(format!(
            "pull_path/aliases/{a}: {al:.1} allocs/op, {bytes:.0} bytes/op"
        ));
    }
    g.finish();
}

fn bench_load(c: &mut Criterion) {
    let mut g = c.benchmark_group("load");
    g.sample_size(10);
    let cases = [
        ("aliases", 1000usize, workload(10, 1000)),
        ("aliases", 100000, workload(10, 100000)),
        ("registries", 1000, workload(1000, 10)),
        ("registries", 10000, workload(10000, 10)),
    ];
    for (what, size, w) in &cases {
        let sources = w.sources();
        g.bench_function(format!("{what}/{size}"), |b| {
            b.iter(|| {
                let r = Resolver::new(black_box(&sources));
                assert!(r.config().is_ok());
                r
            })
        });
        let (r, allocs, _, peak) = alloc_counter::measure(|| Resolver::new(&sources));
        drop(r);
        note(format!(
            "load/{what}/{size}: {allocs} allocs, peak heap {:.1} MB",
            peak as f64 / 1e6
        ));
    }
    g.finish();
}

fn bench_parse(c: &mut Criterion) {
    let w = workload(10, 1000);
    let names: Vec<String> = w.lookups.values().cloned().collect();
    c.bench_function("parse/reference", |b| {
        b.iter(|| {
            for n in &names {
                black_box(Reference::parse(black_box(n)).unwrap());
            }
        })
    });
    let (a, _) = allocs_per_op(|| {
        for n in &names {
            black_box(Reference::parse(n).unwrap());
        }
    });
    note(format!(
        "parse/reference: {a:.1} allocs per 8 names (one per parsed value)"
    ));
}

/// A 1 MiB name is refused by its length, as cheaply as a short one (no work on its bytes).
fn bench_name_limit(c: &mut Criterion) {
    let w = workload(10, 1000);
    let r = w.resolver();
    let huge = "a/".repeat(1 << 19);
    c.bench_function("limits/name-too-long/1MiB", |b| {
        b.iter(|| black_box(r.resolve(black_box(&huge)).is_err()))
    });
}

fn bench_concurrency(c: &mut Criterion) {
    let w = workload(1000, 1000);
    let r = Arc::new(w.resolver());
    let name = w.lookups["alias"].clone();
    let mut g = c.benchmark_group("concurrency");
    let mut per_op = BTreeMap::new();
    for threads in [1usize, 2] {
        g.bench_function(format!("threads/{threads}"), |b| {
            b.iter_custom(|iters| run_threads(&r, &name, threads, iters))
        });
        // Throughput over a fixed 0.5 s window, for the scaling summary.
        let ops = 200_000u64;
        let t = run_threads(&r, &name, threads, ops);
        per_op.insert(threads, (threads as f64 * ops as f64) / t.as_secs_f64());
    }
    g.finish();
    note(format!(
        "concurrency: {:.0} resolutions/s on 1 thread, {:.0} on 2 threads: {:.2}x",
        per_op[&1],
        per_op[&2],
        per_op[&2] / per_op[&1]
    ));
}

/// Each of `threads` threads performs `iters` resolutions; returns the wall time.
fn run_threads(r: &Arc<Resolver>, name: &str, threads: usize, iters: u64) -> Duration {
    let barrier = Arc::new(std::sync::Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (r, name, barrier) = (r.clone(), name.to_owned(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                for _ in 0..iters {
                    black_box(resolve_all(&r, black_box(&name)));
                }
            })
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    for h in handles {
        h.join().unwrap();
    }
    start.elapsed()
}

fn print_summary(_: &mut Criterion) {
    println!("\n== allocations and memory ==");
    for line in summary().lock().unwrap().iter() {
        println!("{line}");
    }
}

criterion_group!(
    benches,
    bench_parse,
    bench_pull_path,
    bench_load,
    bench_concurrency,
    bench_name_limit,
    print_summary
);
criterion_main!(benches);
