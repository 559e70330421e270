//! MachineConfig / Ignition wrapping as MCO's helpers build it (spec rules 36–39):
//! `NewIgnFileBytesOverwriting` (mode 420, overwrite, explicit empty compression, a data URL
//! whose media type is Go's `http.DetectContentType`), Ignition 3.5.0, and the MachineConfig
//! object in Go `encoding/json` form.

use super::gojson::write_string;

/// The Ignition config version MCO writes.
///
/// ```
/// use shortnames::render::{ignition_json, IGNITION_VERSION};
/// assert!(ignition_json(&[]).contains(IGNITION_VERSION));
/// ```
pub const IGNITION_VERSION: &str = "3.5.0";

/// The label that ties a MachineConfig to a pool.
///
/// ```
/// use shortnames::render::{MachineConfig, ROLE_LABEL};
/// let mc = MachineConfig { name: "99-worker-registries".into(), role: "worker".into(), files: vec![] };
/// assert!(mc.to_json().contains(&format!("{:?}:\"worker\"", ROLE_LABEL)));
/// ```
pub const ROLE_LABEL: &str = "machineconfiguration.openshift.io/role";

/// `dataurl.EncodeBytes`: `data:<sniffed type>;base64,<standard base64>`.
///
/// ```
/// use shortnames::render::data_url;
/// assert_eq!(data_url(b"a = 1\n"), "data:text/plain;charset=utf-8;base64,YSA9IDEK");
/// ```
pub fn data_url(content: &[u8]) -> String {
    format!(
        "data:{};base64,{}",
        detect_content_type(content).replace("; ", ";"),
        base64_encode(content)
    )
}

/// Decodes a data URL as Ignition accepts them (base64 or percent-encoded payload).
///
/// ```
/// use shortnames::render::{data_url, decode_data_url};
/// assert_eq!(decode_data_url(&data_url(b"x\n")).unwrap(), b"x\n");
/// assert_eq!(decode_data_url("data:,a%20b").unwrap(), b"a b");
/// ```
pub fn decode_data_url(url: &str) -> Option<Vec<u8>> {
    let rest = url.strip_prefix("data:")?;
    let (meta, payload) = rest.split_once(',')?;
    if meta.ends_with(";base64") {
        return base64_decode(payload);
    }
    let b = payload.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].iter().enumerate() {
            if i <= chunk.len() {
                out.push(B64[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = B64.iter().position(|&x| x == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Go's `net/http.DetectContentType` (the WHATWG sniffing table, first 512 bytes).
pub(crate) fn detect_content_type(data: &[u8]) -> &'static str {
    let data = &data[..data.len().min(512)];
    let is_ws = |b: u8| matches!(b, b'\t' | b'\n' | 0x0c | b'\r' | b' ');
    let first = data.iter().position(|&b| !is_ws(b)).unwrap_or(data.len());
    const HTML: &[&[u8]] = &[
        b"<!DOCTYPE HTML",
        b"<HTML",
        b"<HEAD",
        b"<SCRIPT",
        b"<IFRAME",
        b"<H1",
        b"<DIV",
        b"<FONT",
        b"<TABLE",
        b"<A",
        b"<STYLE",
        b"<TITLE",
        b"<B",
        b"<BODY",
        b"<BR",
        b"<P",
        b"<!--",
    ];
    let ws_data = &data[first..];
    for sig in HTML {
        if ws_data.len() > sig.len()
            && sig.iter().zip(ws_data).all(|(&s, &d)| {
                let d = if s.is_ascii_uppercase() { d & 0xDF } else { d };
                s == d
            })
            && matches!(ws_data[sig.len()], b' ' | b'>')
        {
            return "text/html; charset=utf-8";
        }
    }
    if ws_data.starts_with(b"<?xml") {
        return "text/xml; charset=utf-8";
    }
    let masked = |mask: &[u8], pat: &[u8]| {
        data.len() >= pat.len()
            && pat
                .iter()
                .zip(mask)
                .zip(data)
                .all(|((p, m), d)| d & m == *p)
    };
    let exact: &[(&[u8], &'static str)] = &[
        (b"%PDF-", "application/pdf"),
        (b"%!PS-Adobe-", "application/postscript"),
    ];
    for (sig, ct) in exact {
        if data.starts_with(sig) {
            return ct;
        }
    }
    let ff2 = b"\xFF\xFF\x00\x00";
    if masked(ff2, b"\xFE\xFF\x00\x00") {
        return "text/plain; charset=utf-16be";
    }
    if masked(ff2, b"\xFF\xFE\x00\x00") {
        return "text/plain; charset=utf-16le";
    }
    if masked(b"\xFF\xFF\xFF\x00", b"\xEF\xBB\xBF\x00") {
        return "text/plain; charset=utf-8";
    }
    let riff_mask = b"\xFF\xFF\xFF\xFF\x00\x00\x00\x00\xFF\xFF\xFF\xFF";
    let binary: &[(&[u8], &[u8], &'static str)] = &[
        (b"\xFF\xFF\xFF\xFF", b"\x00\x00\x01\x00", "image/x-icon"),
        (b"\xFF\xFF\xFF\xFF", b"\x00\x00\x02\x00", "image/x-icon"),
        (b"\xFF\xFF", b"BM", "image/bmp"),
        (b"\xFF\xFF\xFF\xFF\xFF\xFF", b"GIF87a", "image/gif"),
        (b"\xFF\xFF\xFF\xFF\xFF\xFF", b"GIF89a", "image/gif"),
        (
            b"\xFF\xFF\xFF\xFF\x00\x00\x00\x00\xFF\xFF\xFF\xFF\xFF\xFF",
            b"RIFF\x00\x00\x00\x00WEBPVP",
            "image/webp",
        ),
        (
            b"\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF",
            b"\x89PNG\x0D\x0A\x1A\x0A",
            "image/png",
        ),
        (b"\xFF\xFF\xFF", b"\xFF\xD8\xFF", "image/jpeg"),
        (riff_mask, b"FORM\x00\x00\x00\x00AIFF", "audio/aiff"),
        (b"\xFF\xFF\xFF", b"ID3", "audio/mpeg"),
        (b"\xFF\xFF\xFF\xFF\xFF", b"OggS\x00", "application/ogg"),
        (
            b"\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF",
            b"MThd\x00\x00\x00\x06",
            "audio/midi",
        ),
        (riff_mask, b"RIFF\x00\x00\x00\x00AVI ", "video/avi"),
        (riff_mask, b"RIFF\x00\x00\x00\x00WAVE", "audio/wave"),
    ];
    for (mask, pat, ct) in binary {
        if masked(mask, pat) {
            return ct;
        }
    }
    if is_mp4(data) {
        return "video/mp4";
    }
    let tail: &[(&[u8], &'static str)] = &[(b"\x1A\x45\xDF\xA3", "video/webm")];
    for (sig, ct) in tail {
        if data.starts_with(sig) {
            return ct;
        }
    }
    let mut eot_mask = [0u8; 36];
    eot_mask[34] = 0xFF;
    eot_mask[35] = 0xFF;
    let mut eot_pat = [0u8; 36];
    eot_pat[34] = b'L';
    eot_pat[35] = b'P';
    if masked(&eot_mask, &eot_pat) {
        return "application/vnd.ms-fontobject";
    }
    let rest: &[(&[u8], &'static str)] = &[
        (b"\x00\x01\x00\x00", "font/ttf"),
        (b"OTTO", "font/otf"),
        (b"ttcf", "font/collection"),
        (b"wOFF", "font/woff"),
        (b"wOF2", "font/woff2"),
        (b"\x1F\x8B\x08", "application/x-gzip"),
        (b"PK\x03\x04", "application/zip"),
        (b"Rar!\x1A\x07\x00", "application/x-rar-compressed"),
        (b"Rar!\x1A\x07\x01\x00", "application/x-rar-compressed"),
        (b"\x00\x61\x73\x6D", "application/wasm"),
    ];
    for (sig, ct) in rest {
        if data.starts_with(sig) {
            return ct;
        }
    }
    let binary_byte =
        |b: u8| b <= 0x08 || b == 0x0B || (0x0E..=0x1A).contains(&b) || (0x1C..=0x1F).contains(&b);
    if ws_data.iter().any(|&b| binary_byte(b)) {
        return "application/octet-stream";
    }
    "text/plain; charset=utf-8"
}

fn is_mp4(data: &[u8]) -> bool {
    if data.len() < 12 {
        return false;
    }
    let size = u32::from_be_bytes([data[0], data[1], data[2], data[3]]) as usize;
    if data.len() < size || size % 4 != 0 || &data[4..8] != b"ftyp" {
        return false;
    }
    let mut st = 8;
    while st < size {
        if st != 12 && &data[st..st + 3] == b"mp4" {
            return true;
        }
        st += 4;
    }
    false
}

/// One file of an Ignition config.
///
/// ```
/// use shortnames::render::{ignition_json, IgnitionFile};
/// let f = IgnitionFile { path: "/etc/containers/registries.conf".into(), contents: b"x = 1\n".to_vec() };
/// assert!(ignition_json(&[f]).contains(r#""path":"/etc/containers/registries.conf""#));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnitionFile {
    /// The node path.
    pub path: String,
    /// The file content.
    pub contents: Vec<u8>,
}

/// The Ignition config MCO stores in `spec.config` for `files` (clarketm/json: empty objects
/// omitted, struct field order).
///
/// ```
/// use shortnames::render::{ignition_json, IgnitionFile};
/// assert_eq!(ignition_json(&[]), r#"{"ignition":{"version":"3.5.0"}}"#);
/// ```
pub fn ignition_json(files: &[IgnitionFile]) -> String {
    let mut out = String::from("{\"ignition\":{\"version\":\"");
    out.push_str(IGNITION_VERSION);
    out.push_str("\"}");
    if !files.is_empty() {
        out.push_str(",\"storage\":{\"files\":[");
        for (i, f) in files.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"overwrite\":true,\"path\":");
            write_string(&mut out, &f.path);
            out.push_str(",\"contents\":{\"compression\":\"\",\"source\":");
            write_string(&mut out, &data_url(&f.contents));
            out.push_str("},\"mode\":420}");
        }
        out.push_str("]}");
    }
    out.push('}');
    out
}

/// A MachineConfig for one pool, as `MachineConfigFromIgnConfig` builds it (with `apiVersion`
/// and `kind` filled in as the API client does).
///
/// ```
/// use shortnames::render::{render_registries, ClusterObjects};
///
/// let rendered = render_registries(&ClusterObjects::read(b"apiVersion: config.openshift.io/v1
/// kind: ImageTagMirrorSet
/// metadata: {name: a}
/// spec:
///   imageTagMirrors:
///   - {source: quay.io/ns, mirrors: [m.example.net/ns]}
/// ").unwrap(), None);
/// let mc = rendered.machine_config("worker");
/// assert_eq!((mc.name.as_str(), mc.role.as_str()), ("99-worker-generated-registries", "worker"));
/// assert!(mc.files.iter().any(|f| f.path == "/etc/containers/registries.conf"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineConfig {
    /// `metadata.name`.
    pub name: String,
    /// The pool (`machineconfiguration.openshift.io/role` label).
    pub role: String,
    /// The files of `spec.config`.
    pub files: Vec<IgnitionFile>,
}

impl MachineConfig {
    /// The object in Go `encoding/json` form (struct field order, zero-valued spec fields).
    ///
    /// ```
    /// use shortnames::render::{IgnitionFile, MachineConfig};
    /// let mc = MachineConfig { name: "50-worker-x".into(), role: "worker".into(), files: vec![] };
    /// assert!(mc.to_json().starts_with(r#"{"kind":"MachineConfig","apiVersion":"machineconfiguration.openshift.io/v1""#));
    /// ```
    pub fn to_json(&self) -> String {
        let mut out = String::from(
            "{\"kind\":\"MachineConfig\",\"apiVersion\":\"machineconfiguration.openshift.io/v1\",\"metadata\":{\"name\":",
        );
        write_string(&mut out, &self.name);
        out.push_str(",\"labels\":{");
        write_string(&mut out, ROLE_LABEL);
        out.push(':');
        write_string(&mut out, &self.role);
        out.push_str(
            "}},\"spec\":{\"osImageURL\":\"\",\"baseOSExtensionsContainerImage\":\"\",\"config\":",
        );
        out.push_str(&ignition_json(&self.files));
        out.push_str(
            ",\"kernelArguments\":null,\"extensions\":null,\"fips\":false,\"kernelType\":\"\"}}",
        );
        out
    }

    /// The object as YAML (the same fields; strings in double quotes).
    pub fn to_yaml(&self) -> String {
        let q = |s: &str| {
            let mut o = String::new();
            write_string(&mut o, s);
            o
        };
        let mut out = String::new();
        out.push_str("apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\n");
        out.push_str("metadata:\n  labels:\n");
        out.push_str(&format!("    {}: {}\n", q(ROLE_LABEL), q(&self.role)));
        out.push_str(&format!("  name: {}\n", q(&self.name)));
        out.push_str("spec:\n  baseOSExtensionsContainerImage: \"\"\n  config:\n    ignition:\n");
        out.push_str(&format!("      version: {IGNITION_VERSION}\n"));
        if !self.files.is_empty() {
            out.push_str("    storage:\n      files:\n");
            for f in &self.files {
                out.push_str("      - contents:\n          compression: \"\"\n");
                out.push_str(&format!(
                    "          source: {}\n",
                    q(&data_url(&f.contents))
                ));
                out.push_str("        mode: 420\n        overwrite: true\n");
                out.push_str(&format!("        path: {}\n", q(&f.path)));
            }
        }
        out.push_str("  extensions: null\n  fips: false\n  kernelArguments: null\n");
        out.push_str("  kernelType: \"\"\n  osImageURL: \"\"\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing() {
        assert_eq!(detect_content_type(b""), "text/plain; charset=utf-8");
        assert_eq!(
            detect_content_type(b"  <html>x"),
            "text/html; charset=utf-8"
        );
        assert_eq!(detect_content_type(b"<!-- x"), "text/html; charset=utf-8");
        assert_eq!(detect_content_type(b"\n<?xml v"), "text/xml; charset=utf-8");
        assert_eq!(detect_content_type(b"a\0b"), "application/octet-stream");
        assert_eq!(
            detect_content_type(b"\xEF\xBB\xBF[a]"),
            "text/plain; charset=utf-8"
        );
        assert_eq!(detect_content_type(b"\x1F\x8B\x08\0"), "application/x-gzip");
    }

    #[test]
    fn base64_round_trip() {
        for s in [&b""[..], b"a", b"ab", b"abc", b"abcd", b"\xff\x00\x10"] {
            assert_eq!(base64_decode(&base64_encode(s)).unwrap(), s);
        }
        assert_eq!(base64_encode(b"ab"), "YWI=");
    }
}
