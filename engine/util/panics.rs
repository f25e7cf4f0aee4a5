//! Panics caught on purpose: a third-party parser that panics on a damaged
//! file (polars' Parquet reader does) costs that file its read, not the
//! run. While such a region runs, the CLI's panic hook keeps quiet — the
//! caller turns the panic into a named error.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};

static CATCHING: AtomicUsize = AtomicUsize::new(0);

/// Run `f`, turning a panic into `None`.
pub fn catching<T>(f: impl FnOnce() -> T) -> Option<T> {
    CATCHING.fetch_add(1, Ordering::SeqCst);
    let out = catch_unwind(AssertUnwindSafe(f)).ok();
    CATCHING.fetch_sub(1, Ordering::SeqCst);
    out
}

/// Whether a panic now is (most likely) one a [`catching`] region handles.
pub fn expected() -> bool {
    CATCHING.load(Ordering::SeqCst) > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_none_and_the_region_ends() {
        assert_eq!(catching(|| 7), Some(7));
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        assert_eq!(catching(|| -> u8 { panic!("damaged") }), None);
        std::panic::set_hook(hook);
        assert!(!expected());
    }
}
