//! Parsing of credential documents: docker `config.json` / containers `auth.json`,
//! legacy `.dockercfg`, and Kubernetes pull-secret payloads (spec §2, §3).

use std::collections::HashMap;

use zeroize::Zeroizing;

use super::error::{Diagnostic, DocumentErrorKind, EntryErrorReason, SourceId};
use super::json::{self, Json};
use super::secret::{Credential, Secret, SecretBytes};

/// Largest accepted document (4 MiB); every entry field, once decoded, is limited to 256 KiB.
///
/// ```
/// use shortnames::credentials::{AuthFileReport, Format, SourceId, MAX_DOCUMENT_BYTES};
/// let big = vec![b' '; MAX_DOCUMENT_BYTES + 1];
/// let report = AuthFileReport::check_document(SourceId::label("big.json"), &big, Format::DockerConfigJson);
/// assert_eq!(report.problems().next().unwrap().code(), "DocumentError");
/// ```
pub const MAX_DOCUMENT_BYTES: usize = 4 * 1024 * 1024;
/// Largest accepted entry field after decoding (256 KiB).
pub(crate) const MAX_FIELD_BYTES: usize = 256 * 1024;

/// The format of a credential document. The caller states it; the library never guesses.
///
/// ```
/// use shortnames::credentials::Format;
///
/// assert_eq!(Format::for_kubernetes_secret_type("kubernetes.io/dockerconfigjson"),
///            Some((".dockerconfigjson", Format::DockerConfigJson)));
/// assert_eq!(Format::for_kubernetes_secret_type("Opaque"), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// `{"auths": {...}}`: docker `config.json`, containers `auth.json`,
    /// `kubernetes.io/dockerconfigjson` secrets.
    DockerConfigJson,
    /// Legacy `{"<key>": {...}}` without the `auths` wrapper: `~/.dockercfg`,
    /// `kubernetes.io/dockercfg` secrets.
    Dockercfg,
}

impl Format {
    /// The data key and format of a Kubernetes secret type, or `None` if that type is
    /// not a pull secret.
    pub fn for_kubernetes_secret_type(secret_type: &str) -> Option<(&'static str, Format)> {
        match secret_type {
            "kubernetes.io/dockerconfigjson" => {
                Some((".dockerconfigjson", Format::DockerConfigJson))
            }
            "kubernetes.io/dockercfg" => Some((".dockercfg", Format::Dockercfg)),
            _ => None,
        }
    }
}

/// Same raw key twice in one object: the last value wins, at the first position.
fn dedup_last_wins(members: Vec<(String, Json)>) -> Vec<(String, Json)> {
    let mut index: HashMap<String, usize> = HashMap::with_capacity(members.len());
    let mut out: Vec<(String, Json)> = Vec::with_capacity(members.len());
    for (k, v) in members {
        match index.get(&k) {
            Some(&i) => out[i].1 = v,
            None => {
                index.insert(k.clone(), out.len());
                out.push((k, v));
            }
        }
    }
    out
}

/// Finds a member by ASCII-case-insensitive name (§2.4): exact case wins, otherwise the first
/// in document order, with `AmbiguousField` when several match.
fn find_member<'a>(
    members: &'a [(String, Json)],
    name: &'static str,
    source: &SourceId,
    entry_key: Option<&str>,
    diags: &mut Vec<Diagnostic>,
) -> Option<&'a Json> {
    if let Some((_, v)) = members.iter().find(|(k, _)| k == name) {
        return Some(v);
    }
    let mut matching = members.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name));
    let first = matching.next()?;
    if matching.next().is_some() {
        diags.push(Diagnostic::AmbiguousField {
            source: source.clone(),
            key: entry_key.map(str::to_string),
            field: name,
        });
    }
    Some(&first.1)
}

/// One entry after decoding.
pub(crate) enum EntryValue {
    Usable(Credential),
    Invalid(EntryErrorReason),
    Empty,
}

/// One `auths` member: raw key and decoded value.
pub(crate) struct ParsedEntry {
    pub raw_key: String,
    pub value: EntryValue,
}

/// Parses one document. `Err` is a `DocumentError` diagnostic (the document is unusable);
/// `Ok` carries the entries and the per-entry / per-document diagnostics.
pub(crate) fn parse_document(
    source: &SourceId,
    bytes: &[u8],
    format: Format,
) -> Result<(Vec<ParsedEntry>, Vec<Diagnostic>), Diagnostic> {
    let doc_err = |kind, pos: Option<(usize, usize)>| Diagnostic::DocumentError {
        source: source.clone(),
        kind,
        line: pos.map(|p| p.0),
        column: pos.map(|p| p.1),
    };
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(doc_err(DocumentErrorKind::TooLarge, None));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(doc_err(DocumentErrorKind::Empty, None));
    }
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Err(doc_err(DocumentErrorKind::ByteOrderMark, Some((1, 1))));
    }
    // Our own reader: string contents (secrets) are decoded into wiped buffers only; the
    // error keeps only the category and position.
    let tree: Json =
        json::parse(bytes).map_err(|pos| doc_err(DocumentErrorKind::Syntax, Some(pos)))?;
    let Json::Object(top) = tree else {
        return Err(doc_err(DocumentErrorKind::NotAnObject, None));
    };
    let top = dedup_last_wins(top);
    let mut diags = Vec::new();
    let members = match format {
        Format::Dockercfg => top,
        Format::DockerConfigJson => {
            let mut hosts = Vec::new();
            if let Some(Json::Object(h)) =
                find_member(&top, "credHelpers", source, None, &mut diags)
            {
                hosts = dedup_hosts(h);
            }
            let creds_store = matches!(
                find_member(&top, "credsStore", source, None, &mut diags),
                Some(Json::Str(s)) if !s.is_empty()
            );
            if !hosts.is_empty() || creds_store {
                diags.push(Diagnostic::HelpersIgnored {
                    source: source.clone(),
                    hosts,
                    creds_store,
                });
            }
            let pos = auths_position(&top, source, &mut diags);
            match pos {
                None => Vec::new(),
                Some(i) => match top.into_iter().nth(i).map(|(_, v)| v) {
                    Some(Json::Object(m)) => dedup_last_wins(m),
                    Some(Json::Null) | None => Vec::new(),
                    Some(_) => return Err(doc_err(DocumentErrorKind::InvalidStructure, None)),
                },
            }
        }
    };
    let mut entries = Vec::with_capacity(members.len());
    for (raw_key, value) in members {
        let value = decode_entry(source, &raw_key, value, &mut diags);
        entries.push(ParsedEntry { raw_key, value });
    }
    Ok((entries, diags))
}

fn dedup_hosts(h: &[(String, Json)]) -> Vec<String> {
    let mut hosts: Vec<String> = h.iter().map(|(k, _)| k.clone()).collect();
    hosts.sort();
    hosts.dedup();
    hosts
}

/// Index of the member chosen for `auths` (same rule as [`find_member`]).
fn auths_position(
    top: &[(String, Json)],
    source: &SourceId,
    diags: &mut Vec<Diagnostic>,
) -> Option<usize> {
    if let Some(i) = top.iter().position(|(k, _)| k == "auths") {
        return Some(i);
    }
    let mut it = top
        .iter()
        .enumerate()
        .filter(|(_, (k, _))| k.eq_ignore_ascii_case("auths"));
    let (first, _) = it.next()?;
    if it.next().is_some() {
        diags.push(Diagnostic::AmbiguousField {
            source: source.clone(),
            key: None,
            field: "auths",
        });
    }
    Some(first)
}

/// The recognised string fields of an entry (or of a CRI `AuthConfig`).
#[derive(Default)]
pub(crate) struct RawFields<'a> {
    pub auth: Option<&'a str>,
    pub username: Option<&'a str>,
    pub password: Option<&'a str>,
    pub identitytoken: Option<&'a str>,
    pub registrytoken: Option<&'a str>,
}

const FIELD_NAMES: [&str; 5] = [
    "auth",
    "username",
    "password",
    "identitytoken",
    "registrytoken",
];

fn decode_entry(
    source: &SourceId,
    raw_key: &str,
    value: Json,
    diags: &mut Vec<Diagnostic>,
) -> EntryValue {
    let Json::Object(members) = value else {
        return EntryValue::Invalid(EntryErrorReason::NotAnObject);
    };
    let members = dedup_last_wins(members);
    let mut found: [Option<&str>; 5] = [None; 5];
    for (slot, name) in found.iter_mut().zip(FIELD_NAMES) {
        match find_member(&members, name, source, Some(raw_key), diags) {
            None => {}
            Some(Json::Str(s)) => *slot = Some(s.expose_secret()),
            Some(v) if v.is_null() => {}
            Some(_) => return EntryValue::Invalid(EntryErrorReason::FieldType { field: name }),
        }
    }
    let fields = RawFields {
        auth: found[0],
        username: found[1],
        password: found[2],
        identitytoken: found[3],
        registrytoken: found[4],
    };
    let (value, ignored) = build_credential(&fields);
    if !ignored.is_empty() {
        diags.push(Diagnostic::IgnoredFields {
            source: source.clone(),
            key: raw_key.to_string(),
            fields: ignored,
        });
    }
    value
}

fn non_empty(f: Option<&str>) -> Option<&str> {
    f.filter(|s| !s.is_empty())
}

/// Applies §3.2 to the fields. Returns the entry value and the names of non-empty fields
/// that the chosen rule ignored.
pub(crate) fn build_credential(f: &RawFields<'_>) -> (EntryValue, Vec<&'static str>) {
    for (name, value) in FIELD_NAMES.iter().zip([
        f.auth,
        f.username,
        f.password,
        f.identitytoken,
        f.registrytoken,
    ]) {
        // `auth` is checked after decoding, below.
        if *name != "auth" && value.is_some_and(|v| v.len() > MAX_FIELD_BYTES) {
            return (
                EntryValue::Invalid(EntryErrorReason::TooLarge { field: name }),
                Vec::new(),
            );
        }
    }
    let auth = f.auth.map(decode_auth);
    if let Some(Ok(Some((u, p)))) = &auth {
        if u.len() + 1 + p.expose_secret().len() > MAX_FIELD_BYTES {
            return (
                EntryValue::Invalid(EntryErrorReason::TooLarge { field: "auth" }),
                Vec::new(),
            );
        }
    }
    let mut ignored = Vec::new();
    let username = non_empty(f.username);
    let password = non_empty(f.password);

    if let Some(token) = non_empty(f.registrytoken) {
        for (name, v) in [
            ("auth", f.auth),
            ("username", f.username),
            ("password", f.password),
            ("identitytoken", f.identitytoken),
        ] {
            if non_empty(v).is_some() {
                ignored.push(name);
            }
        }
        let token = Secret::from(token);
        return (
            EntryValue::Usable(Credential::RegistryToken { token }),
            ignored,
        );
    }
    if let Some(token) = non_empty(f.identitytoken) {
        let from_auth = match &auth {
            Some(Ok(Some((u, _)))) if !u.is_empty() => Some(u.clone()),
            _ => None,
        };
        if non_empty(f.auth).is_some() && from_auth.is_none() {
            ignored.push("auth");
        }
        let user = match from_auth {
            Some(u) => {
                if username.is_some_and(|x| x != u) {
                    ignored.push("username");
                }
                Some(u)
            }
            None => username.map(str::to_string),
        };
        if password.is_some() {
            ignored.push("password");
        }
        let cred = Credential::IdentityToken {
            username: user,
            token: Secret::from(token),
        };
        return (EntryValue::Usable(cred), ignored);
    }
    match auth {
        Some(Err(reason)) => return (EntryValue::Invalid(reason), ignored),
        Some(Ok(Some((u, p)))) if !(u.is_empty() && p.is_empty()) => {
            if username.is_some_and(|x| x != u) {
                ignored.push("username");
            }
            if password.is_some_and(|x| x != p.expose_secret()) {
                ignored.push("password");
            }
            let cred = Credential::Basic {
                username: u,
                password: p,
            };
            return (EntryValue::Usable(cred), ignored);
        }
        _ => {}
    }
    if username.is_some() || password.is_some() {
        let cred = Credential::Basic {
            username: username.unwrap_or("").to_string(),
            password: Secret::from(password.unwrap_or("")),
        };
        return (EntryValue::Usable(cred), ignored);
    }
    (EntryValue::Empty, ignored)
}

/// §3.1: decodes an `auth` value. `Ok(None)` = no `auth`.
pub(crate) fn decode_auth(raw: &str) -> Result<Option<(String, Secret)>, EntryErrorReason> {
    // Allocated once at its final capacity: a growing buffer would free unwiped copies.
    let mut cleaned: SecretBytes = Zeroizing::new(Vec::with_capacity(raw.len()));
    cleaned.extend(raw.bytes().filter(|&b| b != b'\r' && b != b'\n'));
    if cleaned.is_empty() {
        return Ok(None);
    }
    let decoded = decode_base64(&cleaned).ok_or(EntryErrorReason::AuthNotBase64)?;
    if decoded.is_empty() {
        return Ok(None);
    }
    let text = std::str::from_utf8(&decoded).map_err(|_| EntryErrorReason::AuthNotUtf8)?;
    let (user, pass) = text
        .split_once(':')
        .ok_or(EntryErrorReason::AuthMissingColon)?;
    let pass = pass.trim_matches('\0');
    Ok(Some((user.to_string(), Secret::from(pass))))
}

fn b64_value(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Standard-alphabet base64, padded (length multiple of 4, `=` only at the end) or
/// unpadded (length mod 4 = 2 or 3). Non-zero trailing bits are tolerated.
pub(crate) fn decode_base64(input: &[u8]) -> Option<SecretBytes> {
    let pad = input.iter().rev().take_while(|&&b| b == b'=').count();
    if pad > 0 && (pad > 2 || input.len() % 4 != 0) {
        return None;
    }
    let data = &input[..input.len() - pad];
    if data.len() % 4 == 1 {
        return None;
    }
    let mut out: SecretBytes = Zeroizing::new(Vec::with_capacity(data.len() / 4 * 3 + 2));
    for chunk in data.chunks(4) {
        let mut acc: u32 = 0;
        for &c in chunk {
            acc = (acc << 6) | b64_value(c)?;
        }
        match chunk.len() {
            4 => out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]),
            3 => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
            2 => out.push((acc >> 4) as u8),
            _ => return None,
        }
    }
    Some(out)
}

/// Reads a credential file (§2.5). `Ok(None)`: the file does not exist.
pub(crate) fn read_source_file(
    path: &std::path::Path,
) -> Result<Option<SecretBytes>, DocumentErrorKind> {
    use std::io::Read;
    // The crate's one non-blocking, regular-file-only open (a FIFO never blocks).
    let (file, meta) = match crate::fs::open_regular(path) {
        Ok(Some(opened)) => opened,
        Ok(None) => return Ok(None),
        Err(crate::fs::ReadError::Io { error, .. })
            if error.kind() != std::io::ErrorKind::IsADirectory =>
        {
            return Err(DocumentErrorKind::from_io(error.kind()))
        }
        Err(_) => return Err(DocumentErrorKind::NotRegularFile),
    };
    if meta.len() > MAX_DOCUMENT_BYTES as u64 {
        return Err(DocumentErrorKind::TooLarge);
    }
    // Read into a buffer that never reallocates (a reallocation would leave an unwiped
    // copy behind); one byte more than the limit detects files that grew meanwhile.
    let limit = MAX_DOCUMENT_BYTES + 1;
    let mut buf: SecretBytes = Zeroizing::new(vec![0u8; limit.min(meta.len() as usize + 4096)]);
    let mut filled = 0;
    let mut reader = file.take(limit as u64);
    loop {
        if filled == buf.len() {
            if buf.len() >= limit {
                return Err(DocumentErrorKind::TooLarge);
            }
            let mut bigger: SecretBytes = Zeroizing::new(vec![0u8; limit]);
            bigger[..filled].copy_from_slice(&buf[..filled]);
            buf = bigger;
        }
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(DocumentErrorKind::from_io(e.kind())),
        }
    }
    if filled > MAX_DOCUMENT_BYTES {
        return Err(DocumentErrorKind::TooLarge);
    }
    buf.truncate(filled);
    Ok(Some(buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &[u8]) -> Option<Vec<u8>> {
        decode_base64(s).map(|v| v.to_vec())
    }

    #[test]
    fn base64_padded_unpadded_and_invalid() {
        assert_eq!(b64(b"bnN1c2VyOm5zcGFzcw==").unwrap(), b"nsuser:nspass");
        assert_eq!(b64(b"bnN1c2VyOm5zcGFzcw").unwrap(), b"nsuser:nspass");
        assert_eq!(b64(b"aHViOmh1YnB3").unwrap(), b"hub:hubpw");
        assert_eq!(b64(b"YWI=").unwrap(), b"ab");
        assert_eq!(b64(b"YWI").unwrap(), b"ab");
        // non-zero trailing bits tolerated
        assert_eq!(b64(b"YWJ=").unwrap(), b"ab");
        for bad in [
            &b"YQ="[..],
            b"Y",
            b"YWJjZ",
            b"YW=I",
            b"YQ===",
            b"====",
            b"YW I",
            b"a-_b",
            b"not base64!",
        ] {
            assert!(b64(bad).is_none(), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn auth_decoding_rules() {
        let (u, p) = decode_auth("YWxpY2U6czNjcjpldA==").unwrap().unwrap();
        assert_eq!((u.as_str(), p.expose_secret()), ("alice", "s3cr:et"));
        let (u, p) = decode_auth("dTpwAAA=").unwrap().unwrap();
        assert_eq!((u.as_str(), p.expose_secret()), ("u", "p"));
        let (u, p) = decode_auth("bnN1c2Vy\r\nOm5zcGFzcw==\n").unwrap().unwrap();
        assert_eq!((u.as_str(), p.expose_secret()), ("nsuser", "nspass"));
        assert!(decode_auth("").unwrap().is_none());
        assert!(decode_auth("\r\n").unwrap().is_none());
        assert_eq!(
            decode_auth("anVzdHVzZXI=").unwrap_err(),
            EntryErrorReason::AuthMissingColon
        );
        assert_eq!(
            decode_auth("bnN1c2Vy Om5zcGFzcw==").unwrap_err(),
            EntryErrorReason::AuthNotBase64
        );
        // 0xff 0xfe 0x3a is not UTF-8
        assert_eq!(
            decode_auth("//46").unwrap_err(),
            EntryErrorReason::AuthNotUtf8
        );
        // ":" → empty user and password
        let (u, p) = decode_auth("Og==").unwrap().unwrap();
        assert!(u.is_empty() && p.is_empty());
    }

    #[test]
    fn json_errors_are_reduced_to_kind_and_position() {
        let src = SourceId::label("t");
        let err = parse_document(
            &src,
            b"{\"auths\": \"SECRETVALUE\" x",
            Format::DockerConfigJson,
        )
        .err()
        .unwrap();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("SECRETVALUE"), "{shown}");
        assert!(matches!(
            err,
            Diagnostic::DocumentError {
                kind: DocumentErrorKind::Syntax,
                line: Some(1),
                ..
            }
        ));
    }

    #[test]
    fn case_insensitive_members_and_ambiguity() {
        let src = SourceId::label("t");
        let doc = br#"{"AUTHS": {"a.io": {"Auth": "dTpw", "AUTH": "x"}}, "Auths": {}}"#;
        let (entries, diags) = parse_document(&src, doc, Format::DockerConfigJson).unwrap();
        assert_eq!(entries.len(), 1);
        assert!(matches!(
            entries[0].value,
            EntryValue::Usable(Credential::Basic { .. })
        ));
        let ambiguous: Vec<_> = diags
            .iter()
            .filter(|d| d.code() == "AmbiguousField")
            .collect();
        assert_eq!(ambiguous.len(), 2, "{diags:?}");
        // exact case wins silently
        let doc = br#"{"AUTHS": {"x.io": {"auth": "dTpw"}}, "auths": {"a.io": {"auth": "dTpw"}}}"#;
        let (entries, diags) = parse_document(&src, doc, Format::DockerConfigJson).unwrap();
        assert_eq!(entries[0].raw_key, "a.io");
        assert!(diags.is_empty());
    }

    #[test]
    fn duplicate_raw_key_last_wins() {
        let src = SourceId::label("t");
        let doc = br#"{"auths": {"a.io": {"auth": "not base64!"}, "a.io": {"auth": "dTpw"}}}"#;
        let (entries, _) = parse_document(&src, doc, Format::DockerConfigJson).unwrap();
        assert_eq!(entries.len(), 1);
        assert!(matches!(entries[0].value, EntryValue::Usable(_)));
    }

    #[test]
    fn field_types_and_sizes() {
        let src = SourceId::label("t");
        let big = "a".repeat(MAX_FIELD_BYTES + 1);
        let doc = format!(
            r#"{{"a.io": 5, "b.io": {{"password": 5}}, "c.io": {{"username": null, "password": "x", "email": 7}}, "d.io": {{"password": "{big}"}}}}"#
        );
        let (entries, _) = parse_document(&src, doc.as_bytes(), Format::Dockercfg).unwrap();
        let reasons: Vec<_> = entries
            .iter()
            .map(|e| match &e.value {
                EntryValue::Invalid(r) => Some(*r),
                _ => None,
            })
            .collect();
        assert_eq!(
            reasons,
            vec![
                Some(EntryErrorReason::NotAnObject),
                Some(EntryErrorReason::FieldType { field: "password" }),
                None,
                Some(EntryErrorReason::TooLarge { field: "password" }),
            ]
        );
    }
}
