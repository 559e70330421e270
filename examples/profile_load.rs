//! Profiling driver: loads a workload tree `iterations` times (for callgrind or perf).
//! Usage: `profile_load <workload-dir> [iterations]`.

use shortnames::config::Limits;
use shortnames::{ConfigSources, Resolver};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: profile_load <workload-dir> [iterations]");
        std::process::exit(2);
    };
    let iterations: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
    let dir = std::path::Path::new(&dir);
    for _ in 0..iterations {
        let resolver = Resolver::new(
            &ConfigSources::new()
                .registries_conf(dir.join("registries.conf"))
                .registries_conf_d(dir.join("registries.conf.d"))
                .limits(Limits::default().with_max_file_size(64 << 20)),
        );
        assert!(resolver.config().is_ok());
    }
}
