//! The stated minimum Rust versions hold for every dependency that is built: 1.85 (the
//! package's `rust-version`, stated in README.md) for the library and every feature but
//! `oci-client`, 1.88 with `oci-client` (its own dependencies require it). Dependencies are
//! read from `cargo metadata` over the lock file; the crate's own code is held to its
//! `rust-version` by clippy's `incompatible_msrv` lint (run with `-D warnings` in CI).

use std::collections::{BTreeSet, HashMap};
use std::process::Command;

use serde_json::Value;

fn version(s: &str) -> (u64, u64, u64) {
    let mut it = s.split('.').map(|p| p.parse::<u64>().unwrap());
    (
        it.next().unwrap(),
        it.next().unwrap_or(0),
        it.next().unwrap_or(0),
    )
}

/// Every package built (normal and build dependencies, no dev-dependencies) with `features`,
/// as (name, version, rust-version).
fn built(features: &[&str]) -> Vec<(String, String, Option<String>)> {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .args(features)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo metadata {features:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m: Value = serde_json::from_slice(&out.stdout).unwrap();
    let nodes: HashMap<&str, &Value> = m["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    let packages: HashMap<&str, &Value> = m["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p))
        .collect();
    let mut seen = BTreeSet::new();
    let mut stack = vec![m["resolve"]["root"].as_str().unwrap()];
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        for d in nodes[id]["deps"].as_array().unwrap() {
            let dev_only = d["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .all(|k| k["kind"] == "dev");
            if !dev_only {
                stack.push(d["pkg"].as_str().unwrap());
            }
        }
    }
    seen.iter()
        .map(|id| {
            let p = packages[id];
            (
                p["name"].as_str().unwrap().to_owned(),
                p["version"].as_str().unwrap().to_owned(),
                p["rust_version"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

fn above(features: &[&str], msrv: &str) -> Vec<String> {
    built(features)
        .into_iter()
        .filter(|(_, _, rv)| rv.as_deref().is_some_and(|v| version(v) > version(msrv)))
        .map(|(n, v, rv)| format!("{n} {v} (rust-version {})", rv.unwrap()))
        .collect()
}

#[test]
fn stated_msrv_is_the_packages_rust_version() {
    let manifest =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
    assert!(manifest.contains("\nrust-version = \"1.85\"\n"));
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(readme.contains("Minimum supported Rust version: **1.85**"));
    assert!(readme.contains("**1.88** with the `oci-client` feature"));
}

#[test]
fn dependencies_build_with_the_stated_msrv() {
    let lean = built(&["--no-default-features"]);
    assert!(lean.len() > 10, "{lean:?}");
    for features in [
        &["--no-default-features"][..],
        &[],
        &["--features", "cli,yaml,oci"],
    ] {
        let bad = above(features, "1.85");
        assert!(bad.is_empty(), "{features:?} needs a newer Rust: {bad:?}");
    }
    let bad = above(&["--all-features"], "1.88");
    assert!(bad.is_empty(), "--all-features needs a newer Rust: {bad:?}");
    // The 1.88 claim is needed (so the README does not understate it).
    assert!(!above(&["--all-features"], "1.85").is_empty());
}
