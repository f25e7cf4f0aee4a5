//! What a run leaves on disk: the sink (documents, manifest, print files,
//! register marks) and the report.

pub mod report;
pub mod sink;
pub mod rejects;
pub mod summary;
