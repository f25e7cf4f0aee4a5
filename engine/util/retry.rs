//! Asking a service again: an external time-stamp authority, a
//! certification authority's OCSP responder or CRL distribution point.
//! One schedule for all of them, so that a night waits on an unreachable
//! service the same bounded time whichever it is.

use std::time::Duration;

/// Attempts per request (the first and the retries), waiting 0.25, 1 and 4 s between.
pub const ATTEMPTS: u32 = 4;

/// What one attempt came to.
pub enum Attempt<T> {
    /// The answer.
    Done(T),
    /// Refused as such: asking again would not help.
    Stop(String),
    /// Failed this time (unreachable, cut off): asked again.
    Again(String),
}

/// `once` tried up to [`ATTEMPTS`] times; its answer, or why there was none.
pub fn with_retries<T>(mut once: impl FnMut() -> Attempt<T>) -> Result<T, String> {
    let mut last = String::new();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(250 << (2 * (attempt - 1))));
        }
        match once() {
            Attempt::Done(t) => return Ok(t),
            Attempt::Stop(why) => return Err(why),
            Attempt::Again(why) => last = why,
        }
    }
    Err(format!("no answer after {ATTEMPTS} attempts: {last}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_stops_and_a_passing_failure_is_tried_again() {
        let mut n = 0;
        assert_eq!(with_retries(|| { n += 1; if n < 2 { Attempt::Again("cut off".into()) } else { Attempt::Done(n) } }), Ok(2));
        let mut n = 0;
        assert_eq!(with_retries::<()>(|| { n += 1; Attempt::Stop("401".into()) }), Err("401".into()));
        assert_eq!(n, 1);
    }
}
