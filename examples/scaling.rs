//! Per-thread CPU time per resolution with 1 and with 2 threads resolving concurrently. Shared
//! mutable state on the read path (contended atomics, locks, false sharing) would show up as a
//! higher per-operation CPU time with 2 threads; wall-clock throughput additionally needs two
//! free cores. Usage: `scaling <workload-dir> <name>`. Linux only.

use std::sync::{Arc, Barrier};
use std::time::Instant;

use shortnames::config::Limits;
use shortnames::{ConfigSources, Resolver};

fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .expect("/proc/thread-self/schedstat (Linux) is needed")
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(name)) = (args.next(), args.next()) else {
        eprintln!("usage: scaling <workload-dir> <name>");
        std::process::exit(2);
    };
    let dir = std::path::Path::new(&dir);
    let r = Arc::new(Resolver::new(
        &ConfigSources::new()
            .registries_conf(dir.join("registries.conf"))
            .registries_conf_d(dir.join("registries.conf.d"))
            .user_aliases(dir.join("user/short-name-aliases.conf"))
            .limits(Limits::default().with_max_file_size(64 << 20)),
    ));
    const OPS: u64 = 2_000_000;
    for threads in [1usize, 2] {
        let barrier = Arc::new(Barrier::new(threads));
        let start = Instant::now();
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (r, name, barrier) = (r.clone(), name.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    let cpu = thread_cpu_ns();
                    for _ in 0..OPS {
                        let res = r.resolve(std::hint::black_box(&name)).unwrap();
                        std::hint::black_box(res.candidates.len());
                    }
                    (thread_cpu_ns() - cpu) as f64 / OPS as f64
                })
            })
            .collect();
        let per_op: Vec<f64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let wall = start.elapsed().as_secs_f64();
        println!(
            "{threads} thread(s): CPU ns/op per thread {:?}, throughput {:.0} resolutions/s (wall)",
            per_op.iter().map(|t| t.round()).collect::<Vec<_>>(),
            threads as f64 * OPS as f64 / wall
        );
    }
}
