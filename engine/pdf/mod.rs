//! Pages: the renderer, the skeletons that documents of one shape share,
//! raw content streams, the service points' print files, their PAdES
//! signatures, and the archive time-stamps appended to them (B-LTA).

pub mod archive;
mod canvas;
pub mod contents;
pub mod dss;
pub mod ecdsa;
pub mod finish;
pub mod fonts;
pub mod geometry;
pub mod fragment;
pub mod print;
pub mod remote;
pub mod render;
pub mod sign;
pub mod stamp;
pub mod token;
