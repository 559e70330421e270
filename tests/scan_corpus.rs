//! The scan corpus (`../shared/scan`): every fixture with every profile it names, through the
//! CLI contract, compared by the corpus README's rules.
#![cfg(feature = "yaml")]

mod scan_support;

use scan_support::{compare, compare_run, fixtures, scan_fixture};
use serde_json::json;

#[test]
fn every_fixture_passes_for_every_profile() {
    let mut passed = 0;
    let mut runs = 0;
    let mut failures = Vec::new();
    let all = fixtures();
    for fx in &all {
        let mut ok = true;
        for profile in &fx.profiles {
            runs += 1;
            let run = scan_fixture(fx, profile, &fx.dir);
            let diffs = compare_run(&fx.expected(profile), &run);
            if !diffs.is_empty() {
                ok = false;
                failures.push(format!(
                    "{} [{profile}]:\n    {}",
                    fx.name,
                    diffs
                        .iter()
                        .take(10)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("\n    ")
                ));
            }
        }
        passed += usize::from(ok);
    }
    println!(
        "{passed}/{} fixtures pass ({runs} fixture x profile runs)",
        all.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(all.len() >= 19 && runs >= 4 * 19);
}

/// The comparison itself tells differences apart (so the corpus test can fail).
#[test]
fn comparison_rules_detect_differences() {
    let mut d = Vec::new();
    compare(
        &json!({"a": 1}),
        &json!({"a": 1, "extra": true}),
        "",
        &mut d,
    );
    assert!(d.is_empty(), "extra keys are ignored: {d:?}");
    compare(&json!({"a": 1}), &json!({"a": 1.0}), "", &mut d);
    assert_eq!(d.len(), 1, "int vs float: {d:?}");
    d.clear();
    compare(&json!({"a": [1, 2]}), &json!({"a": [2, 1]}), "", &mut d);
    assert_eq!(d.len(), 2);
    d.clear();
    compare(&json!({"a": null}), &json!({}), "", &mut d);
    assert_eq!(d.len(), 1, "missing key");
    d.clear();
    let doc = |err: serde_json::Value| json!({"files": [{"documents": [{"line_start": 10, "line_end": 12, "error": err}]}]});
    let expected = doc(json!({"kind": "yaml-syntax", "message": "x", "line": 11, "column": 3}));
    compare(
        &expected,
        &doc(json!({"kind": "yaml-syntax", "message": "other text", "line": 13, "column": 1})),
        "",
        &mut d,
    );
    assert!(d.is_empty(), "{d:?}");
    compare(
        &expected,
        &doc(json!({"kind": "yaml-syntax", "message": "", "line": 14, "column": 0})),
        "",
        &mut d,
    );
    assert_eq!(d.len(), 3, "{d:?}");
}

/// The built-in profiles are exactly the corpus' profiles (the CLI must ship exactly these).
#[test]
fn shipped_profiles_are_the_corpus_profiles() {
    fn files(dir: &std::path::Path, base: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                files(&p, base, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    let corpus = scan_support::corpus_dir().join("profiles");
    let ours = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles");
    let (mut a, mut b) = (Vec::new(), Vec::new());
    files(&corpus, &corpus, &mut a);
    files(&ours, &ours, &mut b);
    b.retain(|(p, _)| p != "README.md");
    a.sort();
    b.sort();
    assert_eq!(
        a.iter().map(|(p, _)| p).collect::<Vec<_>>(),
        b.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    assert!(a == b, "a shipped profile file differs from the corpus");
    let mut names = shortnames::scan::NodeProfile::builtin_names();
    names.sort();
    let mut dirs: Vec<String> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    assert_eq!(names, dirs);
}
