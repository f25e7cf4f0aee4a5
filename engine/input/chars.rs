//! Which characters a free-text value may hold: the one definition the
//! reject rules (`validate.rs`) and their messages (`messages.rs`) share.

/// Unicode format characters (general category Cf): invisible, yet signed
/// and compared like any other; bidi overrides reorder what a reader sees.
/// The table is `util/escape.rs`'s Cf part, the one the output shows
/// escaped. (The rest of what is shown escaped — controls, which have rules
/// of their own, and default-ignorables such as U+3164 — is not refused
/// here: refusing more would change which rows a night accepts.)
pub fn is_format_char(c: char) -> bool {
    crate::util::escape::is_format(c)
}

/// A character the documents cannot show: drawable by no font, and not a
/// control or format character (those have rules of their own).
pub fn is_unprintable(c: char, can_print: fn(char) -> bool) -> bool {
    !c.is_control() && !is_format_char(c) && !can_print(c)
}
