//! `check` over the 310 conformance cases.
//!
//! * Cases whose configuration fails to load: `check` reports that very error (same kind, same
//!   message; for alias errors the same complaints, one diagnostic each) at the same place.
//! * Cases that load cleanly: no error about registries.conf or a drop-in unless the recorded
//!   lookups show that exact failure (a rewrite, a search entry or the user alias file failing);
//!   warnings only where the case's about.txt has a `QUIRK:` or `KNOWN BUG:` line, or where the
//!   finding is listed in `tests/data/check/conformance-findings.txt` — a reviewed list of the
//!   cases that deliberately (hand-*) or by chance (rand-*) contain what `check` exists to
//!   find, each line `case: code...`. The list must match exactly, so a new false alarm and a
//!   lost finding both fail this test. Notes (`info`) are not alarms and are not restricted.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;
use shortnames::diagnostics::{check, CheckOptions, Level};
use shortnames::ConfigSources;

fn sources_for(case: &Path) -> ConfigSources {
    let mut s = ConfigSources::new()
        .fs_root(case)
        .registries_conf_d("registries.conf.d")
        .user_aliases("user-aliases.conf");
    if case.join("registries.conf").exists() {
        s = s.registries_conf("registries.conf");
    }
    s
}

fn marked(case: &Path) -> bool {
    std::fs::read_to_string(case.join("about.txt"))
        .is_ok_and(|t| t.contains("QUIRK:") || t.contains("KNOWN BUG:"))
}

/// Error kinds recorded anywhere in the lookups (lookup, local and per-candidate errors).
fn recorded_kinds(expect: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for l in expect["lookups"].as_array().unwrap() {
        for e in [&l["error"], &l["local"]["error"]] {
            if let Some(k) = e["kind"].as_str() {
                out.insert(k.to_owned());
            }
        }
        for c in l["candidates"].as_array().unwrap() {
            if let Some(k) = c["sources_error"]["kind"].as_str() {
                out.insert(k.to_owned());
            }
        }
    }
    out
}

fn findings_list() -> BTreeMap<String, BTreeSet<String>> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/check/conformance-findings.txt");
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (case, codes) = l.split_once(':').unwrap();
            (
                case.trim().to_owned(),
                codes.split_whitespace().map(str::to_owned).collect(),
            )
        })
        .collect()
}

#[test]
fn no_false_alarms_on_the_conformance_corpus() {
    let cases = common::passing_cases();
    assert!(!cases.is_empty());
    let listed = findings_list();
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut failures = Vec::new();
    let (mut failing, mut clean) = (0, 0);
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let expect = common::expected(case);
        let report = check(&sources_for(case), &CheckOptions::default());
        let config_error = &expect["config_error"];
        if !config_error.is_null() {
            failing += 1;
            let kind = config_error["kind"].as_str().unwrap();
            let message = config_error["message"].as_str().unwrap();
            let errors: Vec<_> = report.errors().filter(|d| d.kind == kind).collect();
            let ok = if kind.ends_with("/toml") {
                let prefix = &message[..message.find("\": ").unwrap() + 3];
                errors.iter().any(|d| d.message.starts_with(prefix))
            } else if kind.ends_with("/bad-alias") {
                // One diagnostic per complaint, in the same file.
                let head = "validating short-name aliases: ";
                let i = message.find(head).unwrap() + head.len();
                let mut want: Vec<&str> = message[i..].split("\n: ").collect();
                want.sort();
                let mut got: Vec<&str> = errors
                    .iter()
                    .filter(|d| d.message.starts_with(&message[..i]))
                    .map(|d| &d.message[i..])
                    .collect();
                got.sort();
                got == want
            } else {
                errors.iter().any(|d| d.message == message)
            };
            if !ok {
                failures.push(format!(
                    "{name}: the load error {kind} {message:?} is not reported: {:#?}",
                    report.findings
                ));
            }
            continue;
        }
        clean += 1;
        let recorded = recorded_kinds(&expect);
        for d in report.errors() {
            let shown_by_lookups = match d.kind.as_str() {
                "rewrite-fails" => recorded.iter().any(|k| k.starts_with("invalid-rewrite/")),
                "search-entry-fails" => recorded
                    .iter()
                    .any(|k| k.starts_with("invalid-search-candidate/")),
                k if k.starts_with("invalid-user-aliases/") => recorded.contains(k),
                _ => false,
            };
            if !shown_by_lookups {
                failures.push(format!("{name}: false error {d}"));
            }
        }
        let warnings: BTreeSet<String> = report
            .findings
            .iter()
            .filter(|d| d.level >= Level::Warning)
            .map(|d| d.kind.clone())
            .collect();
        if !warnings.is_empty() && !marked(case) {
            found.insert(name, warnings);
        }
    }
    assert_eq!(failing + clean, cases.len());
    for (case, codes) in &found {
        match listed.get(case) {
            Some(l) if l == codes => {}
            Some(l) => failures.push(format!("{case}: findings {codes:?}, listed {l:?}")),
            None => failures.push(format!("{case}: unlisted findings {codes:?}")),
        }
    }
    for case in listed.keys().filter(|c| !found.contains_key(*c)) {
        failures.push(format!("{case}: listed but nothing found"));
    }
    eprintln!(
        "check over the corpus: {failing} failing configurations reported exactly, {clean} clean ones, {} with listed findings",
        found.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
