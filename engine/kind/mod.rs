//! What a document kind is: its schema (columns and rules), its template
//! (what the page shows and what the QR signs), the region that issues it,
//! the Indonesian area reference data, and words and dates in Indonesian.

pub mod derived;
pub mod refdata;
pub mod region;
pub mod schema;
pub mod standing;
pub mod template;
pub mod words;

/// The six document kinds and their record codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A birth certificate (akta kelahiran).
    Birth = 1,
    /// A death certificate (akta kematian).
    Death = 2,
    /// A family card (kartu keluarga).
    FamilyCard = 3,
    /// A moving-out letter (surat pindah).
    MoveOut = 4,
    /// A moving-in letter (surat datang).
    MoveIn = 5,
    /// An identity card stand-in (KTP-el).
    Ktp = 6,
}

impl Kind {
    /// Every kind, in code order.
    pub const ALL: [Kind; 6] = [Kind::Birth, Kind::Death, Kind::FamilyCard, Kind::MoveOut, Kind::MoveIn, Kind::Ktp];

    /// The record code the QR carries (claim -65537, key 1).
    pub fn code(self) -> u8 {
        self as u8
    }
    /// The kind with this record code.
    pub fn from_code(c: u64) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() as u64 == c)
    }
    /// The name used on the command line, in folders and in manifests.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Birth => "birth",
            Kind::Death => "death",
            Kind::FamilyCard => "family_card",
            Kind::MoveOut => "move_out",
            Kind::MoveIn => "move_in",
            Kind::Ktp => "ktp",
        }
    }
    /// The kind with this name.
    pub fn from_name(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// Every kind's name, for messages: "birth, death, ...".
    pub fn names() -> String {
        Kind::ALL.map(Kind::name).join(", ")
    }
}
