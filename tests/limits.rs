//! Input limits (config-formats §8, issue 7): files over 4 MiB, more than 100,000 aliases in
//! one file and names over 4 KiB give a clear `limit/...` error instead of unbounded work. The
//! default limits are exercised at their real size once; boundaries are checked exactly with
//! small custom limits.

use std::fmt::Write as _;
use std::path::Path;

use shortnames::config::Limits;
use shortnames::credentials::{AuthFileReport, DocumentErrorKind, Format, SourceId};
use shortnames::{ConfigSources, ErrorKind, Resolver};

const MIB: usize = 1 << 20;

fn sources(dir: &Path) -> ConfigSources {
    ConfigSources::new()
        .fs_root(dir)
        .registries_conf("registries.conf")
        .registries_conf_d("registries.conf.d")
        .user_aliases("user-aliases.conf")
}

/// A valid file of exactly `size` bytes: a search list padded with a TOML comment.
fn padded_config(size: usize) -> String {
    let mut s = String::from("unqualified-search-registries = [\"quay.io\"]\n#");
    assert!(size > s.len() + 1);
    s.push_str(&"x".repeat(size - s.len() - 1));
    s.push('\n');
    assert_eq!(s.len(), size);
    s
}

fn aliases_file(n: usize) -> String {
    let mut s = String::with_capacity(n * 40);
    s.push_str("[aliases]\n");
    for i in 0..n {
        writeln!(s, "\"a{i}\" = \"quay.io/ns/a{i}\"").unwrap();
    }
    s
}

#[test]
fn default_limits_are_the_documented_ones() {
    let l = Limits::default();
    assert_eq!(l.max_file_size, 4 * MIB as u64);
    assert_eq!(l.max_aliases_per_file, 100_000);
    assert_eq!(l.max_name_len, 4096);
    assert_eq!(
        *ConfigSources::new().input_limits(),
        l,
        "sources use the defaults"
    );
}

#[test]
fn main_file_over_4_mib_is_rejected_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("registries.conf"),
        padded_config(4 * MIB + 1),
    )
    .unwrap();
    let resolver = Resolver::new(&sources(dir.path()));
    let err = resolver.config().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Limit("file-too-large"));
    assert_eq!(err.kind().as_str(), "limit/file-too-large");
    assert!(
        err.message().contains("registries.conf") && err.message().contains("4194304"),
        "{}",
        err.message()
    );
    // Every lookup that needs the configuration reports it.
    assert_eq!(
        resolver.resolve("app").unwrap_err().kind(),
        ErrorKind::Limit("file-too-large")
    );

    // Exactly 4 MiB is accepted.
    std::fs::write(dir.path().join("registries.conf"), padded_config(4 * MIB)).unwrap();
    let resolver = Resolver::new(&sources(dir.path()));
    let config = resolver.config().unwrap();
    assert_eq!(config.unqualified_search_registries.len(), 1);
}

#[test]
fn drop_in_over_the_limit_fails_the_load() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("registries.conf.d")).unwrap();
    std::fs::write(dir.path().join("registries.conf"), "").unwrap();
    let limits = Limits::default().with_max_file_size(1000);
    std::fs::write(
        dir.path().join("registries.conf.d/10-big.conf"),
        padded_config(1001),
    )
    .unwrap();
    let err = Resolver::new(&sources(dir.path()).limits(limits))
        .config()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Limit("file-too-large"));
    assert!(err.message().contains("10-big.conf"), "{}", err.message());

    std::fs::write(
        dir.path().join("registries.conf.d/10-big.conf"),
        padded_config(1000),
    )
    .unwrap();
    let resolver = Resolver::new(&sources(dir.path()).limits(limits));
    assert!(resolver.config().is_ok(), "{:?}", resolver.config().err());
}

#[test]
fn user_alias_file_over_the_limit_fails_short_name_lookups_only() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("registries.conf"),
        "unqualified-search-registries = [\"quay.io\"]\n",
    )
    .unwrap();
    let mut big = aliases_file(1);
    big.push('#');
    // User alias files have their own limit, derived from the alias-count limit.
    let limit = shortnames::config::Limits::default().max_alias_file_size() as usize;
    big.push_str(&"x".repeat(limit));
    std::fs::write(dir.path().join("user-aliases.conf"), &big).unwrap();
    let resolver = Resolver::new(&sources(dir.path()));
    assert!(resolver.config().is_ok());
    let err = resolver.resolve("a0").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Limit("file-too-large"));
    assert!(
        err.message().contains("user-aliases.conf"),
        "{}",
        err.message()
    );
    // Fully-qualified names do not read the alias file.
    assert!(resolver.resolve("quay.io/ns/app").is_ok());
}

#[test]
fn more_than_100k_aliases_in_one_file_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("registries.conf"), aliases_file(100_001)).unwrap();
    let err = Resolver::new(&sources(dir.path())).config().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Limit("too-many-aliases"));
    assert!(err.message().contains("100001"), "{}", err.message());
    assert!(err.message().contains("100000"), "{}", err.message());

    // Exactly 100,000 is fine, and they resolve.
    std::fs::write(dir.path().join("registries.conf"), aliases_file(100_000)).unwrap();
    let resolver = Resolver::new(&sources(dir.path()));
    let r = resolver.resolve("a99999:1").unwrap();
    assert_eq!(r.candidates[0].reference.as_str(), "quay.io/ns/a99999:1");
}

#[test]
fn alias_limit_is_per_file_and_applies_to_drop_ins_and_user_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("registries.conf.d")).unwrap();
    let limits = Limits::default().with_max_aliases_per_file(10);
    // 10 in the main file and 10 in a drop-in: 20 in total, but at most 10 per file.
    std::fs::write(dir.path().join("registries.conf"), aliases_file(10)).unwrap();
    std::fs::write(
        dir.path().join("registries.conf.d/10-more.conf"),
        aliases_file(10).replace("\"a", "\"b"),
    )
    .unwrap();
    let resolver = Resolver::new(&sources(dir.path()).limits(limits));
    assert_eq!(resolver.config().unwrap().aliases().count(), 20);

    std::fs::write(
        dir.path().join("registries.conf.d/10-more.conf"),
        aliases_file(11).replace("\"a", "\"b"),
    )
    .unwrap();
    let err = Resolver::new(&sources(dir.path()).limits(limits))
        .config()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Limit("too-many-aliases"));
    std::fs::remove_file(dir.path().join("registries.conf.d/10-more.conf")).unwrap();

    std::fs::write(dir.path().join("user-aliases.conf"), aliases_file(11)).unwrap();
    let resolver = Resolver::new(&sources(dir.path()).limits(limits));
    assert!(resolver.config().is_ok());
    let err = resolver.resolve("a1").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Limit("too-many-aliases"));
    assert!(
        err.message().contains("user-aliases.conf"),
        "{}",
        err.message()
    );
}

#[test]
fn names_over_4_kib_are_rejected_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("registries.conf"),
        "unqualified-search-registries = [\"quay.io\"]\n",
    )
    .unwrap();
    let resolver = Resolver::new(&sources(dir.path()));
    // A name of exactly 4096 bytes goes through the grammar (and fails there: the reference
    // grammar caps the repository name at 255 characters).
    let at_limit = "a".repeat(4096);
    let err = resolver.resolve(&at_limit).unwrap_err();
    assert_ne!(err.kind(), ErrorKind::Limit("name-too-long"));
    for name in ["a".repeat(4097), format!("quay.io/{}", "a".repeat(5000))] {
        let err = resolver.resolve(&name).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Limit("name-too-long"));
        assert_eq!(err.kind().as_str(), "limit/name-too-long");
        assert!(err.message().contains("4096"), "{}", err.message());
        assert_eq!(
            resolver.resolve_locally(&name).unwrap_err().kind(),
            ErrorKind::Limit("name-too-long")
        );
    }
    // A 1 MiB name is rejected by its length (its cost is measured by the criterion bench
    // `limits/name-too-long/1MiB`).
    let huge = "a/".repeat(MIB / 2);
    for _ in 0..100 {
        assert_eq!(
            resolver.resolve(&huge).unwrap_err().kind(),
            ErrorKind::Limit("name-too-long")
        );
    }
}

#[test]
fn custom_name_limit_boundary() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("registries.conf"),
        "unqualified-search-registries = [\"quay.io\"]\n",
    )
    .unwrap();
    let resolver = Resolver::new(
        &sources(dir.path()).limits(Limits::default().with_max_name_len("quay.io/ab".len())),
    );
    assert!(resolver.resolve("quay.io/ab").is_ok());
    assert_eq!(
        resolver.resolve("quay.io/abc").unwrap_err().kind(),
        ErrorKind::Limit("name-too-long")
    );
}

#[test]
fn credential_documents_over_4_mib_are_rejected() {
    let mut doc = String::from("{\"auths\": {\"quay.io\": {\"auth\": \"dXNlcjpwYXNz\"}}}");
    let ok = AuthFileReport::check_document(
        SourceId::label("t"),
        doc.as_bytes(),
        Format::DockerConfigJson,
    );
    assert!(ok.is_ok());
    doc.push_str(&" ".repeat(shortnames::credentials::MAX_DOCUMENT_BYTES + 1 - doc.len()));
    let report = AuthFileReport::check_document(
        SourceId::label("t"),
        doc.as_bytes(),
        Format::DockerConfigJson,
    );
    assert!(!report.is_ok());
    let kinds: Vec<String> = report
        .problems()
        .map(|d| format!("{} {d}", d.code()))
        .collect();
    assert!(
        report.problems().any(|d| matches!(
            d,
            shortnames::credentials::CredentialDiagnostic::DocumentError {
                kind: DocumentErrorKind::TooLarge,
                ..
            }
        )),
        "{kinds:?}"
    );
}
