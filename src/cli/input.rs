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
    path.display().to_string()
}

/// Reads a whole input file; `-` reads standard input. The error is one line naming the
/// file.
pub fn read_input(path: &Path) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .read_to_end(&mut buf)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        return Ok(buf);
    }
    let meta = std::fs::metadata(path).map_err(|e| cannot_read(path, &e))?;
    if meta.is_dir() {
        return Err(format!("cannot read {}: is a directory", shown(path)));
    }
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut buf))
        .map_err(|e| cannot_read(path, &e))?;
    Ok(buf)
}

fn cannot_read(path: &Path, e: &std::io::Error) -> String {
    let why = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => {
            let s = e.to_string();
            s.split(" (os error").next().unwrap_or(&s).to_owned()
        }
    };
    format!("cannot read {}: {why}", shown(path))
}

/// Checks that a file named by an option exists, is a regular file (or a link to one) and can
/// be opened (Podman fails on a missing `--authfile` too). `what` names the option, e.g.
/// `--auth-file`.
pub fn require_readable(what: &str, path: &Path) -> Result<(), String> {
    match std::fs::metadata(path) {
        Err(e) => Err(format!("{what} {}", cannot_read(path, &e))),
        Ok(m) if m.is_dir() => Err(format!(
            "{what} cannot read {}: is a directory",
            shown(path)
        )),
        // Never open a FIFO or device here: that can block.
        Ok(m) if !m.is_file() => Err(format!(
            "{what} cannot read {}: not a regular file",
            shown(path)
        )),
        Ok(_) => std::fs::File::open(path)
            .map(drop)
            .map_err(|e| format!("{what} {}", cannot_read(path, &e))),
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
