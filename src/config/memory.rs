//! Configuration from bytes: `registries.conf` and drop-in texts held in memory, each with a
//! name used in messages, for embedders that receive their configuration over the wire (e.g.
//! from an attestation service) rather than from the node's files. Nothing is read from the
//! file system: no drop-in directory, no user files, no user alias file.

use std::path::PathBuf;
use std::sync::Arc;

use super::{ConfigSources, ReadProblem};
use crate::ErrorKind;

/// What the blocked message names as the drop-in location of an in-memory configuration.
const MEMORY_DROP_INS: &str = "(in-memory drop-ins)";

impl ConfigSources {
    /// A configuration whose main file is `text`, shown as `name` in messages (origins,
    /// errors with line and column, the blocked message). Add drop-ins with
    /// [`ConfigSources::drop_in_text`]; nothing is read from the file system.
    ///
    /// ```
    /// use shortnames::{ConfigSources, Resolver};
    ///
    /// let sources = ConfigSources::from_text("attested:registries.conf", r#"
    /// unqualified-search-registries = ["quay.io"]
    /// [[registry]]
    /// location = "quay.io"
    /// [[registry.mirror]]
    /// location = "mirror.example.net/quay"
    /// "#)
    /// .drop_in_text("attested:50-aliases.conf", "[aliases]\nubi9 = \"registry.access.redhat.com/ubi9\"\n");
    /// assert!(sources.is_in_memory());
    /// let resolver = Resolver::new(&sources);
    /// let r = resolver.resolve("ubi9").unwrap();
    /// assert_eq!(r.origin, Some("attested:50-aliases.conf"));
    /// let r = resolver.resolve("app:1").unwrap();
    /// let s = r.candidates[0].sources.as_ref().unwrap();
    /// assert_eq!(s[0].reference.as_str(), "mirror.example.net/quay/app:1");
    ///
    /// // Errors name the text and its line and column.
    /// let bad = Resolver::new(&ConfigSources::from_text("wire.conf", "unqualified-search-registries = 1\n"));
    /// let e = bad.config().unwrap_err();
    /// assert_eq!(e.file(), Some("wire.conf"));
    /// assert!(e.location().is_some());
    /// ```
    pub fn from_text(name: impl Into<String>, text: impl Into<Arc<str>>) -> ConfigSources {
        let mut s = ConfigSources::new().registries_conf(PathBuf::from(name.into()));
        s.memory = Some(text.into());
        s
    }

    /// Adds an in-memory drop-in named `name`, applied after the main text and the drop-ins
    /// added before it (the order a directory's sorted file names would give).
    pub fn drop_in_text(self, name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        self.prepend_drop_in(name, text)
    }

    /// Whether the configuration is held in memory ([`ConfigSources::from_text`]).
    pub fn is_in_memory(&self) -> bool {
        self.memory.is_some()
    }
}

/// The main text of an in-memory configuration, with the size limit files have.
pub(super) fn main_text(sources: &ConfigSources) -> Option<Result<Option<String>, ReadProblem>> {
    let text = sources.memory.as_ref()?;
    let max = sources.input_limits().max_file_size;
    if text.len() as u64 > max {
        let name = sources.main_file().display;
        return Some(Err(ReadProblem {
            kind: ErrorKind::Limit("file-too-large"),
            message: format!("{name}: file is larger than the limit of {max} bytes"),
        }));
    }
    Some(Ok(Some(text.to_string())))
}

/// The drop-in directories to read: none for an in-memory configuration.
pub(super) fn drop_in_dirs(sources: &ConfigSources) -> Vec<PathBuf> {
    if sources.is_in_memory() {
        Vec::new()
    } else {
        sources.drop_in_dirs()
    }
}

/// The drop-in location the blocked message names.
pub(super) fn blocked_message_dir(sources: &ConfigSources) -> String {
    if sources.is_in_memory() {
        MEMORY_DROP_INS.to_owned()
    } else {
        sources.blocked_message_dir()
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Limits;
    use crate::{ConfigSources, Resolver};

    #[test]
    fn no_file_is_read_and_limits_apply() {
        // A main "path" that exists on disk is still not read.
        let dir = tempfile::tempdir().unwrap();
        let on_disk = dir.path().join("registries.conf");
        std::fs::write(
            &on_disk,
            "unqualified-search-registries = [\"disk.example\"]\n",
        )
        .unwrap();
        let s = ConfigSources::from_text(
            on_disk.to_string_lossy(),
            "unqualified-search-registries = [\"memory.example\"]\n",
        );
        let r = Resolver::new(&s);
        let res = r.resolve("x").unwrap();
        assert_eq!(
            res.candidates[0].reference.as_str(),
            "memory.example/x:latest"
        );

        let big = ConfigSources::from_text("big.conf", "#".repeat(100))
            .limits(Limits::default().with_max_file_size(10));
        let e = Resolver::new(&big).config().unwrap_err().to_string();
        assert!(e.contains("big.conf") && e.contains("limit"), "{e}");
    }

    #[test]
    fn blocked_message_names_the_texts() {
        let s = ConfigSources::from_text(
            "wire.conf",
            "[[registry]]\nlocation = \"bad.example\"\nblocked = true\n",
        );
        let r = Resolver::new(&s);
        let res = r.resolve("bad.example/x").unwrap();
        let e = res.candidates[0].sources.as_ref().unwrap()[0]
            .error
            .as_ref()
            .unwrap()
            .to_string();
        assert_eq!(
            e,
            "registry bad.example is blocked in wire.conf or (in-memory drop-ins)"
        );
    }
}
