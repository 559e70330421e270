//! The built-in node profiles, compiled in from the repository's `profiles/` directory
//! (copied unchanged from the project's scan corpus; each `profile.json` names the source,
//! commit and licence of every file).

/// One built-in profile: its name, its `profile.json` (provenance), and its files as
/// `(path relative to the node root, contents)`.
pub(crate) struct Builtin {
    pub name: &'static str,
    pub provenance: &'static str,
    pub files: &'static [(&'static str, &'static str)],
}

/// Every built-in profile, by name.
pub(crate) const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "crio-default",
        provenance: include_str!("../../profiles/crio-default/profile.json"),
        files: &[
            (
                "etc/containers/registries.conf",
                include_str!("../../profiles/crio-default/etc/containers/registries.conf"),
            ),
            (
                "etc/containers/registries.conf.d/000-shortnames.conf",
                include_str!("../../profiles/crio-default/etc/containers/registries.conf.d/000-shortnames.conf"),
            ),
        ],
    },
    Builtin {
        name: "kubeadm-ubuntu",
        provenance: include_str!("../../profiles/kubeadm-ubuntu/profile.json"),
        files: &[
            (
                "etc/containers/registries.conf.d/crio.conf",
                include_str!("../../profiles/kubeadm-ubuntu/etc/containers/registries.conf.d/crio.conf"),
            ),
            (
                "etc/crio/crio.conf.d/10-crio.conf",
                include_str!("../../profiles/kubeadm-ubuntu/etc/crio/crio.conf.d/10-crio.conf"),
            ),
        ],
    },
    Builtin {
        name: "kubeadm-ubuntu-2025-09",
        provenance: include_str!("../../profiles/kubeadm-ubuntu-2025-09/profile.json"),
        files: &[
            (
                "etc/containers/registries.conf.d/crio.conf",
                include_str!("../../profiles/kubeadm-ubuntu-2025-09/etc/containers/registries.conf.d/crio.conf"),
            ),
            (
                "etc/crio/crio.conf.d/10-crio.conf",
                include_str!("../../profiles/kubeadm-ubuntu-2025-09/etc/crio/crio.conf.d/10-crio.conf"),
            ),
        ],
    },
    Builtin {
        name: "openshift",
        provenance: include_str!("../../profiles/openshift/profile.json"),
        files: &[
            (
                "etc/containers/registries.conf",
                include_str!("../../profiles/openshift/etc/containers/registries.conf"),
            ),
            (
                "etc/containers/registries.conf.d/000-shortnames.conf",
                include_str!("../../profiles/openshift/etc/containers/registries.conf.d/000-shortnames.conf"),
            ),
            (
                "etc/containers/registries.conf.d/001-rhel-shortnames.conf",
                include_str!("../../profiles/openshift/etc/containers/registries.conf.d/001-rhel-shortnames.conf"),
            ),
            (
                "etc/containers/registries.conf.d/002-rhel-shortnames-overrides.conf",
                include_str!("../../profiles/openshift/etc/containers/registries.conf.d/002-rhel-shortnames-overrides.conf"),
            ),
            (
                "etc/crio/crio.conf.d/00-default",
                include_str!("../../profiles/openshift/etc/crio/crio.conf.d/00-default"),
            ),
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::BUILTINS;
    use std::path::Path;

    fn files_under(dir: &Path, base: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                files_under(&p, base, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().to_string_lossy().into_owned());
            }
        }
    }

    /// The table embeds every file of `profiles/<name>/`, and nothing else.
    #[test]
    fn table_lists_every_profile_file() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles");
        let mut dirs: Vec<String> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        dirs.sort();
        let names: Vec<&str> = BUILTINS.iter().map(|b| b.name).collect();
        assert_eq!(names, dirs);
        for b in BUILTINS {
            let dir = root.join(b.name);
            let mut on_disk = Vec::new();
            files_under(&dir, &dir, &mut on_disk);
            on_disk.retain(|f| f != "profile.json");
            on_disk.sort();
            let embedded: Vec<&str> = b.files.iter().map(|(p, _)| *p).collect();
            assert_eq!(embedded, on_disk, "{}", b.name);
            for (p, contents) in b.files {
                assert_eq!(std::fs::read_to_string(dir.join(p)).unwrap(), *contents);
            }
        }
    }
}
