//! `shortnames scan --fix`: on copies of every corpus fixture, for every profile it names, the
//! fixed manifests rescan clean, a second `--fix` changes nothing, and the only bytes that
//! changed are image strings (each replaced by its entry's `fix`). Plus `--fix --dry-run`'s
//! diff and a property test of idempotence and of fully-qualified names left alone.
#![cfg(feature = "yaml")]

mod scan_support;

use std::path::Path;

use proptest::prelude::*;
use scan_support::{copy_fixture, fixtures, scan_fixture, shortnames, Fixture};
use serde_json::Value;
use shortnames::scan::{fix, NodeProfile};

fn read_all(fx: &Fixture, dir: &Path) -> Vec<Vec<u8>> {
    fx.files
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap())
        .collect()
}

/// Checks that `new` is `old` with, on each line, exactly the image strings of the report's
/// entries (that have a `fix`) replaced by their fix, and nothing else.
fn only_images_changed(old: &[u8], new: &[u8], images: &[Value]) -> Result<(), String> {
    let old = String::from_utf8(old.to_vec()).unwrap();
    let new = String::from_utf8(new.to_vec()).unwrap();
    let old_lines: Vec<&str> = old.split('\n').collect();
    let new_lines: Vec<&str> = new.split('\n').collect();
    if old_lines.len() != new_lines.len() {
        return Err("the number of lines changed".into());
    }
    let mut expected: Vec<String> = old_lines.iter().map(|s| s.to_string()).collect();
    // Apply each fix at its reported position (right to left within a line), once per position.
    let mut entries: Vec<(usize, usize, String, String)> = images
        .iter()
        .filter(|i| i["fix"].is_string())
        .map(|i| {
            (
                i["line"].as_u64().unwrap() as usize,
                i["column"].as_u64().unwrap() as usize,
                i["image"].as_str().unwrap().to_owned(),
                i["fix"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    entries.sort();
    entries.dedup();
    entries.reverse();
    for (line, column, image, fix) in entries {
        let mut l = line - 1;
        let chars: Vec<char> = expected[l].chars().collect();
        let mut at = column - 1;
        match chars.get(at) {
            Some('\'' | '"') => at += 1,
            Some('|' | '>') => {
                // Block scalar: the value is the next non-blank line's text.
                l += 1;
                while expected[l].trim().is_empty() {
                    l += 1;
                }
                at = expected[l].chars().take_while(|c| *c == ' ').count();
            }
            _ => {}
        }
        let chars: Vec<char> = expected[l].chars().collect();
        let here: String = chars[at..].iter().collect();
        if !here.starts_with(&image) {
            return Err(format!(
                "line {}: {image:?} is not at column {}",
                l + 1,
                at + 1
            ));
        }
        let before: String = chars[..at].iter().collect();
        let after: String = chars[at + image.chars().count()..].iter().collect();
        expected[l] = format!("{before}{fix}{after}");
    }
    for (i, (e, n)) in expected.iter().zip(&new_lines).enumerate() {
        if e != n {
            return Err(format!("line {}: expected {e:?}, got {n:?}", i + 1));
        }
    }
    Ok(())
}

#[test]
fn fixed_fixtures_rescan_clean_and_fixing_again_changes_nothing() {
    let mut checked = 0;
    for fx in &fixtures() {
        for profile in &fx.profiles {
            let tmp = tempfile::tempdir().unwrap();
            copy_fixture(fx, tmp.path());
            let before = scan_fixture(fx, profile, tmp.path()).json();
            let original = read_all(fx, tmp.path());

            let arg = fx.profile_arg(profile);
            let mut args = vec!["scan", "--node-profile", &arg, "--fix", "--format", "json"];
            args.extend(fx.files.iter().map(String::as_str));
            let run = shortnames(tmp.path(), &args);
            assert!(
                !run.stderr.contains("cannot rewrite"),
                "{} [{profile}]: {}",
                fx.name,
                run.stderr
            );
            let fixed = read_all(fx, tmp.path());

            // 1. Only image strings changed, each to its entry's fix; fully-qualified names
            //    (fix null) untouched.
            for (k, file) in before["files"].as_array().unwrap().iter().enumerate() {
                let images = file["images"].as_array().unwrap();
                only_images_changed(&original[k], &fixed[k], images)
                    .unwrap_or_else(|e| panic!("{} [{profile}] {}: {e}", fx.name, fx.files[k]));
            }

            // 2. The fixed manifests rescan clean: no short name left, and every remaining
            //    error is one that has no fix (kubelet/API refusals, broken documents).
            let after = scan_fixture(fx, profile, tmp.path()).json();
            assert_eq!(
                after["summary"]["short_names"], 0,
                "{} [{profile}]",
                fx.name
            );
            let unfixable = before["files"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|f| f["images"].as_array().unwrap())
                .filter(|i| i["outcome"] == "error" && i["fix"].is_null())
                .count()
                + before["files"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|f| f["documents"].as_array().unwrap())
                    .filter(|d| !d["error"].is_null())
                    .count();
            assert_eq!(
                after["summary"]["errors"].as_u64().unwrap() as usize,
                unfixable,
                "{} [{profile}]",
                fx.name
            );
            assert_eq!(after["summary"]["images"], before["summary"]["images"]);
            // The --fix run reports the files as they now stand.
            assert_eq!(run.json()["summary"], after["summary"]);
            assert_eq!(run.code, i32::from(unfixable > 0));

            // 3. A second --fix changes nothing.
            let again = shortnames(tmp.path(), &args);
            assert_eq!(again.code, run.code);
            assert_eq!(read_all(fx, tmp.path()), fixed, "{} [{profile}]", fx.name);
            checked += 1;
        }
    }
    assert!(checked >= 4 * 19);
}

#[test]
fn dry_run_prints_a_unified_diff_and_changes_nothing() {
    let fx = fixtures()
        .into_iter()
        .find(|f| f.name == "syn-yaml-styles")
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    copy_fixture(&fx, tmp.path());
    let original = read_all(&fx, tmp.path());
    let run = shortnames(
        tmp.path(),
        &[
            "scan",
            "--node-profile",
            "crio-default",
            "--fix",
            "--dry-run",
            "manifests/styles.yaml",
        ],
    );
    assert_eq!(read_all(&fx, tmp.path()), original);
    let diff = String::from_utf8(run.stdout).unwrap();
    assert!(diff.starts_with("--- a/manifests/styles.yaml\n+++ b/manifests/styles.yaml\n@@ -11,"));
    assert!(diff.contains("\n-        image: redis:7.4 # trailing comment is not part of the value\n+        image: docker.io/library/redis:7.4 # trailing comment is not part of the value\n"));
    assert!(diff.contains(
        "\n-        image: 'memcached:1.6'\n+        image: 'docker.io/library/memcached:1.6'\n"
    ));
    assert!(diff.contains("\n-          mariadb:11.4\n+          docker.io/library/mariadb:11.4\n"));
    // The anchored scalar is rewritten once, at the anchor; the alias stays an alias.
    assert!(diff.contains("\n+        image: &toolsImage docker.io/alpine/git:2.47.1\n"));
    assert!(!diff.contains("*toolsImage\n+"));
    assert!(diff.contains("\n+        image: !!str docker.io/curlimages/curl:8.11.0\n"));
    // Fully-qualified names are context at most.
    assert!(!diff.contains("-   {\"name\": \"b\""));
    let added = diff
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .count();
    assert_eq!(added, 9, "{diff}");
    // Exit status: errors remain after the would-be fix? Here none.
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("would fix 9 image(s) in 1 file(s)"));
}

#[test]
fn fix_refuses_stdin_without_dry_run() {
    let tmp = tempfile::tempdir().unwrap();
    let run = shortnames(tmp.path(), &["scan", "--fix", "-"]);
    assert_eq!(run.code, 2);
    let run = scan_support::shortnames_with_stdin(
        tmp.path(),
        &[
            "scan",
            "--node-profile",
            "kubeadm-ubuntu",
            "--fix",
            "--dry-run",
            "-",
        ],
        Some(b"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: nginx\n"),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        String::from_utf8(run.stdout).unwrap(),
        "--- a/-\n+++ b/-\n@@ -2,4 +2,4 @@\n kind: Pod\n spec:\n   containers:\n-  - image: nginx\n+  - image: docker.io/library/nginx\n"
    );
}

fn name_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        // Short names.
        "[a-z]{1,8}(/[a-z]{1,8}){0,2}(:[a-z0-9][a-z0-9.]{0,5})?",
        // Fully-qualified names.
        "(quay\\.io|docker\\.io|localhost:5000|registry\\.k8s\\.io)/[a-z]{1,8}(:[a-z0-9]{1,4})?",
    ]
}

fn quote(name: &str, style: u8) -> String {
    match style % 4 {
        0 => name.to_owned(),
        1 => format!("'{name}'"),
        2 => format!("\"{name}\""),
        _ => format!(">-\n      {name}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Fixing is idempotent and never changes a fully-qualified name.
    #[test]
    fn fix_is_idempotent_and_leaves_qualified_names(
        images in prop::collection::vec((name_strategy(), 0u8..4, any::<bool>()), 1..8),
        profile in prop::sample::select(vec!["crio-default", "openshift", "kubeadm-ubuntu", "kubeadm-ubuntu-2025-09"]),
    ) {
        let node = NodeProfile::builtin(profile).unwrap().unwrap();
        let mut text = String::from("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n");
        for (i, (name, style, comment)) in images.iter().enumerate() {
            text.push_str(&format!("  - name: c{i}\n    image: {}", quote(name, *style)));
            text.push_str(if *comment && style % 4 != 3 { "  # note\n" } else { "\n" });
        }
        let report = node.scan_bytes("p.yaml", text.as_bytes());
        prop_assert_eq!(report.images.len(), images.len());
        let once = fix::apply(text.as_bytes(), &report);
        prop_assert!(once.skipped.is_empty(), "{:?}", once.skipped);
        let fixed = String::from_utf8(once.fixed.clone()).unwrap();
        for (name, _, _) in &images {
            if !shortnames::is_short_name(name) {
                prop_assert!(fixed.contains(name.as_str()));
            }
        }
        let rescanned = node.scan_bytes("p.yaml", &once.fixed);
        for (before, after) in report.images.iter().zip(&rescanned.images) {
            match &before.verdict.fix {
                Some(f) => prop_assert_eq!(after.image.as_str(), Some(f.as_str())),
                None => prop_assert_eq!(&after.image, &before.image),
            }
            // Short names are gone (values YAML reads as non-strings, e.g. `yes`, stay).
            prop_assert_ne!(after.verdict.short_name, Some(true));
        }
        let twice = fix::apply(&once.fixed, &rescanned);
        prop_assert!(!twice.changed());
        prop_assert_eq!(twice.fixed, once.fixed);
    }
}
