//! Pages: the renderer, the skeletons that documents of one shape share,
//! raw content streams, and the service points' print files.

mod canvas;
pub mod contents;
pub mod finish;
pub mod fonts;
pub mod geometry;
pub mod fragment;
pub mod print;
pub mod render;
