//! Pages: the renderer, the skeletons that documents of one shape share,
//! raw content streams, the service points' print files, and their PAdES
//! signatures.

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
