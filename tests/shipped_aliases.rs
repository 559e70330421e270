//! The shipped alias table (`aliases/`): it is embedded verbatim, it is a valid alias-only
//! drop-in, it holds only Red Hat images, it covers every Red Hat entry of the
//! containers/shortnames table, and every value matches its key's intent (lint below).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use shortnames::config::{BUILTIN_DROP_INS, BUILTIN_SEARCH_REGISTRIES};
use shortnames::{Config, ConfigSources};

const RED_HAT_REGISTRIES: [&str; 2] = ["registry.access.redhat.com", "registry.redhat.io"];

fn aliases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("aliases")
}

/// Loads one drop-in's aliases through the real configuration loader, as the first drop-in
/// under an empty registries.conf (how the built-in table is layered), after checking that
/// the file holds nothing but the `aliases` table. Values come back normalised (`""` for a
/// tombstone).
fn load_as_drop_in(name: &str, contents: &str) -> Result<BTreeMap<String, String>, String> {
    let doc: toml::Table = contents
        .parse()
        .map_err(|e| format!("{name}: not valid TOML: {e}"))?;
    let keys: Vec<&String> = doc.keys().collect();
    if keys != ["aliases"] {
        return Err(format!(
            "{name}: top-level keys must be exactly [aliases], got {keys:?}"
        ));
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let main = dir.path().join("registries.conf");
    std::fs::write(&main, "").map_err(|e| e.to_string())?;
    let sources = ConfigSources::new()
        .registries_conf(&main)
        .registries_conf_d(dir.path().join("registries.conf.d"))
        .prepend_drop_in(name, contents);
    let config = Config::load(&sources).map_err(|e| e.located().to_string())?;
    Ok(config
        .aliases()
        .map(|a| {
            assert_eq!(a.origin, name);
            let value = a.value.map_or(String::new(), |r| r.as_str().to_owned());
            (a.name.to_owned(), value)
        })
        .collect())
}

fn shipped() -> BTreeMap<String, String> {
    let (name, contents) = BUILTIN_DROP_INS[0];
    load_as_drop_in(name, contents).unwrap()
}

#[test]
fn every_file_in_aliases_dir_is_embedded_verbatim_in_order() {
    let mut on_disk: Vec<(String, String)> = std::fs::read_dir(aliases_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "conf"))
        .map(|p| {
            let name = p.file_name().unwrap().to_str().unwrap().to_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    on_disk.sort();
    let embedded: Vec<(String, String)> = BUILTIN_DROP_INS
        .iter()
        .map(|(n, c)| (n.to_string(), c.to_string()))
        .collect();
    assert_eq!(embedded, on_disk);
    assert_eq!(
        BUILTIN_SEARCH_REGISTRIES,
        ["registry.access.redhat.com", "docker.io"]
    );
}

#[test]
fn shipped_file_sorts_between_distribution_tables_and_openshift_drop_in() {
    let (name, _) = BUILTIN_DROP_INS[0];
    for earlier in [
        "000-shortnames.conf",
        "001-rhel-shortnames.conf",
        "002-rhel-shortnames-overrides.conf",
    ] {
        assert!(earlier.as_bytes() < name.as_bytes(), "{earlier} vs {name}");
    }
    assert!(name.as_bytes() < "01-image-searchRegistries.conf".as_bytes());
}

#[test]
fn shipped_file_is_a_valid_alias_only_drop_in() {
    for (name, contents) in BUILTIN_DROP_INS {
        let aliases = load_as_drop_in(name, contents).unwrap();
        assert!(aliases.len() >= 49, "{name}: {} aliases", aliases.len());
        for (k, v) in &aliases {
            assert!(
                !v.is_empty(),
                "{name}: {k} is a tombstone; the shipped table only adds"
            );
        }
        // Every entry line quotes its key (so `rhel7.9` is one key, not a dotted key).
        for line in contents.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') || line == "[aliases]" {
                continue;
            }
            assert!(line.starts_with('"'), "{name}: unquoted key in {line:?}");
        }
    }
}

#[test]
fn loader_used_by_these_tests_rejects_bad_drop_ins() {
    // Guards the test helper itself: a broken table must not pass.
    assert!(load_as_drop_in("x.conf", "[aliases]\n\"a\" = \"b\"\n").is_err());
    assert!(load_as_drop_in("x.conf", "[aliases]\n\"quay.io/a\" = \"quay.io/a\"\n").is_err());
    assert!(load_as_drop_in("x.conf", "short-name-mode = \"enforcing\"\n[aliases]\n").is_err());
    assert!(load_as_drop_in("x.conf", "[aliases\n").is_err());
    assert!(load_as_drop_in("x.conf", "[aliases]\n\"a\" = \"quay.io/a\"\n").is_ok());
}

#[test]
fn shipped_values_are_all_on_red_hat_registries() {
    for (k, v) in shipped() {
        let host = v.split('/').next().unwrap();
        assert!(RED_HAT_REGISTRIES.contains(&host), "{k} = {v}");
    }
}

#[test]
fn known_aliases_resolve_to_red_hat() {
    let s = shipped();
    assert_eq!(s["ubi9"], "registry.access.redhat.com/ubi9");
    assert_eq!(
        s["ubi8/ubi-minimal"],
        "registry.access.redhat.com/ubi8-minimal"
    );
    assert_eq!(s["rhel9-bootc"], "registry.redhat.io/rhel9/rhel-bootc");
    assert_eq!(
        s["rhel7/rhel-atomic"],
        "registry.access.redhat.com/rhel7/rhel-atomic"
    );
}

/// Values of upstream entries that the shipped table deliberately changes:
/// (key, upstream value, shipped value). The reasons are in the shipped file's comments.
const FIXES: &[(&str, &str, &str)] = &[(
    "rhel7/rhel-atomic",
    "registry.access.redhat.com/rhel7/rhel7/rhel-atomic",
    "registry.access.redhat.com/rhel7/rhel-atomic",
)];

/// Every Red Hat entry of the upstream containers/shortnames table is shipped, with the same
/// value or a reviewed fix, and nothing else is. Reads the copy in `../shared/data` (beside
/// the repository, as in CI); skipped with a note when it is absent.
#[test]
fn shipped_table_covers_the_upstream_red_hat_entries_exactly() {
    let upstream_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/containers-shortnames.conf");
    let Ok(text) = std::fs::read_to_string(&upstream_path) else {
        eprintln!("skipped: {} not found", upstream_path.display());
        return;
    };
    let upstream: toml::Table = text.parse().unwrap();
    let upstream_rh: BTreeMap<String, String> = upstream["aliases"]
        .as_table()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .filter(|(_, v)| RED_HAT_REGISTRIES.contains(&v.split('/').next().unwrap()))
        .collect();
    // The lint finds exactly the entries this table fixes.
    let flagged: Vec<&str> = upstream_rh
        .iter()
        .filter(|(k, v)| !lint(k, v).is_empty())
        .map(|(k, _)| k.as_str())
        .collect();
    let fixed: Vec<&str> = FIXES.iter().map(|(k, _, _)| *k).collect();
    assert_eq!(flagged, fixed);
    let mut expected = upstream_rh.clone();
    for (k, from, to) in FIXES {
        assert_eq!(
            upstream_rh.get(*k).map(String::as_str),
            Some(*from),
            "fix for {k} is stale"
        );
        expected.insert(k.to_string(), to.to_string());
    }
    assert_eq!(shipped(), expected);
}

// ---------------------------------------------------------------------------------------
// Lint: does each value match its key's intent?
//
// Rule. Compare the key with the value's repository path (the value without its registry)
// after folding both with `canon`:
//   * `<family><version>/<family><rest>` → `<family><version><rest>` (Red Hat publishes the
//     same image as `ubi8/ubi-minimal` and `ubi8-minimal`, `rhel9/rhel-bootc` for `rhel9-bootc`,
//     `ubi8/ubi` for `ubi8`), where <family> is letters and <version> digits/dots;
//   * nothing else (no prefix/suffix games: a real mismatch should be looked at by a person).
// The key passes when canon(key) == canon(path). On top of that, a path must never repeat a
// component twice in a row (`rhel7/rhel7/...`), whatever its key.
// Keys that deliberately point elsewhere are listed in REVIEWED with their exact value, so
// changing such a value is flagged again.

/// Reviewed exceptions: (key, exact value, why).
const REVIEWED: &[(&str, &str, &str)] = &[
    (
        "rhel8",
        "registry.access.redhat.com/ubi8",
        "RHEL 8 base image is published as UBI 8",
    ),
    (
        "rhel8-init",
        "registry.access.redhat.com/ubi8-init",
        "as rhel8",
    ),
    (
        "rhel8-minimal",
        "registry.access.redhat.com/ubi8-minimal",
        "as rhel8",
    ),
    (
        "rhel8-micro",
        "registry.access.redhat.com/ubi8-micro",
        "as rhel8",
    ),
    (
        "rhel9",
        "registry.access.redhat.com/ubi9",
        "RHEL 9 base image is published as UBI 9",
    ),
    (
        "rhel9-init",
        "registry.access.redhat.com/ubi9-init",
        "as rhel9",
    ),
    (
        "rhel9-minimal",
        "registry.access.redhat.com/ubi9-minimal",
        "as rhel9",
    ),
    (
        "rhel9-micro",
        "registry.access.redhat.com/ubi9-micro",
        "as rhel9",
    ),
];

/// Splits `ubi8` into (`ubi`, `8`); `None` unless letters followed by a digit/dot version.
fn family_version(component: &str) -> Option<(&str, &str)> {
    let split = component.find(|c: char| c.is_ascii_digit())?;
    let (family, version) = component.split_at(split);
    let ok = !family.is_empty()
        && family.chars().all(|c| c.is_ascii_lowercase())
        && version.chars().all(|c| c.is_ascii_digit() || c == '.');
    ok.then_some((family, version))
}

fn canon(path: &str) -> String {
    let mut parts = path.splitn(3, '/');
    let first = parts.next().unwrap_or_default();
    let (Some(second), rest) = (parts.next(), parts.next()) else {
        return path.to_owned();
    };
    match family_version(first) {
        Some((family, _)) if second.starts_with(family) => {
            let folded = format!("{first}{}", &second[family.len()..]);
            match rest {
                Some(rest) => format!("{folded}/{rest}"),
                None => folded,
            }
        }
        _ => path.to_owned(),
    }
}

/// The lint's complaints for one entry (empty = fine).
fn lint(key: &str, value: &str) -> Vec<String> {
    let mut complaints = Vec::new();
    let path = value.split_once('/').map_or("", |(_, p)| p);
    let components: Vec<&str> = path.split('/').collect();
    if components.windows(2).any(|w| w[0] == w[1]) {
        complaints.push(format!("{key} = {value}: doubled path component"));
    }
    let reviewed = REVIEWED.iter().any(|(k, v, _)| *k == key && *v == value);
    if !reviewed && canon(key) != canon(path) {
        complaints.push(format!(
            "{key} = {value}: key does not match the repository ({} vs {})",
            canon(key),
            canon(path)
        ));
    }
    complaints
}

#[test]
fn lint_canonical_forms() {
    assert_eq!(canon("ubi8/ubi-minimal"), "ubi8-minimal");
    assert_eq!(canon("ubi8/ubi"), "ubi8");
    assert_eq!(canon("rhel9/rhel-bootc"), "rhel9-bootc");
    assert_eq!(canon("rhel7.9"), "rhel7.9");
    assert_eq!(canon("ubi9/podman"), "ubi9/podman");
    assert_eq!(canon("rhel-atomic"), "rhel-atomic");
    assert_eq!(canon("rhel7/rhel7/rhel-atomic"), "rhel77/rhel-atomic");
}

#[test]
fn lint_flags_the_upstream_doubled_segment_and_real_mismatches() {
    let bad = lint(
        "rhel7/rhel-atomic",
        "registry.access.redhat.com/rhel7/rhel7/rhel-atomic",
    );
    assert_eq!(bad.len(), 2, "{bad:?}");
    assert!(bad[0].contains("doubled path component"));
    assert!(!lint("ubi9", "registry.access.redhat.com/ubi8").is_empty());
    assert!(!lint("ubi9/podman", "registry.access.redhat.com/ubi9/buildah").is_empty());
    assert!(!lint("rhel8", "registry.access.redhat.com/ubi9").is_empty()); // not the reviewed value
    assert!(!lint("ubi9-minimal", "registry.access.redhat.com/ubi9/ubi-micro").is_empty());
    assert!(lint(
        "ubi9/ubi-minimal",
        "registry.access.redhat.com/ubi9-minimal"
    )
    .is_empty());
    assert!(lint("rhel9-bootc", "registry.redhat.io/rhel9/rhel-bootc").is_empty());
}

#[test]
fn lint_passes_on_every_shipped_entry() {
    let complaints: Vec<String> = shipped().iter().flat_map(|(k, v)| lint(k, v)).collect();
    assert!(complaints.is_empty(), "{}", complaints.join("\n"));
    // Every reviewed exception is still in use (no stale exceptions).
    let s = shipped();
    for (k, v, _) in REVIEWED {
        assert_eq!(
            s.get(*k).map(String::as_str),
            Some(*v),
            "stale exception {k}"
        );
    }
}

/// The built-in table layered under a configuration that searches docker.io first still
/// sends `ubi9` (with a tag) to Red Hat only: the point of shipping it.
#[test]
fn built_in_table_pins_ubi9_to_red_hat_through_the_resolver() {
    let dir = tempfile::tempdir().unwrap();
    let main = dir.path().join("registries.conf");
    std::fs::write(&main, "unqualified-search-registries = [\"docker.io\"]\n").unwrap();
    let mut sources = ConfigSources::new()
        .registries_conf(&main)
        .registries_conf_d(dir.path().join("registries.conf.d"));
    for (name, contents) in BUILTIN_DROP_INS {
        sources = sources.prepend_drop_in(*name, *contents);
    }
    let resolver = shortnames::Resolver::new(&sources);
    let resolution = resolver.resolve("ubi9:9.4").unwrap();
    let refs: Vec<&str> = resolution
        .candidates
        .iter()
        .map(|c| c.reference.as_str())
        .collect();
    assert_eq!(refs, ["registry.access.redhat.com/ubi9:9.4"]);
    assert_eq!(resolution.origin, Some("005-openshift-shortnames.conf"));
}
