//! Shared helpers for the data-driven tests: locating the conformance corpus and comparing
//! documents by the corpus README's rules.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The corpus directory: `$SHORTNAMES_CONFORMANCE_DIR`, else `../shared/conformance/cases`.
pub fn cases_dir() -> PathBuf {
    match std::env::var_os("SHORTNAMES_CONFORMANCE_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/cases"),
    }
}

/// Corpus cases known to fail today (none since the exotic-input cases of issue 12 pass).
/// The corpus tests report them without failing (the CLI test fails when a listed case passes
/// there); the derived tests (`check`, hardened profile, located errors) skip them.
pub const EXPECTED_FAILURES: &[&str] = &[];

/// Whether `case` is one of [`EXPECTED_FAILURES`].
pub fn expected_failure(case: &Path) -> bool {
    let name = case.file_name().unwrap().to_string_lossy();
    EXPECTED_FAILURES.contains(&name.as_ref())
}

/// Every case directory not listed in [`EXPECTED_FAILURES`], sorted by name.
pub fn passing_cases() -> Vec<PathBuf> {
    cases()
        .into_iter()
        .filter(|c| !expected_failure(c))
        .collect()
}

/// The arguments the corpus CLI contract runs in a case directory:
/// `resolve --format json` over the case's files and `names.txt`.
pub fn corpus_cli_args(case: &Path) -> Vec<&'static str> {
    let mut args = vec![
        "resolve",
        "--format",
        "json",
        "--registries-conf-d",
        "registries.conf.d",
        "--user-aliases",
        "user-aliases.conf",
        "--names-from",
        "names.txt",
    ];
    if case.join("registries.conf").exists() {
        args.extend(["--registries-conf", "registries.conf"]);
    }
    args
}

/// Every case directory, sorted by name.
pub fn cases() -> Vec<PathBuf> {
    let dir = cases_dir();
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read conformance cases in {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expect.json").is_file())
        .collect();
    v.sort();
    v
}

pub fn expected(case: &Path) -> Value {
    let text = std::fs::read_to_string(case.join("expect.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The names of a case as byte strings, from names.txt (which may hold lines that are not
/// UTF-8; `expect.json` shows those with U+FFFD): split on `\n`, the final `\n` ends the
/// last name, an empty file holds none.
pub fn names_bytes(case: &Path) -> Vec<Vec<u8>> {
    let text = std::fs::read(case.join("names.txt")).unwrap();
    if text.is_empty() {
        return Vec::new();
    }
    let body = text.strip_suffix(b"\n").unwrap_or(&text);
    body.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect()
}

/// The names of a case, from `expect.json` (same list as names.txt).
pub fn names(expect: &Value) -> Vec<String> {
    expect["lookups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap().to_owned())
        .collect()
}

fn split_complaints(message: &str) -> (String, Vec<String>) {
    let Some(i) = message.find("\": ") else {
        return (message.to_owned(), Vec::new());
    };
    let (mut head, mut rest) = (message[..i + 3].to_owned(), &message[i + 3..]);
    if let Some(r) = rest.strip_prefix("validating short-name aliases: ") {
        head.push_str("validating short-name aliases: ");
        rest = r;
    }
    let mut parts: Vec<String> = rest.split("\n: ").map(str::to_owned).collect();
    parts.sort();
    (head, parts)
}

fn compare_error(path: &str, got: &Value, want: &Value) -> Result<(), String> {
    let (gk, wk) = (got["kind"].as_str(), want["kind"].as_str());
    if gk != wk {
        return Err(format!(
            "{path}.kind: got {gk:?}, want {wk:?} (got message {})",
            got["message"]
        ));
    }
    let (gm, wm) = (
        got["message"].as_str().unwrap_or_default(),
        want["message"].as_str().unwrap_or_default(),
    );
    let kind = wk.unwrap_or_default();
    if kind.ends_with("/toml") {
        let prefix = |m: &str| m.find("\": ").map(|i| m[..i + 3].to_owned());
        if prefix(gm) != prefix(wm) {
            return Err(format!("{path}.message prefix: got {gm:?}, want {wm:?}"));
        }
        return Ok(());
    }
    if kind.ends_with("/bad-alias") {
        if split_complaints(gm) != split_complaints(wm) {
            return Err(format!("{path}.message: got {gm:?}, want {wm:?}"));
        }
        return Ok(());
    }
    if gm != wm {
        return Err(format!("{path}.message: got {gm:?}, want {wm:?}"));
    }
    Ok(())
}

/// Compares by the corpus rules; returns the first difference.
pub fn compare(path: &str, got: &Value, want: &Value) -> Result<(), String> {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => {
            if w.contains_key("kind") && w.contains_key("message") && w.len() == 2 {
                return compare_error(path, got, want);
            }
            for (k, wv) in w {
                let gv = g.get(k).ok_or_else(|| format!("{path}.{k}: missing"))?;
                compare(&format!("{path}.{k}"), gv, wv)?;
            }
            if let Some(extra) = g.keys().find(|k| !w.contains_key(*k)) {
                return Err(format!("{path}.{extra}: unexpected key"));
            }
            Ok(())
        }
        (Value::Array(g), Value::Array(w)) => {
            for (i, (gv, wv)) in g.iter().zip(w).enumerate() {
                compare(&format!("{path}[{i}]"), gv, wv)?;
            }
            if g.len() != w.len() {
                return Err(format!(
                    "{path}: got {} elements, want {}",
                    g.len(),
                    w.len()
                ));
            }
            Ok(())
        }
        _ if got == want => Ok(()),
        _ => Err(format!("{path}: got {got}, want {want}")),
    }
}

/// The sources of `case` as the corpus README says to run it: `case` as the root, its
/// drop-in directory and user alias file, and its `registries.conf` when it has one.
pub fn case_sources(case: &Path) -> shortnames::ConfigSources {
    let mut s = shortnames::ConfigSources::new()
        .fs_root(case)
        .registries_conf_d("registries.conf.d")
        .user_aliases("user-aliases.conf");
    if case.join("registries.conf").exists() {
        s = s.registries_conf("registries.conf");
    }
    s
}
