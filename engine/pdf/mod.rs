//! Pages: the renderer, the skeletons that documents of one shape share,
//! raw content streams, and the service points' print files.

pub mod contents;
pub mod fragment;
pub mod print;
pub mod render;
