//! Document numbers: the register that hands out gap-free numbers and
//! remembers what was issued, when, and what was revoked — an SQLite file
//! on the issuing host, or a PostgreSQL database several hosts share.

pub mod backup;
mod bulk;
pub mod check;
mod db;
pub mod migrate;
pub mod place;
pub mod register;
pub mod replica;
