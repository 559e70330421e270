//! Inputs shared by the subcommands: files of names or manifests (`-` = stdin), image names
//! with a transport prefix, and checks that a named file can be used.

use std::io::Read;
use std::path::Path;

/// The transports of containers/image that are not registry pulls (`podman pull oci:DIR`
/// etc.). `docker://` is the registry transport and is accepted.
const OTHER_TRANSPORTS: &[&str] = &[
    "containers-storage",
    "dir",
    "docker-archive",
    "docker-daemon",
    "oci",
    "oci-archive",
    "ostree",
    "sif",
    "tarball",
];

/// A path as shown in messages.
pub fn shown(path: &Path) -> String {
    crate::escape::escape_controls(&path.to_string_lossy()).into_owned()
}

/// Reads a whole input file of at most `limit` bytes; `-` reads standard input. A file is
/// read with the library's bounded, non-blocking reader (a FIFO, device or socket is refused,
/// never opened to block). The error is one line naming the file.
pub fn read_input_limited(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(limit.saturating_add(1))
            .read_to_end(&mut buf)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        if buf.len() as u64 > limit {
            return Err(format!(
                "cannot read standard input: larger than the limit of {limit} bytes"
            ));
        }
        return Ok(buf);
    }
    read_file_limited(path, limit)
}

/// Reads a whole file (never stdin) of at most `limit` bytes with the library's bounded,
/// non-blocking reader; the error is one line naming the file (`cannot read FILE: why`).
pub fn read_file_limited(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    read_file_if_present(path, limit)?
        .ok_or_else(|| format!("cannot read {}: no such file or directory", shown(path)))
}

/// [`read_file_limited`] where a missing file (or a symbolic link to none) is `Ok(None)`.
pub fn read_file_if_present(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, String> {
    if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(format!("cannot read {}: is a directory", shown(path)));
    }
    crate::fs::read_limited(path, limit).map_err(|e| read_error(path, &e))
}

/// `cannot read FILE: why` for an error of the library's reader.
fn read_error(path: &Path, e: &crate::fs::ReadError) -> String {
    match e {
        crate::fs::ReadError::Io { error, .. } => cannot_read(path, error),
        _ => format!("cannot read {}: {e}", shown(path)),
    }
}

/// `cannot read FILE: why` for an I/O error, as every subcommand says it.
pub fn cannot_read(path: &Path, e: &std::io::Error) -> String {
    format!("cannot read {}: {}", shown(path), why(e))
}

/// An I/O error in words (`no such file or directory`, `permission denied`, ...), without
/// the OS error number.
pub fn why(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => {
            let s = e.to_string();
            s.split(" (os error").next().unwrap_or(&s).to_owned()
        }
    }
}

/// Checks that a file named by an option exists, is a regular file (or a link to one) and can
/// be opened (Podman fails on a missing `--authfile` too). `what` names the option, e.g.
/// `--auth-file`. The library's non-blocking open decides (one rule for special files).
pub fn require_readable(what: &str, path: &Path) -> Result<(), String> {
    if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(format!(
            "{what} cannot read {}: is a directory",
            shown(path)
        ));
    }
    match crate::fs::check_readable(path) {
        Ok(true) => Ok(()),
        Ok(false) => Err(format!(
            "{what} cannot read {}: no such file or directory",
            shown(path)
        )),
        Err(e) => Err(format!("{what} {}", read_error(path, &e))),
    }
}

/// Checks a file that may be absent (the user alias cache: absent = no aliases, as for
/// Podman) but, when present, must be readable.
pub fn require_readable_if_present(what: &str, path: &Path) -> Result<(), String> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        _ => require_readable(what, path),
    }
}

/// An image name as given on the command line: `docker://NAME` is taken as Podman takes it —
/// normalised and fully qualified (`docker://busybox` is `docker.io/library/busybox`), so no
/// short-name resolution happens; the other transports of containers/image are refused;
/// anything else is the name itself.
///
/// The result is the name to resolve, or the one-line error.
pub fn image_name(name: &str) -> Result<String, String> {
    if let Some(rest) = name.strip_prefix("docker://") {
        return shortnames::Reference::parse_normalized(rest)
            .map(|r| r.as_str().to_owned())
            .map_err(|e| format!("invalid image name {name:?}: {e}"));
    }
    if let Some((transport, _)) = name.split_once(':') {
        if OTHER_TRANSPORTS.contains(&transport) {
            return Err(format!(
                "transport {transport:?} is not supported in {name:?}: shortnames resolves registry image names; give NAME or docker://NAME"
            ));
        }
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transports() {
        assert_eq!(
            image_name("docker://busybox").unwrap(),
            "docker.io/library/busybox"
        );
        assert_eq!(
            image_name("docker://quay.io/a/b:1").unwrap(),
            "quay.io/a/b:1"
        );
        assert_eq!(image_name("busybox:1.36").unwrap(), "busybox:1.36");
        assert_eq!(image_name("docker:tag").unwrap(), "docker:tag");
        let e = image_name("oci:/tmp/layout").unwrap_err();
        assert!(e.contains("docker://NAME"), "{e}");
        assert!(image_name("docker://UPPER").is_err());
    }
}
