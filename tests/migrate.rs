//! `migrate`: every version-1 file of the conformance corpora converts to a version-2 file
//! that gives the same answers (resolving the case's names through both files), loads under
//! v5.40, and needs no further migration; files that do not load are refused with the
//! loader's own error.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use shortnames::config::{Compat, Migration};
use shortnames::{report, ConfigSources, Resolver};

fn is_v1(text: &str) -> bool {
    text.lines()
        .any(|l| l.trim_start().starts_with("[registries.") || l.trim() == "[registries]")
}

/// Every file of both corpora with version-1 tables, with the names its case looks up.
fn v1_files() -> Vec<(PathBuf, Vec<String>)> {
    let mut out = Vec::new();
    for case in common::cases() {
        let names = common::names(&common::expected(&case));
        let mut files = vec![case.join("registries.conf")];
        if let Ok(d) = fs::read_dir(case.join("registries.conf.d")) {
            files.extend(d.map(|e| e.unwrap().path()));
        }
        for f in files {
            if fs::read_to_string(&f).is_ok_and(|t| is_v1(&t)) {
                out.push((f, names.clone()));
            }
        }
    }
    let disc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance-discovery/cases");
    assert!(disc.is_dir(), "missing {}", disc.display());
    let mut stack = vec![disc.clone()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "conf")
                && fs::read_to_string(&p).is_ok_and(|t| is_v1(&t))
            {
                let case = p.strip_prefix(&disc).unwrap().components().next().unwrap();
                let names = fs::read_to_string(disc.join(case).join("names.txt")).unwrap();
                out.push((p, names.lines().map(str::to_owned).collect()));
            }
        }
    }
    out.sort();
    out
}

/// The document for `names` with `file` as the only configuration file, its path replaced.
fn answers(file: &Path, empty_dir: &Path, names: &[String], compat: Compat) -> Value {
    let sources = ConfigSources::new()
        .registries_conf(file)
        .registries_conf_d(empty_dir)
        .compat(compat);
    let doc = report::document(&Resolver::new(&sources), names);
    let text = serde_json::to_string(&doc).unwrap();
    serde_json::from_str(&text.replace(file.to_str().unwrap(), "<main>")).unwrap()
}

#[test]
fn every_v1_file_of_the_corpora_round_trips() {
    let files = v1_files();
    assert!(
        files.len() >= 20,
        "only {} version-1 files found",
        files.len()
    );
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty.d");
    let (mut converted, mut refused) = (0, 0);
    for (i, (file, names)) in files.iter().enumerate() {
        let text = fs::read_to_string(file).unwrap();
        let shown = file.to_str().unwrap();
        let before = answers(file, &empty, names, Compat::V5_23);
        match Migration::from_text(&text, shown) {
            Err(e) => {
                // Refused exactly when the file does not load today, with the loader's error.
                assert_eq!(
                    before["config_error"]["message"],
                    e.message().replace(shown, "<main>"),
                    "{shown}: migrate refused a file that loads"
                );
                refused += 1;
            }
            Ok(m) => {
                assert!(
                    before["config_error"].is_null(),
                    "{shown}: converted a broken file"
                );
                assert!(m.needed, "{shown}");
                assert!(!is_v1(&m.text), "{shown}:\n{}", m.text);
                let out = tmp.path().join(format!("{i}.conf"));
                fs::write(&out, &m.text).unwrap();
                let after = answers(&out, &empty, names, Compat::V5_23);
                assert_eq!(
                    after, before,
                    "{shown}: answers differ after migration:\n{}",
                    m.text
                );
                let v540 = answers(&out, &empty, names, Compat::V5_40);
                assert!(
                    v540["config_error"].is_null(),
                    "{shown}: {}",
                    v540["config_error"]
                );
                // v5.40 attributes the search list only to a file that sets it.
                let mut want = before["config"].clone();
                if want["unqualified_search_registries"] == serde_json::json!([]) {
                    want["search_registries_origin"] = "".into();
                }
                assert_eq!(v540["config"], want, "{shown}");
                let again = Migration::from_text(&m.text, shown).unwrap();
                assert!(!again.needed);
                assert_eq!(again.text, m.text);
                converted += 1;
            }
        }
    }
    eprintln!("migrate: {converted} version-1 files converted, {refused} refused (do not load)");
    assert!(
        converted >= 10 && refused >= 3,
        "{converted} converted, {refused} refused"
    );
}

#[test]
fn comments_and_other_keys_are_kept() {
    let v1 = "# Site configuration (managed by hand)\n\
              credential-helpers = []\n\
              \n\
              # Where short names go.\n\
              [registries.search]\n\
              registries = ['quay.io', \"docker.io\"]  # order matters\n\
              \n\
              # Never from here.\n\
              [registries.block]\n\
              registries = [\"evil.example.com\"]\n";
    let m = Migration::from_text(v1, "r.conf").unwrap();
    assert!(m.needed);
    for kept in [
        "# Site configuration (managed by hand)",
        "credential-helpers = []",
        "# Where short names go.",
        "# Never from here.",
    ] {
        assert!(m.text.contains(kept), "{kept:?} lost:\n{}", m.text);
    }
    assert!(m
        .text
        .contains("unqualified-search-registries = [\"quay.io\", \"docker.io\"]"));
    assert!(m
        .text
        .contains("[[registry]]\nlocation = \"evil.example.com\"\nblocked = true"));
}

#[test]
fn a_version_2_file_is_left_alone() {
    let v2 = "# x\nunqualified-search-registries = [\"quay.io\"]\n";
    let m = Migration::from_text(v2, "r.conf").unwrap();
    assert!(!m.needed);
    assert_eq!(m.text, v2);
    // Empty version-1 lists load as version 2 in v5.23 but v5.40 refuses them.
    let m = Migration::from_text("[registries.search]\nregistries = []\n", "r.conf").unwrap();
    assert!(m.needed);
    assert_eq!(m.text.trim(), "");
}

#[test]
fn cli_check_and_convert() {
    let tmp = tempfile::tempdir().unwrap();
    let v1 = tmp.path().join("v1.conf");
    let v2 = tmp.path().join("v2.conf");
    fs::write(
        &v1,
        "[registries.insecure]\nregistries = [\"10.0.0.1:5000\"]\n",
    )
    .unwrap();
    fs::write(
        &v2,
        "[[registry]]\nlocation = \"10.0.0.1:5000\"\ninsecure = true\n",
    )
    .unwrap();
    let run = |args: &[&Path]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_shortnames"));
        c.arg("migrate").args(args);
        c.output().unwrap()
    };
    let check = Path::new("--check");
    assert_eq!(run(&[check, &v1]).status.code(), Some(1));
    assert_eq!(run(&[check, &v2]).status.code(), Some(0));
    let out = run(&[&v1]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        fs::read_to_string(&v2).unwrap()
    );
    fs::write(
        &v1,
        "[registries.search]\nregistries = [\"quay.io\"]\n[[registry]]\nlocation = \"x.io\"\n",
    )
    .unwrap();
    // A file that cannot be converted is a broken configuration: exit status 1 (#17).
    let out = run(&[&v1]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("mixing sysregistry v1/v2"));
}
