//! Small helpers every stage may use: CSV records and cells, file writes that cannot be
//! seen half done, and showing untrusted text.

pub mod csvin;
pub mod csvout;
pub mod fs;
pub mod escape;
pub mod show;
pub mod lock;
pub mod panics;
