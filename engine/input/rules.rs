//! The reasons an application is rejected, one code per rule. The code is
//! what `rejects.csv`, the report and `terbit check` show; every rule has
//! its message ([`super::messages::message`]) and, where a sample batch can
//! break it, its sample defect (`samples::defects`): both match on
//! [`Rule`] without a catch-all, so a new rule without them does not
//! compile.

use serde::Serialize;

macro_rules! rules {
    ($($(#[$doc:meta])* $name:ident = $code:literal,)*) => {
        /// A reject rule.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub enum Rule {
            $($(#[$doc])* #[serde(rename = $code)] $name,)*
        }

        impl Rule {
            /// Every rule, in the order `rejects.csv` and reports list them.
            pub const ALL: &'static [Rule] = &[$(Rule::$name,)*];

            /// The code as files and screens show it, e.g. `NIK_FORMAT`.
            pub fn code(self) -> &'static str {
                match self {
                    $(Rule::$name => $code,)*
                }
            }

            /// The rule with this code.
            pub fn from_code(code: &str) -> Option<Rule> {
                match code {
                    $($code => Some(Rule::$name),)*
                    _ => None,
                }
            }
        }
    };
}

rules! {
    /// A required field is empty.
    Required = "REQUIRED",
    /// An application ID is not 1–64 letters, digits and `. _ / -`.
    ApplicationId = "APPLICATION_ID",
    /// An application ID appears earlier in the batch.
    DuplicateId = "DUPLICATE_ID",
    /// Not one of the region's service points.
    ServicePoint = "SERVICE_POINT",
    /// A NIK is not 16 digits.
    NikFormat = "NIK_FORMAT",
    /// A NIK's first six digits are not a district.
    NikDistrict = "NIK_DISTRICT",
    /// A NIK's date segment is not a real date.
    NikDate = "NIK_DATE",
    /// A NIK's serial is 0000.
    NikSerial = "NIK_SERIAL",
    /// A family card number is not 16 digits.
    KkFormat = "KK_FORMAT",
    /// A family card number's first six digits are not a district.
    KkDistrict = "KK_DISTRICT",
    /// A family card number's issue date is not a real date on or before the issue date.
    KkDate = "KK_DATE",
    /// A family card number's serial is 0000.
    KkSerial = "KK_SERIAL",
    /// A NIK's day does not fit the person's sex (women: day + 40).
    NikSex = "NIK_SEX",
    /// A NIK's date segment is not the birth date.
    NikBirthDate = "NIK_BIRTH_DATE",
    /// Sex is not L or P.
    Sex = "SEX",
    /// A name has characters other than letters, spaces and . , ' - or is too long.
    Name = "NAME",
    /// A date is not YYYY-MM-DD.
    DateFormat = "DATE_FORMAT",
    /// A date is after the issue date.
    DateFuture = "DATE_FUTURE",
    /// A date is before 1900.
    DateRange = "DATE_RANGE",
    /// A date is before the date it must follow.
    DateOrder = "DATE_ORDER",
    /// A village code is unknown or outside the region.
    Village = "VILLAGE",
    /// Not one of a field's choices.
    Choice = "CHOICE",
    /// A character no font of the documents can draw (CJK, Javanese, ...).
    Unprintable = "UNPRINTABLE",
    /// An invisible format character (byte-order mark, zero-width space,
    /// bidi override).
    FormatCharacter = "FORMAT_CHARACTER",
    /// Not a whole number in range.
    Number = "NUMBER",
    /// Text too long or holding control characters.
    Text = "TEXT",
    /// A parent's age at the birth is implausible.
    ParentAge = "PARENT_AGE",
    /// Two places that must differ are the same.
    SamePlace = "SAME_PLACE",
    /// Under the minimum age on the issue date.
    MinAge = "MIN_AGE",
    /// The subject is already in an earlier application of the batch.
    DuplicateSubject = "DUPLICATE_SUBJECT",
    /// A member is listed twice in one application.
    DuplicateMember = "DUPLICATE_MEMBER",
    /// A field that must be the same on every row of an application differs.
    GroupMismatch = "GROUP_MISMATCH",
    /// An application has more rows than allowed.
    GroupSize = "GROUP_SIZE",
    /// Not exactly one head of family.
    HeadCount = "HEAD_COUNT",
    /// The register already numbered this application.
    AlreadyIssued = "ALREADY_ISSUED",
    /// The subject already holds a document of this kind that is still active.
    SubjectActive = "SUBJECT_ACTIVE",
}

/// What the service point does about a reject, by its rule: most are
/// cured by correcting the export and sending the application again; an
/// application the register already numbered must not be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Advice {
    /// Correct the export at the line given and send it again.
    Correct,
    /// Already issued: hand out the issued document, do not send it again.
    HandOut,
    /// The subject holds an active document: revoke it first if it must be replaced.
    RevokeFirst,
}

impl Advice {
    /// In words, Indonesian then English.
    pub fn words(self) -> &'static str {
        match self {
            Advice::Correct => "perbaiki ekspor pada baris yang disebut, lalu kirim lagi / correct the export at the line given and send the application again",
            Advice::HandOut => "sudah terbit: jangan kirim lagi; serahkan dokumen yang sudah terbit / already issued: do not send it again; hand out the issued document",
            Advice::RevokeFirst => {
                "dokumen yang masih berlaku harus dicabut dulu (terbit revoke) bila memang diganti; jangan kirim lagi sebelum itu / \
                 the document still active must be revoked first (terbit revoke) if it is to be replaced; do not send it again before that"
            }
        }
    }
}

impl Rule {
    /// What to do about a reject of this rule.
    pub fn advice(self) -> Advice {
        match self {
            Rule::AlreadyIssued => Advice::HandOut,
            Rule::SubjectActive => Advice::RevokeFirst,
            _ => Advice::Correct,
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        let codes: std::collections::BTreeSet<&str> = Rule::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(codes.len(), Rule::ALL.len());
        for r in Rule::ALL {
            assert_eq!(Rule::from_code(r.code()), Some(*r));
            assert_eq!(serde_json::to_string(r).unwrap(), format!("\"{}\"", r.code()));
        }
        assert_eq!(Rule::from_code("NOPE"), None);
    }

    #[test]
    fn the_register_rules_are_not_sent_again() {
        assert_eq!(Rule::AlreadyIssued.advice(), Advice::HandOut);
        assert!(Advice::HandOut.words().contains("do not send it again") && !Advice::HandOut.words().contains("send the application again"));
        assert_eq!(Rule::SubjectActive.advice(), Advice::RevokeFirst);
        assert_eq!(Rule::NikFormat.advice(), Advice::Correct);
    }
}
