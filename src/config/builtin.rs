//! Built-in defaults compiled into the library: the shipped alias table and the search list
//! that OpenShift nodes ship.
//!
//! The files of the repository's `aliases/` directory are embedded with [`include_str!`], so
//! the binary works on a host that has no `/etc/containers` at all. The configuration loader
//! layers [`BUILTIN_DROP_INS`] *under* all other configuration, as if they were the first
//! files of the first drop-in directory: any registries.conf or drop-in on the host, read
//! later, can override or tombstone (`"name" = ""`) each alias.
//!
//! ```
//! use shortnames::config::{BUILTIN_DROP_INS, BUILTIN_SEARCH_REGISTRIES};
//!
//! let (name, contents) = BUILTIN_DROP_INS[0];
//! assert_eq!(name, "005-openshift-shortnames.conf");
//! assert!(contents.contains(r#""ubi9" = "registry.access.redhat.com/ubi9""#));
//! assert_eq!(BUILTIN_SEARCH_REGISTRIES, ["registry.access.redhat.com", "docker.io"]);
//! ```

use crate::config::{discovery, ConfigSources};
use crate::error::Error;

/// The built-in drop-in files as `(file name, contents)`, in the order they are to be layered
/// (byte order of the file names, as drop-ins in a directory are read).
///
/// Each file is a registries.conf v2 drop-in holding only an `[aliases]` table. A loader
/// reporting an error in one of them should name it as the file name prefixed by
/// `<built-in>/` (for example `<built-in>/005-openshift-shortnames.conf`), since
/// it does not exist on disk.
///
/// ```
/// for (name, contents) in shortnames::config::BUILTIN_DROP_INS {
///     assert!(name.ends_with(".conf"));
///     assert!(contents.contains("[aliases]"));
/// }
/// ```
pub const BUILTIN_DROP_INS: &[(&str, &str)] = &[(
    "005-openshift-shortnames.conf",
    include_str!("../../aliases/005-openshift-shortnames.conf"),
)];

/// The built-in `unqualified-search-registries`, in order: what OpenShift nodes ship
/// (Red Hat's registry first, then Docker Hub). Used only when the host has no
/// configuration at all and the caller asked for built-in defaults.
///
/// ```
/// assert_eq!(shortnames::config::BUILTIN_SEARCH_REGISTRIES[0], "registry.access.redhat.com");
/// ```
pub const BUILTIN_SEARCH_REGISTRIES: &[&str] = &["registry.access.redhat.com", "docker.io"];

/// Prefix for the origin (the "file" named in descriptions and errors) of an embedded drop-in:
/// origin = `BUILTIN_ORIGIN_PREFIX` + file name, e.g. `<built-in>/005-openshift-shortnames.conf`.
pub(crate) const BUILTIN_ORIGIN_PREFIX: &str = "<built-in>/";

/// Display name of the synthetic drop-in that sets [`BUILTIN_SEARCH_REGISTRIES`] (what
/// descriptions and `search_registries_origin` show when the built-in defaults are used).
///
/// ```
/// assert_eq!(shortnames::config::BUILTIN_SEARCH_ORIGIN, "<built-in>/search-registries.conf");
/// ```
pub const BUILTIN_SEARCH_ORIGIN: &str = "<built-in>/search-registries.conf";

/// The contents of the synthetic drop-in named [`BUILTIN_SEARCH_ORIGIN`]: a registries.conf
/// v2 drop-in that sets only `unqualified-search-registries` to
/// [`BUILTIN_SEARCH_REGISTRIES`].
pub(crate) fn builtin_search_drop_in() -> String {
    let list: Vec<String> = BUILTIN_SEARCH_REGISTRIES
        .iter()
        .map(|r| format!("{r:?}"))
        .collect();
    format!("unqualified-search-registries = [{}]\n", list.join(", "))
}

impl ConfigSources {
    /// Whether these sources find no configuration at all: the one file walk of the loader
    /// (the same discovery, the same layout) reaches no main file, no drop-in and no
    /// in-memory file, and meets no problem (an unreadable file or directory is
    /// configuration that is broken, not absent). A caller that offers built-in defaults
    /// (like the `shortnames` CLI) uses them only when this is `true` and the user named no
    /// configuration path.
    ///
    /// ```
    /// use shortnames::config::Host;
    /// use shortnames::ConfigSources;
    ///
    /// let root = tempfile::tempdir().unwrap();
    /// let host = Host::new().sysroot(root.path()).home(root.path().join("home"));
    /// assert!(ConfigSources::discover(&host).is_unconfigured());
    /// let etc = root.path().join("etc/containers/registries.conf.d");
    /// std::fs::create_dir_all(&etc).unwrap();
    /// // An empty drop-in directory is still no configuration.
    /// assert!(ConfigSources::discover(&host).is_unconfigured());
    /// std::fs::write(etc.join("01.conf"), "").unwrap();
    /// assert!(!ConfigSources::discover(&host).is_unconfigured());
    /// ```
    pub fn is_unconfigured(&self) -> bool {
        struct Found(bool);
        impl discovery::Visitor for Found {
            fn file(
                &mut self,
                _: &discovery::FilePath,
                _: discovery::Role,
                _: &str,
            ) -> Result<(), Error> {
                self.0 = true;
                Ok(())
            }
            fn problem(&mut self, _: Error) -> Result<(), Error> {
                self.0 = true;
                Ok(())
            }
        }
        let mut found = Found(false);
        discovery::walk(self, &mut found).is_ok() && !found.0
    }

    /// Layers the built-in alias table ([`BUILTIN_DROP_INS`]) as the first drop-ins, under
    /// every drop-in directory: exactly as if the files were installed first in
    /// `/etc/containers/registries.conf.d/`. Like any drop-in they override aliases of the
    /// main registries.conf, and any later drop-in (or the user alias file) can override or
    /// tombstone each alias. Origins are named `<built-in>/<file name>`.
    ///
    /// ```
    /// use shortnames::{ConfigSources, Resolver};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let resolver = Resolver::new(
    ///     &ConfigSources::new()
    ///         .registries_conf_d(dir.path().join("registries.conf.d"))
    ///         .with_builtin_aliases(),
    /// );
    /// let r = resolver.resolve("ubi9").unwrap();
    /// assert_eq!(r.origin, Some("<built-in>/005-openshift-shortnames.conf"));
    /// assert_eq!(r.candidates[0].reference.as_str(), "registry.access.redhat.com/ubi9:latest");
    /// ```
    pub fn with_builtin_aliases(self) -> ConfigSources {
        BUILTIN_DROP_INS.iter().fold(self, |s, (name, contents)| {
            s.prepend_drop_in(format!("{BUILTIN_ORIGIN_PREFIX}{name}"), *contents)
        })
    }

    /// The built-in defaults for a host without any configuration: the built-in alias table
    /// ([`with_builtin_aliases`](ConfigSources::with_builtin_aliases)) followed by a synthetic
    /// drop-in ([`BUILTIN_SEARCH_ORIGIN`]) setting the search list to
    /// [`BUILTIN_SEARCH_REGISTRIES`]. Being a drop-in, that search list overrides the one of
    /// the main registries.conf, so use this only where there is no configuration (see
    /// [`ConfigSources::is_unconfigured`]).
    ///
    /// ```
    /// use shortnames::{ConfigSources, Resolver};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let resolver = Resolver::new(
    ///     &ConfigSources::new()
    ///         .registries_conf_d(dir.path().join("registries.conf.d"))
    ///         .with_builtin_defaults(),
    /// );
    /// let r = resolver.resolve("nginx").unwrap();
    /// let refs: Vec<&str> = r.candidates.iter().map(|c| c.reference.as_str()).collect();
    /// assert_eq!(refs, ["registry.access.redhat.com/nginx:latest", "docker.io/library/nginx:latest"]);
    /// assert_eq!(r.origin, Some("<built-in>/search-registries.conf"));
    /// ```
    pub fn with_builtin_defaults(self) -> ConfigSources {
        self.with_builtin_aliases()
            .prepend_drop_in(BUILTIN_SEARCH_ORIGIN, builtin_search_drop_in())
    }
}
