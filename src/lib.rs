//! # shortnames
//!
//! Short-name resolution, mirror rewriting and pull-credential selection for container
//! image pulls, answering exactly as containers/image v5.23.1 does on the same
//! `registries.conf` files.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod alias_cache;
pub mod builtin;
mod lock;
