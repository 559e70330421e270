//! Discovery rules of `shared/spec/discovery.md` that the discovery corpus does not exercise,
//! checked through the library on temporary hosts (a sysroot and a HOME of their own).

use std::fs;
use std::path::Path;

use shortnames::config::{Compat, Host};
use shortnames::engine::Fingerprint;
use shortnames::{Config, ConfigSources, Resolver};

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn host(dir: &Path) -> Host {
    Host::new()
        .sysroot(dir.join("root"))
        .home(dir.join("home"))
        .uid(1000)
}

#[test]
fn v5_40_joins_alias_complaints_with_a_newline() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("root/etc/containers/registries.conf"),
        "[aliases]\n\"a\" = \"a:tag\"\n\"b\" = \"b@sha256:x\"\n",
    );
    let message = |compat| {
        let e =
            Config::load(&ConfigSources::discover(&host(dir.path())).compat(compat)).unwrap_err();
        e.message().to_owned()
    };
    assert!(message(Compat::V5_23).contains("\n: "));
    let m = message(Compat::V5_40);
    assert!(m.contains('\n') && !m.contains("\n: "), "{m}");
}

#[test]
fn v5_40_override_is_applied_last_even_when_also_a_drop_in() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("root/etc/containers/registries.conf.d");
    write(&d.join("10-a.conf"), "short-name-mode = \"enforcing\"\n");
    write(&d.join("20-b.conf"), "short-name-mode = \"disabled\"\n");
    let h = host(dir.path()).var("CONTAINERS_REGISTRIES_CONF_OVERRIDE", d.join("10-a.conf"));
    let c = Config::load(&ConfigSources::discover(&h).compat(Compat::V5_40)).unwrap();
    let a = d.join("10-a.conf").to_string_lossy().into_owned();
    let files: Vec<&str> = c.files.iter().map(|f| &**f).collect();
    assert_eq!(files.first(), Some(&a.as_str()));
    assert_eq!(files.last(), Some(&a.as_str()));
    assert_eq!(c.short_name_mode, shortnames::ShortNameMode::Enforcing);
    // v5.23 ignores the variable.
    let c = Config::load(&ConfigSources::discover(&h)).unwrap();
    assert_eq!(c.short_name_mode, shortnames::ShortNameMode::Disabled);
}

#[test]
fn negative_uid_gets_neither_rootful_nor_rootless_directories() {
    let dir = tempfile::tempdir().unwrap();
    for sub in [
        "registries.rootful.conf.d",
        "registries.rootless.conf.d",
        "registries.conf.d",
    ] {
        write(
            &dir.path()
                .join("root/etc/containers")
                .join(sub)
                .join(format!("{sub}.conf")),
            "",
        );
    }
    let h = host(dir.path()).var("_CONTAINERS_ROOTLESS_UID", "-5");
    let c = Config::load(&ConfigSources::discover(&h).compat(Compat::V5_40)).unwrap();
    assert_eq!(c.files.len(), 1, "{:?}", c.files);
    assert!(c.files[0].ends_with("/registries.conf.d/registries.conf.d.conf"));
}

#[test]
fn explicit_directories_merge_by_name_under_v5_40() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    write(
        &a.join("50.conf"),
        "unqualified-search-registries = [\"a.io\"]\n",
    );
    write(&a.join("90.conf"), "short-name-mode = \"enforcing\"\n");
    write(
        &b.join("50.conf"),
        "unqualified-search-registries = [\"b.io\"]\n",
    );
    let sources = |c| {
        ConfigSources::new()
            .registries_conf(dir.path().join("none.conf"))
            .registries_conf_d(&a)
            .registries_conf_d(&b)
            .compat(c)
    };
    fs::write(dir.path().join("none.conf"), "").unwrap();
    let old = Config::load(&sources(Compat::V5_23)).unwrap();
    assert_eq!(old.files.len(), 4);
    assert_eq!(&*old.unqualified_search_registries[0], "b.io");
    let new = Config::load(&sources(Compat::V5_40)).unwrap();
    assert_eq!(new.files.len(), 3, "{:?}", new.files);
    assert_eq!(new.shadowed.len(), 1);
    assert!(new.shadowed[0].path.ends_with("/a/50.conf"));
    assert!(new.shadowed[0].by.ends_with("/b/50.conf"));
    assert_eq!(&*new.unqualified_search_registries[0], "b.io");
}

#[test]
fn the_process_environment_is_not_read_unless_asked() {
    // A host described explicitly ignores whatever the test process has in its environment.
    let dir = tempfile::tempdir().unwrap();
    let h = Host::new().sysroot(dir.path());
    assert_eq!(
        ConfigSources::discover(&h).user_alias_path().unwrap(),
        Path::new("/var/cache/containers/short-name-aliases.conf")
    );
    let c = Config::load(&ConfigSources::discover(&h)).unwrap();
    assert!(c.files.is_empty());
    assert_eq!(c.compat, Compat::V5_23);
}

#[test]
fn a_user_main_file_created_later_changes_the_fingerprint_and_the_answers() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("root/etc/containers/registries.conf"),
        "unqualified-search-registries = [\"etc.io\"]\n",
    );
    for compat in [Compat::V5_23, Compat::V5_40] {
        let user = dir.path().join("home/.config/containers/registries.conf");
        let _ = fs::remove_file(&user);
        let sources = ConfigSources::discover(&host(dir.path())).compat(compat);
        let before = Fingerprint::of_config(&sources);
        let first = |s: &ConfigSources| {
            Resolver::new(s).resolve("app").unwrap().candidates[0]
                .reference
                .as_str()
                .to_owned()
        };
        assert_eq!(first(&sources), "etc.io/app:latest");
        write(&user, "unqualified-search-registries = [\"home.io\"]\n");
        assert_ne!(Fingerprint::of_config(&sources), before, "{compat}");
        assert_eq!(first(&sources), "home.io/app:latest", "{compat}");
    }
}

#[test]
fn resolving_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let h = host(dir.path());
    let r = Resolver::new(&ConfigSources::discover(&h).compat(Compat::V5_40));
    let _ = r.resolve("app");
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        0,
        "something was created"
    );
}

/// The upgrade findings (`upgrade/<code>`) `check` reports for `sources` read as v5.40.
fn codes(sources: &ConfigSources) -> Vec<(String, String)> {
    let v5_40 = sources.clone().compat(Compat::V5_40);
    shortnames::diagnostics::check(&v5_40, &Default::default())
        .findings
        .into_iter()
        .filter_map(|f| {
            let code = f.kind.strip_prefix("upgrade/")?.to_owned();
            let file = f.file.map(|p| {
                Path::new(&p)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            });
            Some((code, file.unwrap_or_default()))
        })
        .collect()
}

#[test]
fn upgrade_findings_name_what_stops_working() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    write(
        &root.join("etc/containers/registries.conf"),
        "[registries.search]\nregistries = [\"quay.io\"]\n",
    );
    write(
        &root.join("etc/containers/registries.conf.d/50-site.conf"),
        "",
    );
    write(
        &root.join("etc/containers/registries.rootless.conf.d/50-site.conf"),
        "",
    );
    let h = host(dir.path());
    let found = codes(&ConfigSources::discover(&h));
    assert!(
        found.contains(&("v1-refused".into(), "registries.conf".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("shadowed".into(), "50-site.conf".into())),
        "{found:?}"
    );

    // Env mode: v5.40 reads no drop-ins.
    let env = h.clone().var(
        "CONTAINERS_REGISTRIES_CONF",
        root.join("etc/containers/registries.conf"),
    );
    let found = codes(&ConfigSources::discover(&env));
    assert!(
        found.contains(&("no-longer-read".into(), "50-site.conf".into())),
        "{found:?}"
    );

    // A per-user main file: v5.23 then reads only the user drop-ins, v5.40 all of them.
    write(
        &dir.path().join("home/.config/containers/registries.conf"),
        "unqualified-search-registries = [\"quay.io\"]\n",
    );
    let found = codes(&ConfigSources::discover(&h));
    assert!(
        found.contains(&("newly-read".into(), "50-site.conf".into())),
        "{found:?}"
    );
    assert!(!found.iter().any(|(c, _)| c == "v1-refused"), "{found:?}");
}

#[test]
fn cli_check_compat_v5_40_prints_the_findings() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    write(
        &root.join("etc/containers/registries.conf"),
        "[registries.block]\nregistries = [\"bad.example.com\"]\n",
    );
    let run = |compat: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_shortnames"))
            .env_clear()
            .env("HOME", dir.path().join("home"))
            .env("_CONTAINERS_ROOTLESS_UID", "1000")
            .args([
                "check",
                "--sysroot",
                root.to_str().unwrap(),
                "--compat",
                compat,
            ])
            .output()
            .unwrap()
    };
    let old = run("v5.23");
    assert_eq!(
        old.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&old.stdout)
    );
    let new = run("v5.40");
    let text = String::from_utf8_lossy(&new.stdout);
    assert_ne!(new.status.code(), Some(0));
    assert!(
        text.contains("registries.conf must be in v2 format but is in v1"),
        "{text}"
    );
    assert!(text.contains("upgrade/v1-refused"), "{text}");
    assert!(text.contains("shortnames migrate"), "{text}");
}
