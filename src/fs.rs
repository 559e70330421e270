//! Reading input files safely: one non-blocking, regular-file-only open and one bounded read
//! for every configuration file, drop-in, user alias file, names list and credential file,
//! plus the [`FileStamp`] that tells whether a file changed.
//!
//! The rule for every input: the path is `stat`ed, opened with `O_NONBLOCK` (so that opening
//! a FIFO without a writer returns at once instead of waiting), and the open file is
//! `fstat`ed; anything that is not a regular file — or a symbolic link to one — is refused
//! with an error naming the file and its type (a FIFO, a character device such as
//! `/dev/null` or `/dev/zero`, a socket, a block device). A directory is reported as
//! `is a directory`, as Go's `os.ReadFile` does. Nothing is ever read from a special file, so
//! no command and no reload can wait on one.
//!
//! This module is a leaf: it imports nothing else from the crate.

use std::fmt;
use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::Path;
use std::time::SystemTime;

/// The identity of one version of a file as seen by `stat` (following symbolic links): size,
/// modification time, device, inode and status-change time. Two equal stamps mean that, as
/// far as `stat` can tell, the file did not change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct FileStamp {
    len: u64,
    modified: Option<SystemTime>,
    dev: u64,
    ino: u64,
    ctime: (i64, i64),
}

impl FileStamp {
    /// The stamp of `path`, or `None` when it cannot be `stat`ed (missing, no permission).
    pub(crate) fn of(path: &Path) -> Option<FileStamp> {
        std::fs::metadata(path)
            .ok()
            .map(|m| FileStamp::from_metadata(&m))
    }

    /// The stamp described by `m` (from `stat` or `fstat`).
    pub(crate) fn from_metadata(m: &Metadata) -> FileStamp {
        FileStamp {
            len: m.len(),
            modified: m.modified().ok(),
            dev: m.dev(),
            ino: m.ino(),
            ctime: (m.ctime(), m.ctime_nsec()),
        }
    }

    /// When the file last changed: the later of its modification and status-change times
    /// (`None` if the system reports neither).
    pub(crate) fn changed_at(&self) -> Option<SystemTime> {
        let ctime = u64::try_from(self.ctime.0).ok().map(|secs| {
            SystemTime::UNIX_EPOCH
                + std::time::Duration::new(secs, u32::try_from(self.ctime.1).unwrap_or(0))
        });
        match (self.modified, ctime) {
            (Some(m), Some(c)) => Some(m.max(c)),
            (m, c) => m.or(c),
        }
    }
}

/// Why an input file could not be read. `Display` gives the reason without the path (the
/// caller names the file in its own wording).
#[derive(Debug)]
#[non_exhaustive]
pub enum ReadError {
    /// An operating-system error; `op` is `"open"`, `"stat"` or `"read"` (as Go's
    /// `*PathError` names them).
    Io {
        /// The operation that failed.
        op: &'static str,
        /// The error.
        error: io::Error,
    },
    /// The path is not a regular file (nor a symbolic link to one); `what` names its type
    /// (`"a FIFO"`, `"a character device"`, `"a socket"`, `"a block device"`).
    NotRegular {
        /// The file type, with its article.
        what: &'static str,
    },
    /// The file holds more than `limit` bytes.
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io { error, .. } => write!(f, "{error}"),
            ReadError::NotRegular { what } => write!(f, "not a regular file ({what})"),
            ReadError::TooLarge { limit } => {
                write!(f, "file is larger than the limit of {limit} bytes")
            }
        }
    }
}

impl std::error::Error for ReadError {}

/// The type of a non-regular, non-directory file, with its article.
fn special_kind(t: std::fs::FileType) -> &'static str {
    if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a file"
    }
}

/// Refuses anything but a regular file; a directory is `EISDIR` on `read`, as in Go.
fn require_regular(m: &Metadata) -> Result<(), ReadError> {
    let t = m.file_type();
    if t.is_file() {
        Ok(())
    } else if t.is_dir() {
        Err(ReadError::Io {
            op: "read",
            error: io::Error::from_raw_os_error(rustix::io::Errno::ISDIR.raw_os_error()),
        })
    } else {
        Err(ReadError::NotRegular {
            what: special_kind(t),
        })
    }
}

/// Opens `path` for reading without ever blocking: `stat` (following links) first, then
/// `open(O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)`, then `fstat` of the open file. Only a
/// regular file (or a symbolic link to one) is returned, with its metadata from `fstat`;
/// `Ok(None)` when the path does not exist.
///
pub(crate) fn open_regular(path: &Path) -> Result<Option<(File, Metadata)>, ReadError> {
    match std::fs::metadata(path) {
        Ok(m) => require_regular(&m)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        // Let `open` report it (permission denied on a directory component, ...).
        Err(_) => {}
    }
    let flags = rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::NOCTTY;
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits() as i32)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        // ENXIO: a socket (or a FIFO replaced by one since the stat).
        Err(e) if e.raw_os_error() == Some(rustix::io::Errno::NXIO.raw_os_error()) => {
            return Err(ReadError::NotRegular { what: "a socket" })
        }
        Err(error) => return Err(ReadError::Io { op: "open", error }),
    };
    // The path may have been replaced between the stat and the open: decide on what is open.
    let meta = file
        .metadata()
        .map_err(|error| ReadError::Io { op: "stat", error })?;
    require_regular(&meta)?;
    Ok(Some((file, meta)))
}

/// Checks, without reading and without ever blocking, that `path` is a regular file (or a
/// symbolic link to one) that can be opened for reading: `Ok(false)` when it does not exist.
// Used by the binary, which compiles this file too (src/main.rs).
#[allow(dead_code)]
pub fn check_readable(path: &Path) -> Result<bool, ReadError> {
    Ok(open_regular(path)?.is_some())
}

/// Reads a whole regular file (or a symbolic link to one) of at most `limit` bytes, opened
/// without blocking (see the module documentation). `Ok(None)` when the path does not
/// exist. A file that grows past the limit while being read is refused too.
// Used by the binary, which compiles this file too (src/main.rs).
#[allow(dead_code)]
pub fn read_limited(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, ReadError> {
    Ok(read_stamped(path, limit)?.map(|(bytes, _)| bytes))
}

/// [`read_limited`] with the stamp of the open file, taken before reading.
pub(crate) fn read_stamped(
    path: &Path,
    limit: u64,
) -> Result<Option<(Vec<u8>, FileStamp)>, ReadError> {
    let Some((file, meta)) = open_regular(path)? else {
        return Ok(None);
    };
    if meta.len() > limit {
        return Err(ReadError::TooLarge { limit });
    }
    let stamp = FileStamp::from_metadata(&meta);
    let mut buf = Vec::with_capacity(meta.len() as usize);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|error| ReadError::Io { op: "read", error })?;
    if buf.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    Ok(Some((buf, stamp)))
}

/// A file's content as UTF-8, or the byte offset of its first invalid sequence.
pub(crate) type Text = Result<String, usize>;

/// [`read_limited`] for text: the file's content as UTF-8 (`Err` with the byte offset of the
/// first invalid sequence otherwise), or `Ok(None)` when it does not exist.
pub(crate) fn read_limited_text(
    path: &Path,
    limit: u64,
) -> Result<Option<(Text, FileStamp)>, ReadError> {
    Ok(read_stamped(path, limit)?.map(|(bytes, stamp)| {
        let text = String::from_utf8(bytes).map_err(|e| e.utf8_error().valid_up_to());
        (text, stamp)
    }))
}

/// The UTF-8 text of a regular file within `limit`, or `None` for any problem (for showing
/// context around an error already reported; never blocks, see [`open_regular`]).
pub(crate) fn read_text_lossless(path: &Path, limit: u64) -> Option<String> {
    read_limited_text(path, limit).ok()??.0.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_too_large_and_special_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.conf");
        std::fs::write(&path, "x = 1\n").unwrap();
        let bytes = read_limited(&path, 1024).unwrap().unwrap();
        assert_eq!(bytes, b"x = 1\n");

        // Missing: `None`. Too large: an error. Special files: refused, never read.
        assert!(read_limited(&dir.path().join("missing"), 1024)
            .unwrap()
            .is_none());
        assert!(matches!(
            read_limited(&path, 3),
            Err(ReadError::TooLarge { limit: 3 })
        ));
        let err = read_limited("/dev/null".as_ref(), 1024).unwrap_err();
        assert_eq!(err.to_string(), "not a regular file (a character device)");
    }

    #[test]
    fn check_readable_opens_without_reading() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f"), "abc").unwrap();
        assert!(check_readable(&dir.path().join("f")).unwrap());
        assert!(!check_readable(&dir.path().join("absent")).unwrap());
        assert!(matches!(
            check_readable(dir.path()),
            Err(ReadError::Io { op: "read", .. })
        ));
    }

    #[test]
    fn symbolic_links_are_followed_directories_refused() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(&f, "abc").unwrap();
        std::os::unix::fs::symlink(&f, dir.path().join("link")).unwrap();
        assert_eq!(
            read_limited(&dir.path().join("link"), 3).unwrap().unwrap(),
            b"abc"
        );
        assert!(matches!(
            read_limited(dir.path(), 3),
            Err(ReadError::Io { op: "read", .. })
        ));
    }

    #[test]
    fn fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::from(0o600)).unwrap();
        let err = read_limited(&fifo, 10).unwrap_err();
        assert_eq!(err.to_string(), "not a regular file (a FIFO)");
    }

    #[test]
    fn socket_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("sock");
        let _l = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        let err = read_limited(&sock, 10).unwrap_err();
        assert_eq!(err.to_string(), "not a regular file (a socket)");
    }

    #[test]
    fn limit_is_inclusive() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, "abc").unwrap();
        assert_eq!(read_limited(&p, 3).unwrap().unwrap(), b"abc");
        assert!(matches!(
            read_limited(&p, 2),
            Err(ReadError::TooLarge { limit: 2 })
        ));
    }
}

#[cfg(test)]
mod stamp_tests {
    use super::*;

    #[test]
    fn stamps_change_with_the_file() {
        assert!(FileStamp::of("/nonexistent/shortnames".as_ref()).is_none());
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, "a").unwrap();
        let before = FileStamp::of(&p).unwrap();
        assert!(before.changed_at().is_some());
        std::fs::write(&p, "ab").unwrap();
        assert_ne!(FileStamp::of(&p).unwrap(), before);
    }
}
