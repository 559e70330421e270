//! Configuration from bytes: `registries.conf` and drop-in texts held in memory, each with a
//! name used in messages, for embedders that receive their configuration over the wire (e.g.
//! from an attestation service) rather than from the node's files. Nothing is read from the
//! file system: no drop-in directory, no user files, no user alias file.

use std::path::PathBuf;
use std::sync::Arc;

use super::discovery::{self, FilePath, Role};
use super::ConfigSources;
use crate::quote::Q;
use crate::{Error, ErrorKind};

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

/// Visits an in-memory configuration — the main text, then the drop-in texts in order —
/// as [`discovery::walk`] visits files; `None` when the configuration is not in memory.
pub(super) fn walk(
    sources: &ConfigSources,
    visitor: &mut dyn discovery::Visitor,
) -> Option<Result<discovery::Walked, Error>> {
    let text = sources.memory.as_ref()?;
    let name: Arc<str> = Arc::from(
        sources
            .explicit_main()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    Some(visit(sources, visitor, &name, text))
}

fn visit(
    sources: &ConfigSources,
    visitor: &mut dyn discovery::Visitor,
    name: &Arc<str>,
    text: &str,
) -> Result<discovery::Walked, Error> {
    let max = sources.input_limits().max_file_size;
    if text.len() as u64 > max {
        let prefix = sources.compat_target().prefix_kind(Role::Main);
        return Err(Error::with_details(
            ErrorKind::Limit("file-too-large"),
            format!(
                "loading {prefix} {}: {name}: file is larger than the limit of {max} bytes",
                Q(name)
            ),
            Some(name.to_string()),
            None,
            None,
        ));
    }
    let main = FilePath {
        io: PathBuf::from(&**name),
        display: name.clone(),
        name: PathBuf::from(&**name),
    };
    visitor.file(&main, Role::Main, text)?;
    for (drop_in, contents) in sources.prepended_drop_ins() {
        let f = FilePath {
            io: PathBuf::from(drop_in),
            display: Arc::from(drop_in.as_str()),
            name: PathBuf::from(drop_in),
        };
        visitor.file(&f, Role::DropIn, contents)?;
    }
    Ok(discovery::Walked {
        main: name.clone(),
        blocked_in: format!("in {name} or {MEMORY_DROP_INS}"),
    })
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
