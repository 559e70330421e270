//! Property: on any configuration assembled from valid and broken pieces, the collect-all
//! validation of `check` agrees with the default (first-error) load: the load's error is
//! among `check`'s errors, at the same place, and a configuration that loads has no load
//! errors in `check`.

use proptest::prelude::*;
use shortnames::diagnostics::{check, CheckOptions};
use shortnames::{Config, ConfigSources};

const TOP: &[&str] = &[
    "unqualified-search-registries = [\"quay.io\", \"docker.io\"]\n",
    "unqualified-search-registries = [\"https://quay.io\"]\n",
    "unqualified-search-registries = [\"quay.io/ns\"]\n",
    "short-name-mode = \"enforcing\"\n",
    "short-name-mode = \"prompt\"\n",
    "credential-helpers = [\"secretservice\"]\n",
    "unknown-top = 1\n",
];

const REGISTRIES: &[&str] = &[
    "[[registry]]\nlocation = \"quay.io\"\n",
    "[[registry]]\nlocation = \"quay.io\"\ninsecure = true\n",
    "[[registry]]\nprefix = \"example.com\"\nlocation = \"mirror.example.net\"\n",
    "[[registry]]\nprefix = \"example.com\"\n",
    "[[registry]]\ninsecure = true\n",
    "[[registry]]\nlocation = \"http://x.example.com\"\n",
    "[[registry]]\nprefix = \"*.example.org\"\n",
    "[[registry]]\nprefix = \"*.example.org/ns\"\nlocation = \"m.example.net\"\n",
    "[[registry]]\nlocation = \"docker.io\"\npull-from-mirror = \"all\"\n",
    "[[registry]]\nlocation = \"docker.io\"\nmirror-by-digest-only = true\n[[registry.mirror]]\nlocation = \"m.example.net\"\npull-from-mirror = \"tag-only\"\n",
    "[[registry]]\nlocation = \"gcr.io\"\n[[registry.mirror]]\nlocation = \"m.example.net\"\npull-from-mirror = \"bogus\"\n",
    "[[registry]]\nlocation = \"gcr.io\"\n[[registry.mirror]]\ninsecure = true\n",
    "[[registry]]\nprefix = \"a.example.com\"\nlocation = \"shared.example.net\"\nblocked = true\n",
    "[[registry]]\nprefix = \"b.example.com\"\nlocation = \"shared.example.net\"\n",
];

const ALIASES: &[&str] = &[
    "\"ok\" = \"quay.io/ok\"\n",
    "\"quay.io/bad\" = \"quay.io/bad\"\n",
    "\"tagged\" = \"quay.io/t:1\"\n",
    "\"short\" = \"noregistry\"\n",
    "\"gone\" = \"\"\n",
];

fn assemble(top: &[usize], regs: &[usize], aliases: &[usize]) -> String {
    let mut s = String::new();
    for &i in top {
        s.push_str(TOP[i]);
    }
    if !aliases.is_empty() {
        s.push_str("[aliases]\n");
        let mut seen = std::collections::BTreeSet::new();
        for &i in aliases {
            if seen.insert(i) {
                s.push_str(ALIASES[i]);
            }
        }
    }
    for &i in regs {
        s.push_str(REGISTRIES[i]);
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn collect_mode_agrees_with_the_default_load(
        top in proptest::sample::subsequence((0..TOP.len()).collect::<Vec<_>>(), 0..3),
        regs in proptest::collection::vec(0..REGISTRIES.len(), 0..5),
        aliases in proptest::collection::vec(0..ALIASES.len(), 0..4),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("registries.conf");
        std::fs::write(&conf, assemble(&top, &regs, &aliases)).unwrap();
        let sources = ConfigSources::new().registries_conf(&conf).registries_conf_d(dir.path().join("d"));
        let report = check(&sources, &CheckOptions::default());
        match Config::load(&sources) {
            Ok(_) => prop_assert!(
                !report.errors().any(|d| d.kind.starts_with("invalid-config/")),
                "{:#?}", report.findings
            ),
            Err(err) => {
                let first = err.message().split("\n: ").next().unwrap();
                let d = report.errors().find(|d| d.message == first);
                prop_assert!(d.is_some(), "{err:?} not in {:#?}", report.findings);
                let d = d.unwrap();
                prop_assert_eq!(d.kind.clone(), err.kind().as_str());
                prop_assert_eq!(d.location, err.location());
                prop_assert_eq!(d.key.as_deref(), err.key());
            }
        }
    }
}
