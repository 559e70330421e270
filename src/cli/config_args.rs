//! The configuration options every command shares, and how they become [`ConfigSources`]:
//! with no path option, discovery on this host as Podman does it (`--compat` picks the
//! containers/image release, `--sysroot` a root directory to inspect); built-in defaults only
//! when that finds no file at all.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use shortnames::config::{Compat, Host, BUILTIN_SEARCH_REGISTRIES};
use shortnames::{ConfigSources, Profile};

/// The `--compat` values.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Default, Debug)]
pub enum CompatArg {
    /// containers/image v5.23 (Podman 4.x).
    #[default]
    #[value(name = "v5.23")]
    V5_23,
    /// containers/image v5.40 (Podman 6).
    #[value(name = "v5.40")]
    V5_40,
}

impl From<CompatArg> for Compat {
    fn from(c: CompatArg) -> Compat {
        match c {
            CompatArg::V5_23 => Compat::V5_23,
            CompatArg::V5_40 => Compat::V5_40,
        }
    }
}

/// The `--profile` values.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Default)]
pub enum ProfileArg {
    /// Exactly the reference behaviour (the default).
    #[default]
    Compatible,
    /// Case-insensitive hosts, strict ports, any-occurrence wildcards, blocked prefixes
    /// enforced, authoritative system aliases, unknown keys are errors.
    Hardened,
}

impl From<ProfileArg> for Profile {
    fn from(p: ProfileArg) -> Profile {
        match p {
            ProfileArg::Compatible => Profile::Compatible,
            ProfileArg::Hardened => Profile::Hardened,
        }
    }
}

/// The user alias cache option (shared by `alias add|remove` and every reader).
#[derive(Args, Clone, Debug, Default)]
pub struct CacheArgs {
    /// The user short-name alias file (default: Podman's cache for this user:
    /// $XDG_CACHE_HOME or $HOME/.cache, or /var/cache/containers for root; missing = none).
    #[arg(long, value_name = "PATH")]
    pub user_aliases: Option<PathBuf>,
}

impl CacheArgs {
    /// The user alias cache: the option, else the one discovery uses for this process.
    pub fn path(&self) -> Option<PathBuf> {
        let sources = ConfigSources::discover(&Host::from_process_env());
        match &self.user_aliases {
            Some(p) => Some(p.clone()),
            None => sources.user_alias_path(),
        }
    }
}

/// Where the configuration comes from.
#[derive(Args, Clone)]
pub struct ConfigArgs {
    /// The main registries.conf (explicit: a missing file is an error). Turns discovery off.
    #[arg(long, value_name = "PATH")]
    pub registries_conf: Option<PathBuf>,
    /// A drop-in directory (missing = no drop-ins); repeat for several, in application
    /// order. Turns discovery off.
    #[arg(long, value_name = "DIR")]
    pub registries_conf_d: Vec<PathBuf>,
    #[command(flatten)]
    pub cache: CacheArgs,
    /// Discover the files of the host rooted at DIR: /etc/containers and /usr/share/containers
    /// are read below it ($HOME, XDG and environment paths are not).
    #[arg(long, value_name = "DIR")]
    pub sysroot: Option<PathBuf>,
    /// The containers/image release whose rules apply: file discovery, messages, version-1
    /// files.
    #[arg(long, value_enum, default_value_t = CompatArg::V5_23)]
    pub compat: CompatArg,
    /// Behaviour profile: `compatible` (exactly the reference) or `hardened`.
    #[arg(long, value_enum, default_value_t = ProfileArg::Compatible)]
    pub profile: ProfileArg,
}

impl ConfigArgs {
    /// Whether no path option was given at all (plain discovery on this host).
    pub fn is_empty(&self) -> bool {
        self.registries_conf.is_none()
            && self.registries_conf_d.is_empty()
            && self.cache.user_aliases.is_none()
            && self.sysroot.is_none()
    }

    /// The sources as the options say: discovery on this process's host (below `--sysroot`)
    /// unless explicit paths are given.
    pub fn sources(&self) -> ConfigSources {
        let mut host = Host::from_process_env();
        if let Some(root) = &self.sysroot {
            host = host.sysroot(root);
        }
        let mut s = ConfigSources::discover(&host)
            .compat(self.compat.into())
            .profile(self.profile.into());
        if let Some(p) = &self.registries_conf {
            s = s.registries_conf(p);
        }
        for d in &self.registries_conf_d {
            s = s.registries_conf_d(d);
        }
        if let Some(p) = &self.cache.user_aliases {
            s = s.user_aliases(p);
        }
        s
    }

    /// Checks the named files that must be readable up front (exit status 1, one line).
    /// A missing `--registries-conf` fails through the loader, naming it; a missing
    /// `--user-aliases` file holds no aliases (it is a cache, as for Podman).
    pub fn require_readable(&self) -> Result<(), String> {
        if let Some(p) = &self.cache.user_aliases {
            super::input::require_readable_if_present("--user-aliases", p)?;
        }
        Ok(())
    }

    /// [`ConfigArgs::sources`], plus the built-in defaults (announced on stderr) when no path
    /// option was given and discovery finds no configuration file at all.
    pub fn sources_or_builtin(&self) -> ConfigSources {
        let s = self.sources();
        if self.is_empty() && s.is_unconfigured() {
            announce_builtin_defaults(self.compat.into());
            return s.with_builtin_defaults();
        }
        s
    }
}

/// Says on stderr that the built-in defaults are in use.
pub fn announce_builtin_defaults(compat: Compat) {
    super::note(format_args!(
        "no registries.conf or drop-in found on this host (containers/image {compat} \
         discovery) and no configuration option given: using the built-in alias table and \
         search list ({})",
        BUILTIN_SEARCH_REGISTRIES.join(", ")
    ));
}
