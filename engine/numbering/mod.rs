//! Document numbers: the SQLite register that hands out gap-free numbers
//! and remembers what was issued, when, and what was revoked.

pub mod backup;
pub mod register;
pub mod check;
pub mod replica;
