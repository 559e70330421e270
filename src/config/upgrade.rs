//! What stops working when a host moves from containers/image v5.23 (Podman 4) to v5.40
//! (Podman 6): version-1 files, drop-ins that become shadowed or are no longer read (for
//! example because `CONTAINERS_REGISTRIES_CONF` now turns drop-ins off), files read for the
//! first time, and effective settings that change. `shortnames check --compat v5.40` prints
//! these findings.

use std::sync::Arc;

use super::discovery::{self, FilePath, Role, ShadowedFile, Visitor};
use super::{decode, Compat, Config, ConfigSources};
use crate::error::Error;

/// One difference between the two releases on the same sources.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) struct UpgradeFinding {
    /// A stable code: `v1-refused`, `shadowed`, `no-longer-read`, `newly-read`,
    /// `setting-changes`.
    pub code: &'static str,
    /// Whether v5.40 fails to load the configuration because of it.
    pub fatal: bool,
    /// What changes, for people.
    pub message: String,
    /// The file concerned, if one.
    pub file: Option<Arc<str>>,
}

/// The files one release reads (without stopping at problems).
#[derive(Default)]
struct Files {
    read: Vec<(Arc<str>, Role, bool)>,
    shadowed: Vec<ShadowedFile>,
}

impl Visitor for Files {
    fn file(&mut self, path: &FilePath, role: Role, text: &str) -> Result<(), Error> {
        let v1 = decode::decode_file(text).is_ok_and(|r| r.v1_defined);
        self.read.push((path.display.clone(), role, v1));
        Ok(())
    }

    fn problem(&mut self, _e: Error) -> Result<(), Error> {
        Ok(())
    }

    fn shadowed(&mut self, f: ShadowedFile) {
        self.shadowed.push(f);
    }
}

/// Compares the sources under v5.23 and v5.40 (whatever their own compat target); `check`
/// reports each finding as `upgrade/<code>` when it reads the sources as v5.40.
pub(crate) fn upgrade_findings(sources: &ConfigSources) -> Vec<UpgradeFinding> {
    let walk = |compat: Compat| {
        let s = sources.clone().compat(compat);
        let mut files = Files::default();
        let _ = discovery::walk(&s, &mut files);
        (files, Config::load(&s))
    };
    let ((old, old_config), (new, new_config)) = (walk(Compat::V5_23), walk(Compat::V5_40));
    let mut out = Vec::new();
    let env_mode = sources.discovery_host().is_some_and(|h| {
        h.var_value("CONTAINERS_REGISTRIES_CONF")
            .is_some_and(|v| !v.is_empty())
    });
    for (file, _, v1) in &new.read {
        if *v1 {
            out.push(UpgradeFinding {
                code: "v1-refused",
                fatal: true,
                message: format!(
                    "{file} uses version-1 tables ([registries.search|insecure|block]), which \
                     v5.40 refuses; `shortnames migrate {file}` writes the equivalent version-2 file"
                ),
                file: Some(file.clone()),
            });
        }
    }
    let read_by_new = |f: &str| new.read.iter().any(|(n, _, _)| &**n == f);
    for (file, role, _) in &old.read {
        if read_by_new(file) {
            continue;
        }
        let shadow = new.shadowed.iter().find(|s| s.path == *file);
        let (code, why) = match shadow {
            Some(s) => (
                "shadowed",
                format!(
                    "is hidden by {}, which has the same file name in a higher-priority directory",
                    s.by
                ),
            ),
            None if env_mode && *role == Role::DropIn => (
                "no-longer-read",
                "is no longer read: with CONTAINERS_REGISTRIES_CONF set, v5.40 reads no drop-ins"
                    .to_owned(),
            ),
            None => ("no-longer-read", "is no longer read".to_owned()),
        };
        out.push(UpgradeFinding {
            code,
            fatal: false,
            message: format!("{file} {why}"),
            file: Some(file.clone()),
        });
    }
    let read_by_old = |f: &str| old.read.iter().any(|(n, _, _)| &**n == f);
    for (file, _, _) in new.read.iter().filter(|(f, _, _)| !read_by_old(f)) {
        out.push(UpgradeFinding {
            code: "newly-read",
            fatal: false,
            message: format!("{file} is read by v5.40 (v5.23 does not read it)"),
            file: Some(file.clone()),
        });
    }
    if let (Ok(a), Ok(b)) = (&old_config, &new_config) {
        let mut changes = Vec::new();
        if a.unqualified_search_registries != b.unqualified_search_registries {
            changes.push("unqualified-search-registries");
        } else if !a.unqualified_search_registries.is_empty()
            && a.search_registries_origin != b.search_registries_origin
        {
            changes.push("the file named as the search list's origin");
        }
        if a.short_name_mode != b.short_name_mode {
            changes.push("short-name-mode");
        }
        if a.credential_helpers != b.credential_helpers {
            changes.push("credential-helpers");
        }
        if !super::same_registries(&a.registries, &b.registries) {
            changes.push("the [[registry]] entries");
        }
        let aliases = |c: &Config| {
            c.aliases()
                .map(|x| (x.name.to_owned(), x.value.map(|v| v.as_str().to_owned())))
                .collect::<Vec<_>>()
        };
        if aliases(a) != aliases(b) {
            changes.push("the aliases");
        }
        if a.unqualified_search_registries.is_empty()
            && !a.search_registries_origin.is_empty()
            && b.search_registries_origin.is_empty()
        {
            out.push(UpgradeFinding {
                code: "setting-changes",
                fatal: false,
                message: format!(
                    "no file sets unqualified-search-registries: v5.40 reports that no \
                     containers-registries.conf(5) was found instead of naming {}",
                    a.search_registries_origin
                ),
                file: None,
            });
        }
        if !changes.is_empty() {
            out.push(UpgradeFinding {
                code: "setting-changes",
                fatal: false,
                message: format!("v5.40 changes the effective {}", changes.join(", ")),
                file: None,
            });
        }
    }
    out
}
