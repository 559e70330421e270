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
//! use shortnames::builtin::{BUILTIN_DROP_INS, BUILTIN_SEARCH_REGISTRIES};
//!
//! let (name, contents) = BUILTIN_DROP_INS[0];
//! assert_eq!(name, "005-openshift-shortnames.conf");
//! assert!(contents.contains(r#""ubi9" = "registry.access.redhat.com/ubi9""#));
//! assert_eq!(BUILTIN_SEARCH_REGISTRIES, ["registry.access.redhat.com", "docker.io"]);
//! ```

/// The built-in drop-in files as `(file name, contents)`, in the order they are to be layered
/// (byte order of the file names, as drop-ins in a directory are read).
///
/// Each file is a registries.conf v2 drop-in holding only an `[aliases]` table. A loader
/// reporting an error in one of them should name it as the file name prefixed by
/// [`BUILTIN_ORIGIN_PREFIX`] (for example `<built-in>/005-openshift-shortnames.conf`), since
/// it does not exist on disk.
///
/// ```
/// for (name, contents) in shortnames::builtin::BUILTIN_DROP_INS {
///     assert!(name.ends_with(".conf"));
///     assert!(contents.contains("[aliases]"));
/// }
/// ```
pub const BUILTIN_DROP_INS: &[(&str, &str)] = &[(
    "005-openshift-shortnames.conf",
    include_str!("../aliases/005-openshift-shortnames.conf"),
)];

/// The built-in `unqualified-search-registries`, in order: what OpenShift nodes ship
/// (Red Hat's registry first, then Docker Hub). Used only when the host has no
/// configuration at all and the caller asked for built-in defaults.
///
/// ```
/// assert_eq!(shortnames::builtin::BUILTIN_SEARCH_REGISTRIES[0], "registry.access.redhat.com");
/// ```
pub const BUILTIN_SEARCH_REGISTRIES: &[&str] = &["registry.access.redhat.com", "docker.io"];

/// Prefix for the origin (the "file" named in descriptions and errors) of an embedded drop-in:
/// origin = `BUILTIN_ORIGIN_PREFIX` + file name, e.g. `<built-in>/005-openshift-shortnames.conf`.
///
/// ```
/// let origin = format!("{}{}", shortnames::builtin::BUILTIN_ORIGIN_PREFIX, "005-openshift-shortnames.conf");
/// assert_eq!(origin, "<built-in>/005-openshift-shortnames.conf");
/// ```
pub const BUILTIN_ORIGIN_PREFIX: &str = "<built-in>/";
