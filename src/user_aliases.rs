//! The user alias file (`short-name-aliases.conf`, resolution rule 31), read: the one reader
//! every command uses — the resolver, `alias list` (through the alias cache), `check`
//! and `explain` — so that a broken file gives the same error kind and message everywhere.
//!
//! Reading takes the readers' `fcntl` lock of the cache (shared with Podman, which rewrites the
//! file in place under its exclusive lock; the lock file is never created), applies the input
//! limits (file size, then the number of entries), decodes the TOML and validates every entry
//! with the system table's rules.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::aliases::{join_complaints, validate_table, AliasEntry, AliasMap};
use crate::config::{decode, read_limited_display, Limits};
use crate::error::{Error, ErrorKind, Lines};
use crate::lock::{FileLock, LockKind};
use crate::quote::Q;

pub(crate) use crate::engine::FileStamp;

/// One validated entry with its value exactly as stored (the writer keeps it unnormalised).
#[derive(Debug, Clone)]
pub(crate) struct UserEntry {
    pub name: Box<str>,
    pub stored: String,
    pub entry: AliasEntry,
}

/// One reading of the user alias file.
#[derive(Debug)]
pub(crate) struct UserFileRead {
    /// The file's identity before it was read (`None` when it cannot be `stat`ed).
    pub stamp: Option<FileStamp>,
    /// The text, when it could be read (for diagnostics that quote it).
    pub text: Option<String>,
    /// The entries in file order, or the error every short-name lookup reports.
    pub result: Result<Vec<UserEntry>, Error>,
}

/// Reads the user alias file at `path` (shown as `display`). A missing file is an empty
/// table; nothing is created.
pub(crate) fn read(path: &Path, display: &str, limits: &Limits) -> UserFileRead {
    let _guard = crate::lock::process_guard();
    let _lock = match read_lock(path, display) {
        Ok(lock) => lock,
        Err(e) => {
            return UserFileRead {
                stamp: None,
                text: None,
                result: Err(e),
            }
        }
    };
    read_unlocked(path, display, limits)
}

/// [`read`] for a caller that already holds the cache lock (the writer, exclusively).
pub(crate) fn read_unlocked(path: &Path, display: &str, limits: &Limits) -> UserFileRead {
    let stamp = FileStamp::of(path);
    let prefix = load_prefix(display);
    let text = match read_limited_display(path, display, limits.max_file_size) {
        Ok(Some(t)) => t,
        Ok(None) => {
            return UserFileRead {
                stamp,
                text: None,
                result: Ok(Vec::new()),
            }
        }
        Err(e) => {
            let kind = match e.kind {
                ErrorKind::InvalidConfig(sub) => ErrorKind::InvalidUserAliases(sub),
                other => other,
            };
            return UserFileRead {
                stamp,
                text: None,
                result: Err(Error::with_details(
                    kind,
                    format!("{prefix}{}", e.message),
                    Some(display.to_owned()),
                    None,
                    None,
                )),
            };
        }
    };
    let result = parse(&text, display, limits);
    UserFileRead {
        stamp,
        text: Some(text),
        result,
    }
}

fn load_prefix(display: &str) -> String {
    format!("loading short-name aliases config file {}: ", Q(display))
}

/// Decodes and validates the text of the user alias file.
fn parse(text: &str, display: &str, limits: &Limits) -> Result<Vec<UserEntry>, Error> {
    let prefix = load_prefix(display);
    let lines = Lines::new(text);
    let raw = decode::decode_alias_file(text).map_err(|e| {
        Error::with_details(
            ErrorKind::InvalidUserAliases("toml"),
            format!("{prefix}toml: {}", e.message),
            Some(display.to_owned()),
            e.key,
            lines.span(&e.span),
        )
    })?;
    if raw.aliases.len() > limits.max_aliases_per_file {
        return Err(Error::with_details(
            ErrorKind::Limit("too-many-aliases"),
            format!(
                "{prefix}[aliases] has {} entries, more than the limit of {}",
                raw.aliases.len(),
                limits.max_aliases_per_file
            ),
            Some(display.to_owned()),
            Some("aliases".into()),
            None,
        ));
    }
    let stored: Vec<String> = raw.aliases.iter().map(|a| a.value.clone()).collect();
    let origin: Arc<str> = Arc::from(display);
    match validate_table(raw.aliases, &origin, &lines) {
        // Without complaints every entry is kept, in file order.
        Ok(entries) => Ok(entries
            .into_iter()
            .zip(stored)
            .map(|((name, entry), stored)| UserEntry {
                name,
                stored,
                entry,
            })
            .collect()),
        Err(c) => Err(Error::with_details(
            ErrorKind::InvalidUserAliases("bad-alias"),
            format!("{prefix}{}", join_complaints(&c)),
            Some(display.to_owned()),
            Some(c[0].key.clone()),
            c[0].location,
        )),
    }
}

/// The parsed user alias file as the resolver holds it: its entries by name or the error
/// every short-name lookup reports.
#[derive(Debug, Clone)]
pub(crate) struct UserAliases {
    pub result: Result<AliasMap, Error>,
    pub stamp: Option<FileStamp>,
}

impl UserAliases {
    /// Reads the user alias file with [`read`].
    pub(crate) fn load(display: &str, path: &Path, limits: &Limits) -> UserAliases {
        let r = read(path, display, limits);
        UserAliases {
            result: r
                .result
                .map(|v| v.into_iter().map(|e| (e.name, e.entry)).collect()),
            stamp: r.stamp,
        }
    }
}

/// The path of the cache's lock file: `<cache>.lock`.
pub(crate) fn lock_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

/// Opens the lock file without creating it and takes a shared lock. `None` when there is no
/// lock file to take (missing, its directory missing, or not openable for reading): only a
/// writer creates it, before writing; our own writers replace the cache atomically, so
/// reading unlocked sees old or new content.
fn read_lock(path: &Path, display: &str) -> Result<Option<FileLock>, Error> {
    let lock_path = lock_path(path);
    let file = match File::open(&lock_path) {
        Ok(f) => f,
        Err(e)
            if e.kind() == io::ErrorKind::NotFound
                || e.kind() == io::ErrorKind::PermissionDenied
                || e.raw_os_error() == Some(rustix::io::Errno::NOTDIR.raw_os_error()) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(io_load_error(display, "open", &lock_path, &e)),
    };
    FileLock::acquire(file, LockKind::Shared)
        .map(Some)
        .map_err(|e| io_load_error(display, "lock", &lock_path, &e))
}

fn io_load_error(display: &str, op: &str, path: &Path, e: &io::Error) -> Error {
    Error::with_details(
        ErrorKind::InvalidUserAliases("io"),
        format!(
            "{}{op} {}: {}",
            load_prefix(display),
            path.display(),
            crate::error::os_text(e)
        ),
        Some(display.to_owned()),
        None,
        None,
    )
}
