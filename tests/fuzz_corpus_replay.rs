//! Replays the committed fuzz corpora (`fuzz/corpus/<target>`) and the fuzz regressions
//! (`tests/data/fuzz-regressions/<target>`) through the fuzz targets' own functions
//! (`fuzz/harness.rs`), so that CI, which has no nightly toolchain for cargo-fuzz, checks
//! every input the fuzzers kept. A failing input panics with its path.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        root.join("fuzz/corpus").join(target),
        root.join("tests/data/fuzz-regressions").join(target),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        files.extend(
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file()),
        );
    }
    files.sort();
    files
}

fn replay(target: &str, run: fn(&[u8])) {
    let files = inputs(target);
    assert!(
        files.len() >= 5,
        "{target}: only {} committed inputs (corpus missing?)",
        files.len()
    );
    for path in &files {
        let data = std::fs::read(path).unwrap();
        if let Err(panic) = std::panic::catch_unwind(|| run(&data)) {
            let msg = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)");
            panic!("{target}: {} fails: {msg}", path.display());
        }
    }
    eprintln!("{target}: {} inputs replayed", files.len());
}

#[test]
fn reference_corpus() {
    replay("reference", harness::reference);
}

#[test]
fn config_corpus() {
    replay("config", harness::config);
}

#[test]
fn credentials_corpus() {
    replay("credentials", harness::credentials);
}

#[test]
fn resolve_corpus() {
    replay("resolve", harness::resolve);
}

/// The replay can fail: an input breaking an invariant is reported with its path.
#[test]
#[should_panic(expected = "fails")]
fn replay_reports_failing_inputs() {
    fn always_fails(_: &[u8]) {
        panic!("invariant broken");
    }
    replay("reference", always_fails);
}
