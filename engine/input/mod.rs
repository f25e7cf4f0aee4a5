//! Reading a night's batch files and deciding, row by row, which
//! applications are accepted; the reasons for the rest; and synthetic
//! batches for demos, tests and benchmarks.

pub mod batch;
pub mod chars;
pub mod messages;
pub mod rules;
pub mod samples;
pub mod validate;
