//! Which characters a free-text value may hold: the one definition the
//! reject rules (`validate.rs`) and their messages (`messages.rs`) share.

/// Unicode format characters (general category Cf): invisible, yet signed
/// and compared like any other; bidi overrides reorder what a reader sees.
pub fn is_format_char(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x08E2 | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E
        | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x1BCA0..=0x1BCA3
        | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F)
}

/// A character the documents cannot show: drawable by no font, and not a
/// control or format character (those have rules of their own).
pub fn is_unprintable(c: char, can_print: fn(char) -> bool) -> bool {
    !c.is_control() && !is_format_char(c) && !can_print(c)
}
