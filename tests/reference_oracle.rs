//! The hand-written reference parser checked against the grammar of resolution rule 25 written
//! as a regular expression (the way docker/reference defines it), on generated valid and
//! near-valid inputs.

use proptest::prelude::*;
use regex::Regex;
use shortnames::Reference;
use std::sync::OnceLock;

fn grammar() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let alnum = "[a-z0-9]+";
        let sep = "(?:[._]|__|[-]*)";
        let path_comp = format!("{alnum}(?:{sep}{alnum})*");
        let dom_comp = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
        let domain = format!(r"{dom_comp}(?:\.{dom_comp})*(?::[0-9]+)?");
        let name = format!("(?:({domain})/)?({path_comp}(?:/{path_comp})*)");
        // Go's `\w` is ASCII-only; Rust's is Unicode, so spell the class out.
        let tag = "[0-9A-Za-z_][0-9A-Za-z_.-]{0,127}";
        let digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}";
        Regex::new(&format!("^({name})(?::({tag}))?(?:@({digest}))?$")).unwrap()
    })
}

/// The oracle: what `reference.Parse` returns, from the regex plus the length and digest rules.
/// (domain, path, tag, digest) or the error text.
type Parts = (Option<String>, String, Option<String>, Option<String>);

fn oracle(s: &str) -> Result<Parts, String> {
    let Some(c) = grammar().captures(s) else {
        if s.is_empty() {
            return Err("repository name must have at least one component".into());
        }
        let lower: String = s
            .chars()
            .map(|c| match c {
                '\u{212A}' => 'k',
                '\u{130}' => 'i',
                c => c.to_lowercase().next().unwrap_or(c),
            })
            .collect();
        if grammar().is_match(&lower) {
            return Err("repository name must be lowercase".into());
        }
        return Err("invalid reference format".into());
    };
    let name = c.get(1).unwrap().as_str();
    if name.len() > 255 {
        return Err("repository name must not be more than 255 characters".into());
    }
    let digest = c.get(5).map(|m| m.as_str().to_owned());
    if let Some(d) = &digest {
        let (alg, hex) = d.split_once(':').unwrap();
        let size = match alg {
            "sha256" => 64,
            "sha384" => 96,
            "sha512" => 128,
            _ => {
                let shape = Regex::new("^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$").unwrap();
                return Err(if shape.is_match(d) {
                    "unsupported digest algorithm".into()
                } else {
                    "invalid checksum digest format".into()
                });
            }
        };
        if hex.len() != size {
            return Err("invalid checksum digest length".into());
        }
        if hex.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err("invalid checksum digest format".into());
        }
    }
    Ok((
        c.get(2).map(|m| m.as_str().to_owned()),
        c.get(3).unwrap().as_str().to_owned(),
        c.get(4).map(|m| m.as_str().to_owned()),
        digest,
    ))
}

fn check(s: &str) {
    let got = Reference::parse(s).map(|r| {
        (
            r.domain().map(str::to_owned),
            r.path().to_owned(),
            r.tag().map(str::to_owned),
            r.digest().map(str::to_owned),
        )
    });
    let got = got.map_err(|e| e.to_string());
    assert_eq!(got, oracle(s), "input {s:?}");
    if let Ok(r) = Reference::parse(s) {
        assert_eq!(r.as_str(), s, "String() of a parsed reference is the input");
        assert_eq!(Reference::parse(r.as_str()).unwrap(), r);
    }
}

const HEX64: &str = "d366a4665ab44f0648d7a00ae3fae139d55e32f9712c67accd604bb55df9d05a";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// Structured, mostly valid references.
    #[test]
    fn valid_shapes(s in "([a-zA-Z0-9-]{1,8}(\\.[a-zA-Z0-9-]{1,6}){0,2}(:[0-9]{1,5})?/)?[a-z0-9]{1,4}([._-]{1,2}[a-z0-9]{1,4}){0,2}(/[a-z0-9]{1,6}){0,2}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,10})?(@(sha256|sha512|md5|SHA256):[0-9a-fA-F]{30,66})?") {
        check(&s);
    }

    /// Near-valid: the grammar's alphabet plus troublemakers, in any order.
    #[test]
    fn near_valid(s in "[a-zA-Z0-9._:/@-]{0,24}") {
        check(&s);
    }

    /// Anything at all, including non-ASCII and controls.
    #[test]
    fn arbitrary(s in "\\PC{0,20}|[\\x00-\\x7f]{0,20}|[ÄäKİk\u{212A}A-Za-z:/]{0,10}") {
        check(&s);
    }

    /// Long names around the 255 limit, with digests.
    #[test]
    fn lengths(n in 240usize..270, tag in proptest::option::of("[a-z]{1,5}")) {
        let mut s = format!("quay.io/{}", "a".repeat(n - 8));
        if let Some(t) = tag { s = format!("{s}:{t}"); }
        check(&s);
        check(&format!("{s}@sha256:{HEX64}"));
    }
}

#[test]
fn corpus_names_agree_with_the_oracle() {
    for s in [
        "",
        " ",
        "bu___sy",
        "bu--sy",
        "a//b",
        "busybox:",
        ":tag",
        "[::1]:5000/x",
        "ÄÖ",
        "a\tb",
        "\u{212A}",
        "Foo/bar",
        "LOCALHOST/foo",
        "my_host.com/x",
        "-host.com/x",
        "sha256:d366a4665ab44f0648d7a00ae3fae139d55e32f9712c67accd604bb55df9d05a",
    ] {
        check(s);
    }
}
