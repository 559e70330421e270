//! The hardened profile over the conformance corpus: every lookup whose answer changes is
//! explained by one of the profile's deliberate differences — a host with a port or upper case
//! (port-less prefixes and case-insensitive hosts), a name the user alias file defines (system
//! alias tables are authoritative, so the user alias file no longer matters for those names),
//! a wildcard suffix that occurs twice in a host (any occurrence matches), a blocked entry (its own prefix is refused) — and nothing
//! else changes. The default profile itself is pinned by tests/conformance.rs.

mod common;

use serde_json::Value;
use shortnames::{report, ConfigSources, Profile, Resolver};

fn host(reference: &str) -> &str {
    match reference.split_once('/') {
        Some((h, _)) if h.contains(['.', ':']) || h == "localhost" => h,
        Some(_) | None => "",
    }
}

fn odd_host(reference: &str) -> bool {
    let h = host(reference);
    h.contains(':') || h.bytes().any(|b| b.is_ascii_uppercase())
}

fn user_alias_names(case: &std::path::Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(case.join("user-aliases.conf")) else {
        return Vec::new();
    };
    let Ok(doc) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    doc.get("aliases")
        .and_then(|a| a.as_table())
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default()
}

fn explained(case: &std::path::Path, name: &str, compatible: &Value, hardened: &Value) -> bool {
    let refs = |l: &Value| -> Vec<String> {
        l["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["reference"].as_str().unwrap().to_owned())
            .collect()
    };
    if odd_host(name)
        || refs(compatible)
            .iter()
            .chain(&refs(hardened))
            .any(|r| odd_host(r))
    {
        return true;
    }
    let short = name.split(['@']).next().unwrap_or(name);
    let short = match short.rsplit_once(':') {
        Some((n, tag)) if !tag.contains('/') => n,
        _ => short,
    };
    // System aliases decide the names they define, so the user alias file (even a broken one)
    // no longer matters for them.
    let user_file_error = compatible["error"]["kind"]
        .as_str()
        .is_some_and(|k| k.starts_with("invalid-user-aliases/"));
    if user_file_error || user_alias_names(case).iter().any(|n| n == short) {
        return true;
    }
    // A wildcard matches any occurrence of its suffix, not only the first.
    let repeated_wildcard = hardened["candidates"].as_array().unwrap().iter().any(|c| {
        let suffix = c["registry"].as_str().and_then(|p| p.strip_prefix('*'));
        let reference = c["reference"].as_str().unwrap_or_default();
        suffix.is_some_and(|d| host(reference).matches(d).count() > 1)
    });
    if repeated_wildcard {
        return true;
    }
    // Mirrors and wildcard sources can lie under a blocked entry too.
    compatible["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["blocked"] == true)
}

#[test]
fn hardened_changes_only_the_known_holes() {
    let mut changed = 0;
    let mut unexplained = Vec::new();
    for case in common::passing_cases() {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let mut s = ConfigSources::new()
            .fs_root(&case)
            .registries_conf_d("registries.conf.d")
            .user_aliases("user-aliases.conf");
        if case.join("registries.conf").exists() {
            s = s.registries_conf("registries.conf");
        }
        let names = common::names(&common::expected(&case));
        let compatible = report::document(&Resolver::new(&s), &names);
        let hardened = report::document(
            &Resolver::new(&s.clone().profile(Profile::Hardened)),
            &names,
        );
        // The hardened profile refuses unknown keys, which the reference ignores (x-* cases
        // hold keys v5.23.1 does not know).
        if compatible["config_error"].is_null()
            && hardened["config_error"]["kind"] == "invalid-config/unknown-key"
        {
            changed += 1;
            continue;
        }
        assert_eq!(
            compatible["config_error"], hardened["config_error"],
            "{name}"
        );
        assert_eq!(compatible["config"], hardened["config"], "{name}");
        let (c, h) = (
            compatible["lookups"].as_array().unwrap(),
            hardened["lookups"].as_array().unwrap(),
        );
        for ((n, cl), hl) in names.iter().zip(c).zip(h) {
            if cl == hl {
                continue;
            }
            changed += 1;
            if !explained(&case, n, cl, hl) {
                unexplained.push(format!(
                    "{name}: {n:?}: {}",
                    common::compare("", hl, cl).err().unwrap_or_default()
                ));
            }
        }
    }
    eprintln!("the hardened profile changes {changed} corpus lookups");
    assert!(changed > 20, "{changed}");
    assert!(unexplained.is_empty(), "{}", unexplained.join("\n"));
}
