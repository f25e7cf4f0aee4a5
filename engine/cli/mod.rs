//! The CLI's own screens: what `verify`, `demo` and `stats` print. Only
//! presentation lives here; every check and every file written is the
//! library's.

pub mod demo;
pub mod stats;
pub mod verify;
