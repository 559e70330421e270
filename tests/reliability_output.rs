//! Output under hostile input: the streamed JSON document is byte for byte the document the
//! corpus defines, `--names-from` is bounded, and no text output lets a control character
//! through to the terminal.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use proptest::prelude::*;
use shortnames::{report, Resolver};

use common::case_sources;

/// The names of `case` as the CLI reads them: the lines of names.txt, as bytes (a name may
/// not be UTF-8).
fn name_lines(case: &Path) -> Vec<Vec<u8>> {
    let text = std::fs::read(case.join("names.txt")).unwrap();
    let body = text.strip_suffix(b"\n").unwrap_or(&text);
    if text.is_empty() {
        return Vec::new();
    }
    body.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect()
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

/// Through the binary, which streams the document lookup by lookup (src/cli/stream.rs): the
/// bytes printed are exactly `serde_json::to_vec_pretty` of the whole document plus a newline,
/// for every corpus case.
#[test]
fn cli_json_output_is_the_document() {
    let cases = common::passing_cases();
    assert!(
        cases.len() > 100,
        "corpus missing: {}",
        common::cases_dir().display()
    );
    for case in &cases {
        let args = common::corpus_cli_args(case);
        let out = shortnames(case, &args);
        let resolver = Resolver::new(&case_sources(case));
        let mut whole =
            serde_json::to_vec_pretty(&report::document(&resolver, &name_lines(case))).unwrap();
        whole.push(b'\n');
        assert!(out.stdout == whole, "{}", case.display());
    }
}

/// With credentials (`--auth-file`), the streamed document keeps serde_json's layout and only
/// adds members: a `credentials` member per source and `credential_diagnostics` last.
#[test]
fn cli_json_output_with_credentials_only_adds_members() {
    let auth = tempfile::tempdir().unwrap();
    let auth_file = auth.path().join("auth.json");
    std::fs::write(
        &auth_file,
        r#"{"auths":{"quay.io":{"auth":"dTpw"},"docker.io":{"auth":"!"}}}"#,
    )
    .unwrap();
    let mut with_credentials = 0;
    for case in common::passing_cases().iter().step_by(5) {
        let mut args = common::corpus_cli_args(case);
        args.extend(["--auth-file", auth_file.to_str().unwrap()]);
        let out = shortnames(case, &args);
        let mut doc: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{}: {e}", case.display()));
        let mut layout = serde_json::to_vec_pretty(&doc).unwrap();
        layout.push(b'\n');
        assert!(out.stdout == layout, "{}: layout", case.display());
        let diagnostics = doc
            .as_object_mut()
            .unwrap()
            .remove("credential_diagnostics");
        assert_eq!(
            diagnostics.unwrap()[0]["kind"],
            "credentials/auth-not-base64",
            "{}",
            case.display()
        );
        for lookup in doc["lookups"].as_array_mut().unwrap() {
            for c in lookup["candidates"].as_array_mut().unwrap() {
                for s in c["sources"].as_array_mut().unwrap() {
                    let creds = s.as_object_mut().unwrap().remove("credentials");
                    assert!(creds.is_some(), "{}", case.display());
                    with_credentials += 1;
                }
            }
        }
        let resolver = Resolver::new(&case_sources(case));
        assert_eq!(
            doc,
            report::document(&resolver, &name_lines(case)),
            "{}",
            case.display()
        );
    }
    assert!(with_credentials > 50, "{with_credentials}");
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
