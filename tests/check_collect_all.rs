//! `check` never stops at a type error: over the conformance corpus, a configuration with a
//! `[[registry]]` entry of the wrong type appended reports exactly what the configuration
//! reported before, plus that type error at its line and column.

mod common;

use std::collections::BTreeSet;

use shortnames::diagnostics::{check, CheckOptions};
use shortnames::ConfigSources;

fn findings(dir: &std::path::Path) -> BTreeSet<String> {
    let sources = ConfigSources::new()
        .fs_root(dir)
        .registries_conf("registries.conf")
        .registries_conf_d("registries.conf.d")
        .user_aliases("user-aliases.conf");
    check(&sources, &CheckOptions::default())
        .findings
        .iter()
        .map(|d| format!("{} {} {}", d.level, d.kind, d.place().unwrap_or_default()))
        .collect()
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}

#[test]
fn a_type_error_hides_nothing_else() {
    let mut tried = 0;
    for case in common::passing_cases() {
        let Ok(text) = std::fs::read_to_string(case.join("registries.conf")) else {
            continue;
        };
        if !text.contains("[[registry]]") || text.contains("[registries") {
            continue;
        }
        let before = findings(&case);
        if before.iter().any(|f| f.starts_with("error ")) {
            continue;
        }
        let tmp = tempfile::tempdir().unwrap();
        copy_dir(&case, tmp.path());
        let mut planted = text.clone();
        if !planted.ends_with('\n') {
            planted.push('\n');
        }
        let line = planted.lines().count() + 4;
        planted
            .push_str("\n[[registry]]\nlocation = \"planted.example.com\"\ninsecure = \"false\"\n");
        std::fs::write(tmp.path().join("registries.conf"), &planted).unwrap();
        let mut want = before.clone();
        want.insert(format!(
            "error invalid-config/toml registries.conf:{line}:12"
        ));
        assert_eq!(findings(tmp.path()), want, "{}", case.display());
        tried += 1;
    }
    eprintln!("{tried} configurations with a planted type error");
    assert!(tried >= 100, "only {tried} cases");
}
