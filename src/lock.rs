//! POSIX `fcntl` record locks on a lock file, compatible with containers/storage's
//! `pkg/lockfile` (which Podman and every containers/image user take on
//! `<alias cache>.lock`): `F_SETLKW` on the whole file, `F_RDLCK` for readers, `F_WRLCK`
//! for writers. `flock(2)` would not do: on Linux it does not conflict with `fcntl` locks.
//!
//! `fcntl` locks belong to the *process*: two threads of one process never exclude each
//! other, and closing *any* descriptor of the file drops all the process's locks on it.
//! Every user of this module therefore also holds [`process_guard`] for as long as it holds
//! a lock file open.

use std::fs::File;
use std::io;
use std::sync::{Mutex, MutexGuard};

use rustix::fs::{fcntl_lock, FlockOperation};

/// Serialises, within this process, every access to alias-cache lock files (see the module
/// documentation for why an in-process lock is needed on top of the `fcntl` lock).
static PROCESS_LOCK: Mutex<()> = Mutex::new(());

/// Takes the in-process lock. A poisoned mutex is recovered: it guards no data.
pub(crate) fn process_guard() -> MutexGuard<'static, ()> {
    PROCESS_LOCK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Kind of `fcntl` lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LockKind {
    /// `F_RDLCK`: shared with other readers; the file needs only to be open for reading.
    Shared,
    /// `F_WRLCK`: exclusive; the file must be open for writing.
    Exclusive,
}

/// A held whole-file `fcntl` lock; released (`F_UNLCK`) and closed on drop.
#[derive(Debug)]
pub(crate) struct FileLock {
    file: File,
}

impl FileLock {
    /// Blocks (`F_SETLKW`) until the lock of `kind` on all of `file` is granted.
    /// Interrupted waits (`EINTR`) are retried.
    pub(crate) fn acquire(file: File, kind: LockKind) -> io::Result<FileLock> {
        let op = match kind {
            LockKind::Shared => FlockOperation::LockShared,
            LockKind::Exclusive => FlockOperation::LockExclusive,
        };
        loop {
            match fcntl_lock(&file, op) {
                Ok(()) => return Ok(FileLock { file }),
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // Closing the descriptor releases the lock anyway; unlocking first just makes the
        // release explicit. An error here cannot be acted upon.
        let _ = fcntl_lock(&self.file, FlockOperation::Unlock);
    }
}
