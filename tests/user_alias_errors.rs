//! One reader of the user alias file: `resolve`, `alias list`, `check` and `explain` report the
//! same error kind and message for the same broken file — planted files through the CLI, and
//! every conformance case through the library.

mod common;

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use shortnames::diagnostics::{check, CheckOptions};
use shortnames::diagnostics::{explain, ExplainOptions};
use shortnames::{ConfigSources, Resolver};

/// `(kind, message)` of the user-alias error each command reports, in the order resolve,
/// alias list, check, explain.
fn cli_errors(dir: &Path) -> Vec<(String, String)> {
    let run = |args: &[&str]| -> Value {
        let out = Command::new(env!("CARGO_BIN_EXE_shortnames"))
            .current_dir(dir)
            .args(args)
            .args([
                "--registries-conf",
                "registries.conf",
                "--registries-conf-d",
                "registries.conf.d",
                "--user-aliases",
                "user-aliases.conf",
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stderr)))
    };
    let pair = |v: &Value, what: &str| -> (String, String) {
        let kind = v["kind"].as_str().or(v["code"].as_str());
        match (kind, v["message"].as_str()) {
            (Some(k), Some(m)) => (k.to_owned(), m.to_owned()),
            _ => panic!("{what}: no error in {v:#}"),
        }
    };
    let resolve = run(&["resolve", "app"]);
    let list = run(&["alias", "list"]);
    let checked = run(&["check"]);
    let explained = run(&["explain", "app"]);
    let diagnostics: Vec<&Value> = checked["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["file"].as_str() == Some("user-aliases.conf"))
        .collect();
    assert_eq!(diagnostics.len(), 1, "check: {checked:#}");
    vec![
        pair(&resolve["lookups"][0]["error"], "resolve"),
        pair(&list["user_aliases_error"], "alias list"),
        pair(diagnostics[0], "check"),
        pair(&explained["error"], "explain"),
    ]
}

#[test]
fn planted_broken_user_alias_files_give_one_error_everywhere() {
    let many: String = std::iter::once("[aliases]\n".to_owned())
        .chain((0..100_001).map(|i| format!("\"a{i}\" = \"quay.io/a\"\n")))
        .collect();
    let planted: [(&str, Vec<u8>, &str, &str); 4] = [
        (
            "non-UTF-8",
            b"[aliases]\n\"app\" = \"quay.io/app\xff\"\n".to_vec(),
            "invalid-user-aliases/toml",
            "invalid UTF-8 byte: 0xff (at byte 30)",
        ),
        (
            "over the entry limit",
            many.into_bytes(),
            "limit/too-many-aliases",
            "[aliases] has 100001 entries, more than the limit of 100000",
        ),
        (
            "bad TOML",
            b"[aliases]\n\"app\" = \n".to_vec(),
            "invalid-user-aliases/toml",
            ": toml: ",
        ),
        (
            "bad alias",
            b"[aliases]\n\"app\" = \"app\"\n\"quay.io/x\" = \"quay.io/x\"\n".to_vec(),
            "invalid-user-aliases/bad-alias",
            "invalid alias \"app\": must contain registry and repository\n: invalid short name \"quay.io/x\": must not contain registry",
        ),
    ];
    for (what, bytes, kind, needle) in planted {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("registries.conf"),
            "unqualified-search-registries = [\"quay.io\"]\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("user-aliases.conf"), bytes).unwrap();
        let errors = cli_errors(dir.path());
        let (k, m) = &errors[0];
        assert_eq!(k, kind, "{what}: {errors:#?}");
        assert!(
            m.starts_with("loading short-name aliases config file \"user-aliases.conf\": ")
                && m.contains(needle),
            "{what}: {m}"
        );
        for e in &errors[1..] {
            assert_eq!(e, &errors[0], "{what}: resolve, alias list, check, explain");
        }
    }
}

/// Every corpus case with a user alias file: the resolver's short-name lookups, the alias
/// cache listing, `check` and `explain` agree on whether it loads and on its error.
#[test]
fn corpus_user_alias_files_give_one_answer_everywhere() {
    let mut cases = 0;
    let mut broken = 0;
    for case in common::cases() {
        let file = case.join("user-aliases.conf");
        if !file.exists() {
            continue;
        }
        cases += 1;
        let mut sources = ConfigSources::new()
            .fs_root(&case)
            .registries_conf_d("registries.conf.d")
            .user_aliases("user-aliases.conf");
        if case.join("registries.conf").exists() {
            sources = sources.registries_conf("registries.conf");
        }
        let resolver = Resolver::new(&sources);
        // A short name no file defines: it consults the user alias file first.
        let name = "shortnames-probe";
        let resolved = resolver
            .resolve(name)
            .err()
            .filter(|e| {
                e.kind().as_str().contains("user-aliases")
                    || e.kind().as_str() == "limit/too-many-aliases"
            })
            .map(|e| (e.kind().as_str(), e.message().to_owned()));
        let listed = shortnames::alias_cache::AliasCache::new(&file)
            .list()
            .err()
            .map(|e| {
                (
                    e.kind().as_str(),
                    e.message()
                        .replace(&*file.to_string_lossy(), "user-aliases.conf"),
                )
            });
        let report = check(&sources, &CheckOptions::default());
        let checked: Vec<(String, String)> = report
            .findings
            .iter()
            .filter(|d| {
                d.file.as_deref() == Some("user-aliases.conf") && d.level.to_string() == "error"
            })
            .map(|d| (d.kind.clone(), d.message.clone()))
            .collect();
        let explained = explain(&sources, name, &ExplainOptions::default())
            .error
            .filter(|e| {
                e.kind().as_str().contains("user-aliases")
                    || e.kind().as_str() == "limit/too-many-aliases"
            })
            .map(|e| (e.kind().as_str(), e.message().to_owned()));
        let at = case.display();
        assert_eq!(listed, resolved, "{at}: alias list vs resolve");
        assert_eq!(explained, resolved, "{at}: explain vs resolve");
        assert_eq!(
            checked,
            resolved.iter().cloned().collect::<Vec<_>>(),
            "{at}: check vs resolve"
        );
        broken += usize::from(resolved.is_some());
    }
    assert!(cases >= 40, "{cases}");
    assert!(broken >= 5, "{broken}");
}
