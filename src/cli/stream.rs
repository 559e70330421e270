//! The corpus document of `resolve --format json`, streamed: exactly the bytes of
//! `serde_json::to_writer_pretty` applied to [`report::document`] (../shared/conformance's
//! `expect.json` shape), but holding one lookup in memory at a time, so that memory stays
//! constant however many names are resolved. With a keyring, every source gains a
//! `credentials` member and the document a last member, `credential_diagnostics` (both in the
//! CLI's vocabulary, [`vocab`]).

use std::io::{self, Write};

use serde_json::Value;
use shortnames::credentials::Keyring;
use shortnames::{report, Resolver};

use super::vocab;

/// Writes the document of `names` to `out`; `each` sees every lookup before it is written
/// (e.g. to compute the exit status). Each name is resolved once. No trailing newline.
pub fn write_document<W: Write>(
    out: &mut W,
    resolver: &Resolver,
    names: &[Vec<u8>],
    keyring: Option<&Keyring>,
    mut each: impl FnMut(&Value),
) -> io::Result<()> {
    // The configuration members, as the whole document has them.
    let head = report::document::<&[u8]>(resolver, &[]);
    out.write_all(b"{\n  \"config_error\": ")?;
    write_nested(out, &head["config_error"], 1)?;
    out.write_all(b",\n  \"config\": ")?;
    write_nested(out, &head["config"], 1)?;
    drop(head);
    out.write_all(b",\n  \"lookups\": [")?;
    let mut any = false;
    for name in names {
        let v = report::lookup_json_with(resolver, name, |c, cj| {
            let Some(k) = keyring else { return };
            let Some(sources) = cj["sources"].as_array_mut() else {
                return;
            };
            for (s, sc) in sources.iter_mut().zip(&k.pull_source_credentials(c, None)) {
                s["credentials"] = vocab::pull_credentials_json(&sc.credentials);
            }
        });
        each(&v);
        out.write_all(if any { b",\n    " } else { b"\n    " })?;
        write_nested(out, &v, 2)?;
        any = true;
    }
    out.write_all(if any { b"\n  ]" } else { b"]" })?;
    if let Some(k) = keyring {
        let diagnostics: Value = k
            .diagnostics()
            .iter()
            .map(vocab::auth_diagnostic_json)
            .collect();
        out.write_all(b",\n  \"credential_diagnostics\": ")?;
        write_nested(out, &diagnostics, 1)?;
    }
    out.write_all(b"\n}")
}

/// `v` pretty-printed as serde_json does, its lines indented by `level` steps of two spaces
/// (the first line is not indented: it follows a key or a separator). JSON strings never
/// hold a raw newline, so every newline of the output is a line break of the layout.
fn write_nested<W: Write>(out: &mut W, v: &Value, level: usize) -> io::Result<()> {
    let text = serde_json::to_vec_pretty(v).map_err(io::Error::other)?;
    let indent = "  ".repeat(level);
    let mut lines = text.split(|&b| b == b'\n');
    if let Some(first) = lines.next() {
        out.write_all(first)?;
    }
    for line in lines {
        out.write_all(b"\n")?;
        out.write_all(indent.as_bytes())?;
        out.write_all(line)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use shortnames::credentials::{Format, SourceId};
    use shortnames::ConfigSources;

    fn streamed(resolver: &Resolver, names: &[&str], keyring: Option<&Keyring>) -> Vec<u8> {
        let names: Vec<Vec<u8>> = names.iter().map(|n| n.as_bytes().to_vec()).collect();
        let mut out = Vec::new();
        let mut seen = 0;
        write_document(&mut out, resolver, &names, keyring, |_| seen += 1).unwrap();
        assert_eq!(seen, names.len());
        out
    }

    #[test]
    fn byte_for_byte_the_whole_document() {
        let conf = "unqualified-search-registries = [\"quay.io\", \"docker.io\"]\n\
                    [[registry]]\nlocation = \"quay.io\"\n[[registry.mirror]]\nlocation = \"m.example.com\"\n\
                    [[registry]]\nlocation = \"evil.io\"\nblocked = true\n\
                    [aliases]\napp = \"quay.io/team/app\"\n";
        let resolver = Resolver::new(&ConfigSources::from_text("r.conf", conf.to_owned()));
        for names in [
            &["app", "busybox", "evil.io/x", "UPPER", ""][..],
            &["quay.io/a/b@sha256:0000000000000000000000000000000000000000000000000000000000000000"],
            &[],
        ] {
            let whole = serde_json::to_vec_pretty(&report::document(&resolver, names)).unwrap();
            assert_eq!(
                String::from_utf8(streamed(&resolver, names, None)).unwrap(),
                String::from_utf8(whole).unwrap()
            );
        }
        // A broken configuration: config_error set, config null.
        let broken = Resolver::new(&ConfigSources::from_text("b.conf", "x = [".to_owned()));
        let whole = serde_json::to_vec_pretty(&report::document(&broken, &["a"])).unwrap();
        assert_eq!(streamed(&broken, &["a"], None), whole);
    }

    #[test]
    fn credentials_only_add_members() {
        let resolver = Resolver::new(&ConfigSources::from_text(
            "r.conf",
            "unqualified-search-registries = [\"quay.io\"]\n[[registry]]\nlocation = \"quay.io\"\n[[registry.mirror]]\nlocation = \"m.example.com\"\n".to_owned(),
        ));
        let (keyring, _) = Keyring::builder()
            .namespace_document(
                SourceId::label("ns"),
                br#"{"auths":{"quay.io":{"auth":"dTpw"},"docker.io":{"auth":"!"}}}"#,
                Format::DockerConfigJson,
            )
            .build();
        let names = ["app", "UPPER"];
        let out = streamed(&resolver, &names, Some(&keyring));
        let mut doc: Value = serde_json::from_slice(&out).unwrap();
        // The layout is serde_json's pretty layout of the same value.
        assert_eq!(out, serde_json::to_vec_pretty(&doc).unwrap());
        let sources = &doc["lookups"][0]["candidates"][0]["sources"];
        assert!(
            sources[0]["credentials"]["credential"].is_null(),
            "mirror: anonymous"
        );
        assert_eq!(sources[1]["credentials"]["credential"]["username"], "u");
        assert_eq!(
            doc["credential_diagnostics"][0]["kind"],
            "credentials/auth-not-base64"
        );
        doc.as_object_mut()
            .unwrap()
            .remove("credential_diagnostics");
        for l in doc["lookups"].as_array_mut().unwrap() {
            for c in l["candidates"].as_array_mut().unwrap() {
                for s in c["sources"].as_array_mut().unwrap() {
                    assert!(s.as_object_mut().unwrap().remove("credentials").is_some());
                }
            }
        }
        assert_eq!(doc, report::document(&resolver, &names));
    }
}
