//! What a document kind is: its schema (columns and rules), its template
//! (what the page shows and what the QR signs), the region that issues it,
//! the Indonesian area reference data, and words and dates in Indonesian.

pub mod refdata;
pub mod region;
pub mod schema;
pub mod template;
pub mod words;
pub mod revocation;
