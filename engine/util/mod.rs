//! Small helpers every stage may use: CSV records and cells, file writes that cannot be
//! seen half done, and showing untrusted text.

pub mod csvin;
pub mod csvout;
pub mod der;
pub mod fs;
pub mod escape;
pub mod show;
pub mod lock;
pub mod panics;
pub mod retry;

/// Push `item` onto a worker's bounded memory of recent things, the
/// oldest dropped once it holds `max`: what is remembered never grows with
/// the variety of a hostile input.
pub fn keep_recent<T>(list: &mut Vec<T>, item: T, max: usize) {
    if list.len() >= max {
        list.remove(0);
    }
    list.push(item);
}
