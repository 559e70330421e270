//! OCI image layout directories (image-spec `image-layout.md`): `oci-layout`, `index.json` and
//! content-addressed `blobs/<algorithm>/<hex>`, with every blob verified against its digest.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

/// `application/vnd.oci.image.manifest.v1+json`.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// `application/vnd.oci.image.index.v1+json`.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// `application/vnd.docker.distribution.manifest.v2+json`.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// `application/vnd.docker.distribution.manifest.list.v2+json`.
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// Every manifest media type a pull accepts.
pub const MANIFEST_TYPES: [&str; 4] = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST];
/// The annotation naming a manifest in `index.json`.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// `sha256:<hex>` of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(bytes);
    format!("sha256:{}", hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A running SHA-256 with a byte count, for streamed blobs.
#[derive(Default)]
pub(crate) struct Hasher {
    h: Sha256,
    pub len: u64,
}

impl Hasher {
    pub fn update(&mut self, b: &[u8]) {
        self.h.update(b);
        self.len += b.len() as u64;
    }
    pub fn digest(self) -> String {
        format!("sha256:{}", hex(&self.h.finalize()))
    }
}

/// Whether `digest` is `sha256:` followed by 64 lowercase hex digits (the only algorithm this
/// module writes or verifies; it also keeps digests safe as file names).
pub fn is_sha256_digest(digest: &str) -> bool {
    digest.strip_prefix("sha256:").is_some_and(|h| {
        h.len() == 64
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// Whether a manifest media type is an index (OCI index or Docker manifest list).
pub fn is_index(media_type: &str) -> bool {
    media_type == OCI_INDEX || media_type == DOCKER_LIST
}

/// The media type of a manifest: its `mediaType` member, else OCI index when it has
/// `manifests`, else OCI manifest.
pub fn manifest_media_type(doc: &Value) -> String {
    match doc.get("mediaType").and_then(Value::as_str) {
        Some(m) => m.to_owned(),
        None if doc.get("manifests").is_some() => OCI_INDEX.to_owned(),
        None => OCI_MANIFEST.to_owned(),
    }
}

/// A content descriptor (`mediaType`, `digest`, `size`, optional `platform`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    /// Media type.
    pub media_type: String,
    /// `sha256:<hex>`.
    pub digest: String,
    /// Size in bytes.
    pub size: u64,
    /// `os`, `architecture`, `variant` of an index entry, when given.
    pub platform: Option<(String, String, Option<String>)>,
}

impl Descriptor {
    /// Reads a descriptor object; `what` names it in errors.
    pub fn from_json(v: &Value, what: &str) -> Result<Descriptor, String> {
        let s = |k: &str| v.get(k).and_then(Value::as_str);
        let digest = s("digest").ok_or_else(|| format!("{what}: no digest"))?;
        if !is_sha256_digest(digest) {
            return Err(format!("{what}: unsupported digest {digest:?}"));
        }
        let size = v
            .get("size")
            .and_then(Value::as_u64)
            .ok_or_else(|| format!("{what}: no size"))?;
        let platform = v.get("platform").map(|p| {
            let f = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
            let variant = p.get("variant").and_then(Value::as_str).map(str::to_owned);
            (f("os"), f("architecture"), variant)
        });
        Ok(Descriptor {
            media_type: s("mediaType").unwrap_or_default().to_owned(),
            digest: digest.to_owned(),
            size,
            platform,
        })
    }

    /// The descriptor as JSON (without platform).
    pub fn to_json(&self) -> Value {
        json!({"mediaType": self.media_type, "digest": self.digest, "size": self.size})
    }
}

/// The blobs an image manifest references: config first, then the layers.
pub fn image_blobs(manifest: &Value) -> Result<Vec<Descriptor>, String> {
    let config = manifest
        .get("config")
        .ok_or_else(|| "manifest has no config".to_owned())?;
    let mut out = vec![Descriptor::from_json(config, "config")?];
    for (i, l) in manifest
        .get("layers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        out.push(Descriptor::from_json(l, &format!("layer {i}"))?);
    }
    Ok(out)
}

/// The entries of an index manifest.
pub fn index_entries(index: &Value) -> Result<Vec<Descriptor>, String> {
    index
        .get("manifests")
        .and_then(Value::as_array)
        .ok_or_else(|| "index has no manifests".to_owned())?
        .iter()
        .enumerate()
        .map(|(i, m)| Descriptor::from_json(m, &format!("index entry {i}")))
        .collect()
}

/// An OCI image layout directory.
#[derive(Debug, Clone)]
pub struct Layout {
    root: PathBuf,
}

fn io_context(path: &Path, e: io::Error) -> String {
    format!("{}: {e}", path.display())
}

/// Largest `index.json` read (a manifest list of a layout, not content).
const MAX_INDEX_BYTES: u64 = 4 << 20;

/// Reads a regular file (a FIFO or device would block or never end), at most `max` bytes.
fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let meta = fs::metadata(path).map_err(|e| io_context(path, e))?;
    if !meta.is_file() {
        return Err(format!("{}: not a regular file", path.display()));
    }
    if meta.len() > max {
        return Err(format!(
            "{}: larger than the limit of {max} bytes",
            path.display()
        ));
    }
    fs::read(path).map_err(|e| io_context(path, e))
}

impl Layout {
    /// A layout at `root` (nothing is read or written yet).
    pub fn new(root: impl Into<PathBuf>) -> Layout {
        Layout { root: root.into() }
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the blob `digest` lives (`digest` must be a valid sha256 digest).
    pub fn blob_path(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
        self.root.join("blobs").join("sha256").join(hex)
    }

    /// Creates the directory structure and the `oci-layout` marker.
    pub fn create(&self) -> Result<(), String> {
        let blobs = self.root.join("blobs").join("sha256");
        fs::create_dir_all(&blobs).map_err(|e| io_context(&blobs, e))?;
        let marker = self.root.join("oci-layout");
        fs::write(&marker, br#"{"imageLayoutVersion":"1.0.0"}"#).map_err(|e| io_context(&marker, e))
    }

    /// Writes a blob after checking its digest (write to a temporary name, then rename).
    pub fn write_blob(&self, digest: &str, bytes: &[u8]) -> Result<(), String> {
        let actual = sha256_digest(bytes);
        if actual != digest {
            return Err(format!("digest mismatch: expected {digest}, got {actual}"));
        }
        let path = self.blob_path(digest);
        let tmp = path.with_extension("partial");
        let mut f = fs::File::create(&tmp).map_err(|e| io_context(&tmp, e))?;
        f.write_all(bytes).map_err(|e| io_context(&tmp, e))?;
        fs::rename(&tmp, &path).map_err(|e| io_context(&path, e))
    }

    /// A temporary file for a streamed blob; [`Layout::commit_blob`] moves it into place.
    pub(crate) fn partial_blob(&self, digest: &str) -> Result<(PathBuf, fs::File), String> {
        let tmp = self.blob_path(digest).with_extension("partial");
        let f = fs::File::create(&tmp).map_err(|e| io_context(&tmp, e))?;
        Ok((tmp, f))
    }

    /// Moves a verified streamed blob into place.
    pub(crate) fn commit_blob(&self, tmp: &Path, digest: &str) -> Result<(), String> {
        let path = self.blob_path(digest);
        fs::rename(tmp, &path).map_err(|e| io_context(&path, e))
    }

    /// Reads a blob and verifies it against its digest (and `size`, when given).
    pub fn read_blob(&self, digest: &str, size: Option<u64>) -> Result<Vec<u8>, String> {
        if !is_sha256_digest(digest) {
            return Err(format!("unsupported digest {digest:?}"));
        }
        let path = self.blob_path(digest);
        let bytes = read_regular(&path, size.unwrap_or(u64::MAX))?;
        let actual = sha256_digest(&bytes);
        if actual != digest {
            return Err(format!(
                "{}: digest mismatch: expected {digest}, got {actual}",
                path.display()
            ));
        }
        if let Some(s) = size.filter(|&s| s != bytes.len() as u64) {
            return Err(format!(
                "{}: size mismatch: descriptor says {s} bytes, blob has {}",
                path.display(),
                bytes.len()
            ));
        }
        Ok(bytes)
    }

    /// Adds `manifest` to `index.json`, annotated with `ref_name` when given: an entry with
    /// the same name (or, without a name, every unnamed entry) is replaced, other images in
    /// the layout stay. An unreadable or invalid `index.json` is replaced.
    pub fn write_index(&self, manifest: &Descriptor, ref_name: Option<&str>) -> Result<(), String> {
        let mut d = manifest.to_json();
        if let Some(r) = ref_name {
            d["annotations"] = json!({ REF_NAME: r });
        }
        let existing = read_regular(&self.root.join("index.json"), MAX_INDEX_BYTES)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .and_then(|v| v.get("manifests").and_then(Value::as_array).cloned())
            .unwrap_or_default();
        let mut manifests: Vec<Value> = existing
            .into_iter()
            .filter(|e| e["annotations"][REF_NAME].as_str() != ref_name)
            .collect();
        manifests.push(d);
        let doc = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests});
        let path = self.root.join("index.json");
        let text = serde_json::to_vec_pretty(&doc).map_err(|e| e.to_string())?;
        fs::write(&path, text).map_err(|e| io_context(&path, e))
    }

    /// The manifest `index.json` names: the only one, or the one annotated `ref_name`.
    pub fn top_manifest(&self, ref_name: Option<&str>) -> Result<Descriptor, String> {
        let path = self.root.join("index.json");
        let text = read_regular(&path, MAX_INDEX_BYTES)?;
        let doc: Value = serde_json::from_slice(&text).map_err(|e| {
            format!(
                "{}: not valid JSON (line {}, column {})",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
        let entries = doc
            .get("manifests")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("{}: no manifests", path.display()))?;
        let chosen = if entries.len() == 1 {
            &entries[0]
        } else {
            let wanted = ref_name.unwrap_or("latest");
            entries
                .iter()
                .find(|e| e["annotations"][REF_NAME].as_str() == Some(wanted))
                .ok_or_else(|| {
                    format!(
                        "{}: {} manifests and none annotated {REF_NAME} = {wanted:?}",
                        path.display(),
                        entries.len()
                    )
                })?
        };
        let mut d = Descriptor::from_json(chosen, &format!("{}", path.display()))?;
        if d.media_type.is_empty() {
            d.media_type = OCI_MANIFEST.to_owned();
        }
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_are_verified_on_write_and_read() {
        let dir = tempfile::tempdir().unwrap();
        let l = Layout::new(dir.path());
        l.create().unwrap();
        let d = sha256_digest(b"hello");
        assert!(is_sha256_digest(&d));
        assert!(l
            .write_blob(&d, b"hellO")
            .unwrap_err()
            .contains("digest mismatch"));
        l.write_blob(&d, b"hello").unwrap();
        assert_eq!(l.read_blob(&d, Some(5)).unwrap(), b"hello");
        assert!(l
            .read_blob(&d, Some(4))
            .unwrap_err()
            .contains("larger than"));
        assert!(l
            .read_blob(&d, Some(6))
            .unwrap_err()
            .contains("size mismatch"));
        fs::write(l.blob_path(&d), b"tampered").unwrap();
        assert!(l
            .read_blob(&d, None)
            .unwrap_err()
            .contains("digest mismatch"));
        assert!(l.read_blob("sha256:../../etc/passwd", None).is_err());
        // A directory (like a FIFO or device) where a blob should be is refused, not read.
        let other = sha256_digest(b"other");
        fs::create_dir(l.blob_path(&other)).unwrap();
        assert!(l
            .read_blob(&other, None)
            .unwrap_err()
            .contains("not a regular file"));
    }

    #[test]
    fn index_names_the_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let l = Layout::new(dir.path());
        l.create().unwrap();
        let m = Descriptor {
            media_type: OCI_MANIFEST.into(),
            digest: sha256_digest(b"m"),
            size: 1,
            platform: None,
        };
        l.write_index(&m, Some("1.0")).unwrap();
        assert_eq!(l.top_manifest(None).unwrap(), m);
        // A second image joins the layout; the same name again replaces its entry.
        let m2 = Descriptor {
            digest: sha256_digest(b"m2"),
            ..m.clone()
        };
        l.write_index(&m2, Some("2.0")).unwrap();
        l.write_index(&m2, Some("2.0")).unwrap();
        assert_eq!(l.top_manifest(Some("1.0")).unwrap(), m);
        assert_eq!(l.top_manifest(Some("2.0")).unwrap(), m2);
        assert!(l.top_manifest(None).unwrap_err().contains("2 manifests"));
        assert_eq!(
            manifest_media_type(&json!({"manifests": []})),
            OCI_INDEX.to_owned()
        );
    }
}
