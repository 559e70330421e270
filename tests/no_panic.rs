//! No input panics: arbitrary names, configuration files and alias files give values or errors.

use proptest::prelude::*;
use shortnames::{report, ConfigSources, Resolver};

fn config_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just("[[registry]]".to_owned()),
        Just("[[registry.mirror]]".to_owned()),
        Just("[aliases]".to_owned()),
        Just("[registries.search]".to_owned()),
        "(prefix|location|pull-from-mirror|short-name-mode) = \"[a-z*.:/@A-Z0-9-]{0,12}\"",
        "(insecure|blocked|mirror-by-digest-only) = (true|false|1|\"x\")",
        "unqualified-search-registries = \\[(\"[a-z.:/A-Z]{0,8}\", ?){0,3}\\]",
        "registries = \\[(\"[a-z.:/]{0,8}\", ?){0,2}\\]",
        "\"?[a-zA-Z0-9/:._@-]{0,10}\"? = \"[a-zA-Z0-9/:._@-]{0,14}\"",
        "\\PC{0,12}",
    ];
    proptest::collection::vec(line, 0..12).prop_map(|l| l.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn arbitrary_drop_ins_and_names(conf in config_text(), names in proptest::collection::vec("\\PC{0,16}|[a-z.:/@A-Z0-9_-]{0,20}", 1..4)) {
        let resolver = Resolver::new(
            &ConfigSources::new()
                .registries_conf_d("/nonexistent/shortnames-test")
                .prepend_drop_in("fuzz.conf", conf.clone())
                .prepend_drop_in("fuzz2.conf", format!("unqualified-search-registries = [\"quay.io\", \"docker.io\"]\n{conf}")),
        );
        let doc = report::document(&resolver, &names);
        prop_assert_eq!(doc["lookups"].as_array().unwrap().len(), names.len());
    }

    #[test]
    fn arbitrary_user_alias_files(text in "(\\[aliases\\]\n)?(\"?[a-zA-Z0-9/:._@-]{0,10}\"? = \"[a-zA-Z0-9/:._@-]{0,14}\"\n){0,4}\\PC{0,8}", name in "[a-z/:]{1,10}") {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("aliases.conf"), &text).unwrap();
        let resolver = Resolver::new(
            &ConfigSources::new()
                .fs_root(dir.path())
                .registries_conf_d("d")
                .user_aliases("aliases.conf"),
        );
        let _ = resolver.resolve(&name);
        let _ = resolver.resolve_locally(&name);
    }

    #[test]
    fn arbitrary_bytes_as_files(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("registries.conf"), &bytes).unwrap();
        std::fs::write(dir.path().join("aliases.conf"), &bytes).unwrap();
        let resolver = Resolver::new(
            &ConfigSources::new()
                .fs_root(dir.path())
                .registries_conf("registries.conf")
                .registries_conf_d("d")
                .user_aliases("aliases.conf"),
        );
        let _ = report::document(&resolver, &["busybox", "quay.io/x"]);
    }
}
