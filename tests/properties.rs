//! Property tests (issue 7): references round-trip through their display, and resolution is a
//! deterministic function of the configuration and the name (and never panics).

use proptest::prelude::*;
use shortnames::{report, ConfigSources, Engine, Reference, Resolver};

/// `domain-component(.domain-component)*(:port)?`, or `localhost` (no IPv6 literals in the
/// grammar of c/image, config-formats §9.1).
fn domain() -> impl Strategy<Value = String> {
    prop_oneof![
        "localhost(:[0-9]{1,5})?",
        "[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?(\\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,6}[a-zA-Z0-9])?){0,3}(:[0-9]{1,5})?",
    ]
}

fn path_component() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,6}((\\.|_|__|-{1,3})[a-z0-9]{1,6}){0,2}"
}

fn tag() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}"
}

fn digest() -> impl Strategy<Value = String> {
    prop_oneof!["sha256:[0-9a-f]{64}", "sha512:[0-9a-f]{128}"]
}

/// A canonical reference string, its parts, within the 255-character name limit.
fn reference_parts(
) -> impl Strategy<Value = (Option<String>, Vec<String>, Option<String>, Option<String>)> {
    (
        proptest::option::of(domain()),
        proptest::collection::vec(path_component(), 1..4),
        proptest::option::of(tag()),
        proptest::option::of(digest()),
    )
}

fn join(
    domain: &Option<String>,
    path: &[String],
    tag: &Option<String>,
    digest: &Option<String>,
) -> String {
    let mut s = String::new();
    if let Some(d) = domain {
        s.push_str(d);
        s.push('/');
    }
    s.push_str(&path.join("/"));
    if let Some(t) = tag {
        s.push(':');
        s.push_str(t);
    }
    if let Some(d) = digest {
        s.push('@');
        s.push_str(d);
    }
    s
}

fn config_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just("[[registry]]".to_owned()),
        Just("[[registry.mirror]]".to_owned()),
        Just("[aliases]".to_owned()),
        "(prefix|location) = \"(\\*\\.)?[a-z]{1,3}\\.(io|com)(/[a-z]{1,3})?\"",
        "pull-from-mirror = \"(all|digest-only|tag-only|)\"",
        "short-name-mode = \"(enforcing|permissive|disabled)\"",
        "(insecure|blocked|mirror-by-digest-only) = (true|false)",
        "unqualified-search-registries = \\[(\"[a-z]{1,3}\\.(io|com)\", ?){0,3}\\]",
        "\"[a-z]{1,4}(/[a-z]{1,3})?\" = \"[a-z]{1,3}\\.(io|com)/[a-z]{1,4}\"",
        "\\PC{0,12}",
    ];
    proptest::collection::vec(line, 0..14).prop_map(|l| l.join("\n"))
}

fn names() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec(
        prop_oneof![
            "[a-z]{1,4}(/[a-z]{1,3})?(:[a-z0-9]{1,3})?",
            "[a-z]{1,3}\\.(io|com)/[a-z]{1,4}(/[a-z]{1,3})?(@sha256:[0-9a-f]{64})?",
            "\\PC{0,12}",
        ],
        1..6,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Generated canonical strings parse, display as themselves, and re-parse to the same value.
    #[test]
    fn canonical_references_round_trip((d, p, t, g) in reference_parts()) {
        let s = join(&d, &p, &t, &g);
        let r = Reference::parse(&s);
        if p.join("/").len() + d.as_ref().map_or(0, |d| d.len() + 1) > 255 {
            prop_assert!(r.is_err());
            return Ok(());
        }
        let r = r.map_err(|e| TestCaseError::fail(format!("{s:?}: {e}")))?;
        prop_assert_eq!(r.as_str(), s.as_str());
        prop_assert_eq!(r.to_string(), s.clone());
        let shown = r.to_string();
        prop_assert_eq!(Reference::parse(&shown).unwrap(), r.clone());
        prop_assert_eq!(r.tag(), t.as_deref());
        prop_assert_eq!(r.digest(), g.as_deref());
        prop_assert_eq!(r.path().is_empty(), false);
        // Normalisation is idempotent and keeps tag and digest.
        if let Ok(n) = Reference::parse_normalized(&s) {
            prop_assert_eq!(Reference::parse_normalized(n.as_str()).unwrap(), n.clone());
            prop_assert_eq!(Reference::parse(n.as_str()).unwrap(), n.clone());
            prop_assert_eq!(n.tag(), t.as_deref());
            prop_assert_eq!(n.digest(), g.as_deref());
        }
    }

    /// IPv6 literals are not part of the grammar.
    #[test]
    fn ipv6_literals_are_rejected(host in "::1|fe80::[0-9a-f]{1,4}", port in proptest::option::of(1u16..)) {
        let port = port.map(|p| format!(":{p}")).unwrap_or_default();
        let s = format!("[{host}]{port}/app");
        prop_assert!(Reference::parse(&s).is_err(), "{}", s);
        prop_assert!(Reference::parse_normalized(&s).is_err(), "{}", s);
    }

    /// Whatever parses (arbitrary text) round-trips through its display.
    #[test]
    fn any_parsed_reference_round_trips(s in "\\PC{0,40}|[a-zA-Z0-9._:/@-]{0,60}") {
        if let Ok(r) = Reference::parse(&s) {
            let shown = r.to_string();
            prop_assert_eq!(Reference::parse(&shown).unwrap(), r);
        }
        if let Ok(n) = Reference::parse_normalized(&s) {
            let shown = n.to_string();
            prop_assert_eq!(Reference::parse_normalized(&shown).unwrap(), n);
        }
    }

    /// Same configuration and names → the same document, from the same resolver, from a fresh
    /// one, and from an engine after a reload; and no panic on the way.
    #[test]
    fn resolution_is_deterministic(conf in config_text(), names in names()) {
        let sources = ConfigSources::new()
            .registries_conf_d("/nonexistent/shortnames-properties")
            .prepend_drop_in("p.conf", conf);
        let resolver = Resolver::new(&sources);
        let doc = report::document(&resolver, &names);
        prop_assert_eq!(doc["lookups"].as_array().unwrap().len(), names.len());
        prop_assert_eq!(&report::document(&resolver, &names), &doc);
        prop_assert_eq!(&report::document(&Resolver::new(&sources), &names), &doc);
        let engine = Engine::new(sources);
        let reloaded = engine.reload().is_ok();
        prop_assert_eq!(reloaded, doc["config_error"].is_null());
        prop_assert_eq!(&report::document(&engine.resolver(), &names), &doc);
    }
}
