//! Every configuration and user-alias-file error of the conformance corpus carries its file,
//! line, column and key — except TOML syntax errors, which have no key — (the compatible message text is unchanged: see tests/conformance.rs).

mod common;

use shortnames::{ConfigSources, Resolver};

#[test]
fn config_and_user_alias_errors_are_located() {
    let mut checked = 0;
    let mut missing = Vec::new();
    for case in common::passing_cases() {
        let mut s = ConfigSources::new()
            .fs_root(&case)
            .registries_conf_d("registries.conf.d")
            .user_aliases("user-aliases.conf");
        if case.join("registries.conf").exists() {
            s = s.registries_conf("registries.conf");
        }
        let resolver = Resolver::new(&s);
        let mut errors = Vec::new();
        if let Err(e) = resolver.config() {
            errors.push(e);
        }
        let expect = common::expected(&case);
        for name in common::names(&expect) {
            if let Err(e) = resolver.resolve(&name) {
                if e.kind().as_str().starts_with("invalid-user-aliases/") {
                    errors.push(e);
                }
            }
        }
        for e in errors {
            checked += 1;
            // A TOML syntax error has no key (type errors do).
            let syntax =
                e.kind().as_str().ends_with("/toml") && !e.message().contains("incompatible types");
            if e.file().is_none() || e.location().is_none() || (e.key().is_none() && !syntax) {
                missing.push(format!("{}: {e:?}", case.display()));
            }
        }
    }
    assert!(checked > 60, "{checked}");
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
