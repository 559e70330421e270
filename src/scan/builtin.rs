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
