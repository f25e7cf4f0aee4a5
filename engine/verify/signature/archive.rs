//! A renewed file's archive time-stamps (PAdES B-LTA, `pdf::archive`):
//! each must stamp the bytes before it, be made by an authority the
//! document's district lists, and come no earlier than the stamp before
//! it. They add nothing to what the document says; they carry the proof
//! that it existed on, past the end of the earlier stamps' certificates.

use crate::pdf::archive::Archive;
use crate::pdf::token::Stamp;
use crate::trust::tsa::TsaCert;

use super::pades::{authority, AuthorityProblem};

/// A renewal's stamp that holds, and its authority.
#[derive(Debug, Clone)]
pub struct Renewed<'a> {
    /// The stamp.
    pub stamp: Stamp,
    /// Its authority, as the list names it.
    pub authority: &'a TsaCert,
    /// Whether it was made after the previous stamp's authority
    /// certificate ended (a gap in the chain of proof).
    pub late: bool,
}

/// The renewals of `archive`, each judged for a document of `issuer`
/// whose signature carries the stamp `signature_stamp` (if any), or why
/// one does not hold.
pub fn judge<'a>(archive: &Archive, tsa: &'a [TsaCert], issuer: &str, signature_stamp: Option<&Stamp>) -> Result<Vec<Renewed<'a>>, String> {
    let mut out = Vec::with_capacity(archive.renewals.len());
    // The stamp before each: its time and its authority certificate's end.
    let mut before = signature_stamp.and_then(|s| crate::trust::tsa::authority_of(tsa, &s.spki, issuer, s.at).map(|t| (s.at, t.not_after)));
    for (k, r) in archive.renewals.iter().enumerate() {
        let what = format!("the file's archive time-stamp (revision {})", k + 2);
        let stamp = crate::pdf::token::read_imprint(&r.token, &r.imprint).map_err(|why| format!("{what} does not hold: {why}"))?;
        let t = authority(tsa, &stamp, issuer).map_err(|p| match p {
            AuthorityProblem::Unlisted => format!("{what} is by an authority no district's trust list names"),
            AuthorityProblem::OtherDistrict(d) => format!("{what} is by district {d}'s authority, but the document is issuer {issuer}'s"),
            AuthorityProblem::Planted => format!("{what} is by a certificate planted under the district root's name"),
            AuthorityProblem::NotTimeStamping => format!("{what} is signed by a certificate that is not a time-stamp authority's"),
            AuthorityProblem::Outside => format!("{what} ({}) falls outside its authority's certificate", crate::dk1::keys::rfc3339(stamp.at)),
        })?;
        // A stamp covers the one before it: it cannot be earlier (with
        // two hours for the tokens' accuracy).
        let late = match before {
            Some((at, _)) if stamp.at + 7200 < at => {
                return Err(format!("{what} ({}) is earlier than the time-stamp before it ({}): a stamp is never made before what it stamps", crate::dk1::keys::rfc3339(stamp.at), crate::dk1::keys::rfc3339(at)));
            }
            Some((_, end)) => stamp.at >= end,
            None => false,
        };
        before = Some((stamp.at, t.not_after));
        out.push(Renewed { stamp, authority: t, late });
    }
    Ok(out)
}
