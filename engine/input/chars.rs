//! Which characters a free-text value may hold: the one definition the
//! reject rules (`validate.rs`) and their messages (`messages.rs`) share.

/// Unicode format characters (general category Cf): invisible, yet signed
/// and compared like any other; bidi overrides reorder what a reader sees.
/// The list is `util/show.rs`'s, which also decides what is shown escaped.
pub fn is_format_char(c: char) -> bool {
    crate::util::show::is_format(c)
}

/// A character the documents cannot show: drawable by no font, and not a
/// control or format character (those have rules of their own).
pub fn is_unprintable(c: char, can_print: fn(char) -> bool) -> bool {
    !c.is_control() && !is_format_char(c) && !can_print(c)
}
