//! The CLI's own screens: what `verify`, `demo` and `stats` print. Only
//! presentation lives here; every check and every file written is the
//! library's.

pub(crate) mod args;
pub(crate) mod backup;
pub(crate) mod demo;
pub(crate) mod register;
pub(crate) mod stats;
pub(crate) mod trust;
pub(crate) mod verify;
