//! Profiling driver: resolves one workload name many times (for `valgrind --tool=callgrind`
//! or `perf`). Usage: `profile_resolve <workload-dir> <name> [iterations]`.

use shortnames::config::Limits;
use shortnames::{ConfigSources, Resolver};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(name)) = (args.next(), args.next()) else {
        eprintln!("usage: profile_resolve <workload-dir> <name> [iterations]");
        std::process::exit(2);
    };
    let iterations: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let dir = std::path::Path::new(&dir);
    let resolver = Resolver::new(
        &ConfigSources::new()
            .registries_conf(dir.join("registries.conf"))
            .registries_conf_d(dir.join("registries.conf.d"))
            .user_aliases(dir.join("user/short-name-aliases.conf"))
            .limits(Limits::default().with_max_file_size(64 << 20)),
    );
    let mut n = 0;
    for _ in 0..iterations {
        let r = resolver
            .resolve(std::hint::black_box(&name))
            .expect("resolves");
        n += r.candidates.len();
    }
    println!("{n}");
}
