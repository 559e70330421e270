//! Output under hostile input: the streamed JSON document is byte for byte the document the
//! corpus defines, `--names-from` is bounded, and no text output lets a control character
//! through to the terminal.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use proptest::prelude::*;
use shortnames::credentials::{Format, Keyring, SourceId};
use shortnames::{report, Resolver};

use common::case_sources;

/// The names of `case`, from its recorded document (the README's advice).
fn names_of(case: &Path) -> Vec<String> {
    common::names(&common::expected(case))
}

/// The streamed writer gives exactly `serde_json::to_vec_pretty` of the whole document, for
/// every corpus case, with and without credentials.
#[test]
fn streamed_document_is_byte_for_byte_the_whole_document() {
    let cases = common::passing_cases();
    assert!(
        cases.len() > 100,
        "corpus missing: {}",
        common::cases_dir().display()
    );
    let (keyring, _) = Keyring::builder()
        .namespace_document(
            SourceId::label("ns"),
            br#"{"auths":{"quay.io":{"auth":"dTpw"},"docker.io":{"auth":"!"}}}"#,
            Format::DockerConfigJson,
        )
        .build();
    for case in &cases {
        let resolver = Resolver::new(&case_sources(case));
        let names = names_of(case);
        let mut streamed = Vec::new();
        report::write_document(&mut streamed, &resolver, &names, None, |_| {}).unwrap();
        let whole = serde_json::to_vec_pretty(&report::document(&resolver, &names)).unwrap();
        assert!(
            streamed == whole,
            "{}: streamed document differs",
            case.display()
        );

        let mut streamed = Vec::new();
        report::write_document(&mut streamed, &resolver, &names, Some(&keyring), |_| {}).unwrap();
        let whole = serde_json::to_vec_pretty(&report::document_with_credentials(
            &resolver, &names, &keyring,
        ))
        .unwrap();
        assert!(streamed == whole, "{}: with credentials", case.display());
    }
    // No names at all: an empty `lookups` array, as serde_json prints it.
    let resolver = Resolver::new(&case_sources(&cases[0]));
    let mut streamed = Vec::new();
    report::write_document(&mut streamed, &resolver, Vec::<String>::new(), None, |_| {}).unwrap();
    let whole = serde_json::to_vec_pretty(&report::document::<&str>(&resolver, &[])).unwrap();
    assert_eq!(String::from_utf8(streamed), String::from_utf8(whole));
}

fn shortnames(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shortnames"))
        .current_dir(dir)
        .args(args)
        .env_clear()
        .env("HOME", dir)
        .stdin(Stdio::null())
        .output()
        .expect("run shortnames")
}

/// Through the binary: the bytes printed are the document plus a newline.
#[test]
fn cli_json_output_is_the_document() {
    for case in common::passing_cases().iter().step_by(25) {
        let args = common::corpus_cli_args(case);
        let out = shortnames(case, &args);
        let resolver = Resolver::new(&case_sources(case));
        let mut whole =
            serde_json::to_vec_pretty(&report::document(&resolver, &names_of(case))).unwrap();
        whole.push(b'\n');
        assert!(out.stdout == whole, "{}", case.display());
    }
}

#[test]
fn names_from_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("names.txt"), "a\nb\nquay.io/c/d\n").unwrap();
    let base = [
        "resolve",
        "--registries-conf-d",
        "d",
        "--names-from",
        "names.txt",
    ];
    let ok = shortnames(
        dir.path(),
        &[&base[..], &["--names-from-limit", "16"]].concat(),
    );
    assert!(
        ok.status.code() != Some(2),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let refused = shortnames(
        dir.path(),
        &[&base[..], &["--names-from-limit", "15"]].concat(),
    );
    let err = String::from_utf8_lossy(&refused.stderr);
    // Exit scheme of #17: an unusable named file fails the operation (1), it is no usage error.
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        err.contains("--names-from cannot read names.txt: file is larger than the limit of 15 bytes (see --names-from-limit)"),
        "{err}"
    );
    assert!(refused.stdout.is_empty());
    // An endless device is refused at once, never read.
    let zero = shortnames(
        dir.path(),
        &[
            "resolve",
            "--registries-conf-d",
            "d",
            "--names-from",
            "/dev/zero",
        ],
    );
    assert_eq!(zero.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&zero.stderr).contains("not a regular file (a character device)")
    );
}

/// Whether `text` would reach a terminal with a control or reordering character in it
/// (line breaks and tabs of the layout excepted).
fn has_raw_controls(text: &str) -> Option<char> {
    text.chars().find(|&c| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
    })
}

fn hostile() -> impl Strategy<Value = String> {
    // Printable text mixed with C0, DEL, C1 and bidirectional controls (no NUL: not
    // representable in arguments and file names).
    proptest::collection::vec(
        prop_oneof![
            3 => proptest::char::range('a', 'z'),
            1 => proptest::char::range('\u{1}', '\u{1f}'),
            1 => Just('\u{7f}'),
            1 => proptest::char::range('\u{80}', '\u{9f}'),
            1 => Just('\u{202e}'),
            1 => Just('\u{1b}'),
            1 => Just('/'),
        ],
        1..16,
    )
    .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Names on resolve's header and error lines; file names in `file:line:col:` prefixes,
    /// check's `-->` lines and explain's steps.
    #[test]
    fn text_output_never_carries_control_characters(name in hostile(), file in hostile()) {
        let dir = tempfile::tempdir().unwrap();
        let file: String = file.replace('/', "_");
        let conf = dir.path().join(&file);
        // A located error in a file whose name holds control characters.
        std::fs::write(&conf, "unqualified-search-registries = [\"quay.io\"]\nshort-name-mode = \"x\"\n").unwrap();
        let conf_arg = conf.to_str().unwrap().to_owned();
        let good = dir.path().join("good.conf");
        std::fs::write(&good, "unqualified-search-registries = [\"quay.io\"]\n").unwrap();
        let good_arg = good.to_str().unwrap().to_owned();
        // Hostile content: a drop-in named with control characters, holding them in a
        // comment (a TOML error, shown with its line) and an alias; an auth file whose key
        // holds them.
        std::fs::create_dir(dir.path().join("hd")).unwrap();
        std::fs::write(
            dir.path().join("hd").join(format!("{file}.conf")),
            format!("[aliases]\n\"app\" = \"quay.io/team/app\"\n# {name}\n"),
        )
        .unwrap();
        let auth = serde_json::json!({"auths": {name.clone(): {"auth": "dTpw"}}}).to_string();
        std::fs::write(dir.path().join("auth.json"), auth).unwrap();
        let runs: Vec<Vec<&str>> = vec![
            vec!["check", "--registries-conf", &good_arg, "--registries-conf-d", "hd"],
            vec!["alias", "list", "--registries-conf", &good_arg, "--registries-conf-d", "hd", "--user-aliases", "u.conf"],
            vec!["auth", "check", "auth.json"],
            vec!["resolve", "--registries-conf", &good_arg, "--registries-conf-d", "d", "--auth-file", "auth.json", "quay.io/a/b"],
            vec!["resolve", "--registries-conf", &good_arg, "--registries-conf-d", "d", &name, "app"],
            vec!["resolve", "--registries-conf", &conf_arg, "--registries-conf-d", "d", &name],
            vec!["check", "--registries-conf", &conf_arg, "--registries-conf-d", "d"],
            vec!["explain", "--registries-conf", &good_arg, "--registries-conf-d", "d", &name],
            vec!["explain", "--registries-conf", &conf_arg, "--registries-conf-d", "d", "app"],
        ];
        for args in runs {
            let out = shortnames(dir.path(), &args);
            for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
                let text = String::from_utf8_lossy(bytes);
                prop_assert!(
                    has_raw_controls(&text).is_none(),
                    "{:?} {}: raw {:?} in {:?}", args, stream, has_raw_controls(&text), text
                );
            }
        }
    }
}
