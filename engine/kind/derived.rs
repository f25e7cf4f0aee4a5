//! The values the engine derives for every document, after the input
//! columns: one enum, so that the renderer, the document model and the
//! page reader name them by variant and never by a string of their own.
//! Templates name them by [`Derived::name`] (`{issue_date}`); that name is
//! the only place each is spelled.

/// A value every document has that no input column gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Derived {
    /// The register's document number.
    DocumentNumber,
    /// The issue date, `YYYY-MM-DD`.
    IssueDate,
    /// The issuing regency's name.
    RegionName,
    /// Its province.
    Province,
    /// The place of issue printed beside the signature.
    PlaceOfIssue,
    /// The issuing office.
    Office,
    /// The signing official's title.
    OfficialTitle,
    /// The signing official's name.
    OfficialName,
    /// The signing official's NIP.
    OfficialNip,
    /// The name of the application's service point.
    ServicePointName,
    /// The DK1 key id that signed the QR.
    Kid,
    /// The number of member rows (group kinds).
    MemberCount,
    /// The expiry date, when the kind has one.
    ExpiryDate,
    /// The page's number, filled per page by the renderer.
    Page,
    /// The document's page count, filled per page by the renderer.
    Pages,
}

impl Derived {
    /// Every derived value, in the order documents hold them after the
    /// input columns.
    pub const ALL: [Derived; 15] = [
        Derived::DocumentNumber,
        Derived::IssueDate,
        Derived::RegionName,
        Derived::Province,
        Derived::PlaceOfIssue,
        Derived::Office,
        Derived::OfficialTitle,
        Derived::OfficialName,
        Derived::OfficialNip,
        Derived::ServicePointName,
        Derived::Kid,
        Derived::MemberCount,
        Derived::ExpiryDate,
        Derived::Page,
        Derived::Pages,
    ];

    /// The name a template uses for it (`{document_number}`).
    pub fn name(self) -> &'static str {
        match self {
            Derived::DocumentNumber => "document_number",
            Derived::IssueDate => "issue_date",
            Derived::RegionName => "region_name",
            Derived::Province => "province",
            Derived::PlaceOfIssue => "place_of_issue",
            Derived::Office => "office",
            Derived::OfficialTitle => "official_title",
            Derived::OfficialName => "official_name",
            Derived::OfficialNip => "official_nip",
            Derived::ServicePointName => "service_point_name",
            Derived::Kid => "kid",
            Derived::MemberCount => "member_count",
            Derived::ExpiryDate => "expiry_date",
            Derived::Page => "page",
            Derived::Pages => "pages",
        }
    }

    /// The derived value a template calls `name`.
    pub fn from_name(name: &str) -> Option<Derived> {
        Derived::ALL.into_iter().find(|d| d.name() == name)
    }

    /// Its place among the derived values ([`Derived::ALL`]'s order).
    pub fn position(self) -> usize {
        self as usize
    }

    /// What an auditor's message calls it.
    pub fn label(self) -> &'static str {
        match self {
            Derived::DocumentNumber => "document number",
            Derived::IssueDate => "issue date",
            Derived::ExpiryDate => "expiry date",
            Derived::Kid => "key id",
            Derived::MemberCount => "member count",
            Derived::Page | Derived::Pages => "page number",
            Derived::RegionName => "region name",
            Derived::Province => "province",
            Derived::PlaceOfIssue => "place of issue",
            Derived::Office => "office",
            Derived::OfficialTitle => "official title",
            Derived::OfficialName => "official name",
            Derived::OfficialNip => "official nip",
            Derived::ServicePointName => "service point name",
        }
    }

    /// Whether every document of one kind in a run has the same value
    /// (the expiry date follows the issue date): texts made only of these
    /// are drawn once per run.
    pub fn run_wide(self) -> bool {
        !matches!(self, Derived::DocumentNumber | Derived::ServicePointName | Derived::MemberCount | Derived::Page | Derived::Pages)
    }

    /// Whether the signed record fixes it, so the page reader can rebuild
    /// it from the QR alone (the others are the region's, printed as the
    /// region file says, or the page's own numbering).
    pub fn signed(self) -> bool {
        matches!(self, Derived::DocumentNumber | Derived::IssueDate | Derived::Kid | Derived::MemberCount | Derived::ExpiryDate)
    }
}

#[cfg(test)]
mod tests {
    use super::Derived;

    #[test]
    fn names_are_unique_and_read_back_and_positions_follow_all() {
        for (i, d) in Derived::ALL.into_iter().enumerate() {
            assert_eq!(Derived::from_name(d.name()), Some(d));
            assert_eq!(d.position(), i);
            assert!(d.name().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
        assert_eq!(Derived::from_name("nik"), None);
    }

    #[test]
    fn per_document_values_are_not_drawn_once_per_run() {
        let run: Vec<&str> = Derived::ALL.into_iter().filter(|d| d.run_wide()).map(Derived::name).collect();
        assert_eq!(
            run,
            ["issue_date", "region_name", "province", "place_of_issue", "office", "official_title", "official_name", "official_nip", "kid", "expiry_date"]
        );
    }
}
