//! Trust bundles (README.md here, §10): several districts' signed trust
//! lists, each beside the fingerprint of the root it is pinned to, with
//! their signed revocation lists: one file for a verifier that sees
//! documents from many regencies (a bank, the verifier page).
//!
//! A bundle is checked whole: if any district's list or revocation list
//! does not verify, nothing in it is trusted.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::dk1::keys::TrustList;
use crate::dk1::revocation::RevocationList;
use crate::trust::root::{parse_fingerprint, Fingerprint};
use crate::trust::list::{SignedTrustList, TrustListError, VerifiedTrust};

/// The format this module writes and reads.
pub const FORMAT: &str = "terbit-bundle/1";
/// The largest bundle read.
pub const MAX_BUNDLE: usize = 64 << 20;

/// One district in a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistrictTrust {
    /// Regency code.
    pub district: String,
    /// SHA-256 of the district's root certificate (hex): the pin.
    pub root_fingerprint: String,
    /// The district's signed trust list.
    pub trust: SignedTrustList,
    /// Its signed revocation lists.
    pub revocations: Vec<RevocationList>,
}

/// A bundle file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// `terbit-bundle/1`.
    pub format: String,
    /// The districts, by regency code.
    pub districts: Vec<DistrictTrust>,
}

/// Why a bundle is refused (as a whole).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// Not JSON of this format.
    #[error("not a trust bundle: {0}")]
    Format(String),
    /// A district's list does not check.
    #[error("district {district}: {error}")]
    List {
        /// The district.
        district: String,
        /// Why.
        error: TrustListError,
    },
    /// A pin is not 64 hex digits.
    #[error("district {0}: root_fingerprint is not a SHA-256 fingerprint")]
    Pin(String),
    /// The list is another district's.
    #[error("the entry for district {entry} holds district {list}'s list")]
    District {
        /// The entry's district.
        entry: String,
        /// The list's.
        list: String,
    },
    /// A district appears twice.
    #[error("district {0} appears twice")]
    Duplicate(String),
    /// One key listed by two districts.
    #[error("key {kid} is listed by districts {a} and {b}")]
    SharedKey {
        /// The kid.
        kid: String,
        /// One district.
        a: String,
        /// The other.
        b: String,
    },
    /// A revocation list does not check.
    #[error("district {district}: revocation list: {error}")]
    Revocations {
        /// The district.
        district: String,
        /// Why.
        error: String,
    },
    /// A district's root differs from the one the bundle holds.
    #[error("district {district}'s root would change from {old} to {new}: a new root is trusted only when told: once the district has announced it and the new fingerprint matches the one it publishes, run again with --new-root {district}")]
    RootChanged {
        /// The district.
        district: String,
        /// The fingerprint held, as shown to people.
        old: String,
        /// The fingerprint offered.
        new: String,
    },
    /// A replacement is older than what it replaces.
    #[error("district {district}: list sequence {new} is not newer than the {old} already held{}", if *new == *old { " (and differs from it)" } else { "" })]
    Rollback {
        /// The district.
        district: String,
        /// The sequence offered.
        new: u64,
        /// The sequence held.
        old: u64,
    },
}

/// A bundle whose every list verified.
#[derive(Debug, Clone)]
pub struct VerifiedBundle {
    /// Each district's verified list.
    pub districts: Vec<VerifiedTrust>,
    /// Every district's keys together.
    pub keys: TrustList,
    /// Verified revocation lists.
    pub revocations: Vec<RevocationList>,
}

impl Bundle {
    /// An empty bundle.
    pub fn new() -> Bundle {
        Bundle { format: FORMAT.into(), districts: Vec::new() }
    }

    /// Parse bundle JSON (size-limited, unknown fields refused).
    pub fn parse(bytes: &[u8]) -> Result<Bundle, BundleError> {
        if bytes.len() > MAX_BUNDLE {
            return Err(BundleError::Format("larger than 64 MiB".into()));
        }
        let b: Bundle = serde_json::from_slice(bytes).map_err(|e| BundleError::Format(crate::error::clip(&e.to_string(), 200)))?;
        if b.format != FORMAT {
            return Err(BundleError::Format(format!("format {:?}", crate::error::clip(&b.format, 40))));
        }
        Ok(b)
    }

    /// The pretty JSON text, newline-terminated.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Check every district's list against its own pin, and every
    /// revocation list against its district's keys. Any failure refuses
    /// the whole bundle.
    pub fn verify(&self) -> Result<VerifiedBundle, BundleError> {
        let mut districts: Vec<VerifiedTrust> = Vec::new();
        let mut keys = TrustList::default();
        let mut owner: BTreeMap<String, String> = BTreeMap::new();
        let mut revocations = Vec::new();
        for d in &self.districts {
            let district = crate::error::clip(&d.district, 8);
            if districts.iter().any(|v| v.district == d.district) {
                return Err(BundleError::Duplicate(district));
            }
            let pin = parse_fingerprint(&d.root_fingerprint).ok_or_else(|| BundleError::Pin(district.clone()))?;
            let v = d.trust.verify(&[pin]).map_err(|error| BundleError::List { district: district.clone(), error })?;
            if v.district != d.district {
                return Err(BundleError::District { entry: district, list: v.district });
            }
            for k in &v.list.keys {
                if let Some(a) = owner.insert(k.kid.to_ascii_lowercase(), v.district.clone()) {
                    return Err(BundleError::SharedKey { kid: k.kid.clone(), a, b: v.district.clone() });
                }
            }
            if d.revocations.len() > 1 {
                return Err(BundleError::Revocations { district: district.clone(), error: "more than one list: a bundle holds the newest only".into() });
            }
            for r in &d.revocations {
                if r.issuer != d.district {
                    return Err(BundleError::Revocations { district: district.clone(), error: format!("it is issuer {}'s", crate::error::clip(&r.issuer, 8)) });
                }
                r.check(&v.list).map_err(|e| BundleError::Revocations { district: district.clone(), error: e.to_string() })?;
                revocations.push(r.clone());
            }
            keys.keys.extend(v.list.keys.iter().cloned());
            districts.push(v);
        }
        Ok(VerifiedBundle { districts, keys, revocations })
    }

    /// Put `list` (pinned to `pin`) and its revocation list in, replacing
    /// the district's older entry. A replacement must carry a higher
    /// sequence (or be the same list); a revocation list must not be older
    /// than the one it replaces. A district's root changes only when
    /// `new_root` says so: then the new root is a new anchor, and its
    /// sequences start afresh.
    pub fn put(&mut self, pin: &Fingerprint, list: SignedTrustList, revocations: Vec<RevocationList>, new_root: bool) -> Result<(), BundleError> {
        let new = list.verify(&[*pin]).map_err(|error| BundleError::List { district: list.district.clone(), error })?;
        if revocations.len() > 1 {
            return Err(BundleError::Revocations { district: new.district, error: "more than one list given: give the newest only".into() });
        }
        let entry = DistrictTrust { district: new.district.clone(), root_fingerprint: hex::encode(pin), trust: list, revocations };
        match self.districts.iter_mut().find(|d| d.district == new.district) {
            Some(old) => {
                let old_pin = parse_fingerprint(&old.root_fingerprint).ok_or_else(|| BundleError::Pin(old.district.clone()))?;
                if old_pin != *pin && !new_root {
                    return Err(BundleError::RootChanged {
                        district: new.district,
                        old: crate::trust::root::show_fingerprint(&old_pin),
                        new: crate::trust::root::show_fingerprint(pin),
                    });
                }
                if old_pin == *pin {
                    let held = old.trust.verify(&[old_pin]).map_err(|error| BundleError::List { district: old.district.clone(), error })?;
                    if new.sequence < held.sequence || (new.sequence == held.sequence && new.digest != held.digest) {
                        return Err(BundleError::Rollback { district: new.district, new: new.sequence, old: held.sequence });
                    }
                    for r in &entry.revocations {
                        if let Some(o) = old.revocations.iter().find(|o| {
                            o.issuer == r.issuer && (o.sequence > r.sequence || (o.sequence == r.sequence && o.cose != r.cose) || (o.sequence < r.sequence && o.updated_epoch() > r.updated_epoch()))
                        }) {
                            return Err(BundleError::Revocations {
                                district: new.district.clone(),
                                error: format!("revocation list no. {} ({}) is not newer than no. {} ({}) already held", r.sequence, r.updated_at, o.sequence, o.updated_at),
                            });
                        }
                    }
                }
                let mut entry = entry;
                // No list given: the one held stays (dropping it would make
                // the documents it revokes genuine again).
                if entry.revocations.is_empty() && old_pin == *pin {
                    entry.revocations = std::mem::take(&mut old.revocations);
                }
                *old = entry;
            }
            None => self.districts.push(entry),
        }
        self.districts.sort_by(|a, b| a.district.cmp(&b.district));
        // The result must verify whole (e.g. no key shared with another district).
        self.verify().map(|_| ())
    }
}

impl Default for Bundle {
    fn default() -> Self {
        Bundle::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::list::tests::{entry, test_root};

    impl Bundle {
        fn put_for_test(&mut self, pin: &Fingerprint, list: SignedTrustList, revocations: Vec<RevocationList>) -> Result<(), BundleError> {
            self.put(pin, list, revocations, false)
        }
    }

    #[test]
    fn a_new_root_for_a_district_is_refused_unless_told() {
        let root = test_root();
        let mut b = Bundle::new();
        b.put(&root.cert.fingerprint, SignedTrustList::make(&root, "3506", 5, 1_780_000_000, 1_782_592_000, vec![entry(1, "3506")], vec![]).unwrap(), vec![], false).unwrap();
        let new = crate::trust::root::generate("3506", "KAB. KEDIRI", &[0x45u8; 32], 1_767_225_600, 20).unwrap();
        let cert = crate::trust::root::RootCert::parse(&crate::trust::root::pem_decode(new.cert_pem.as_bytes()).unwrap()).unwrap();
        let new_root = crate::trust::root::RootKey::from_parts_for_tests(&[0x45u8; 32], cert);
        let l1 = SignedTrustList::make(&new_root, "3506", 1, 1_781_000_000, 1_782_592_000, vec![entry(2, "3506")], vec![]).unwrap();
        let e = b.put(&new_root.cert.fingerprint, l1.clone(), vec![], false).unwrap_err();
        let text = e.to_string();
        assert!(matches!(e, BundleError::RootChanged { .. }), "{text}");
        assert!(text.contains(&crate::trust::root::show_fingerprint(&root.cert.fingerprint)) && text.contains(&crate::trust::root::show_fingerprint(&new_root.cert.fingerprint)), "{text}");
        assert_eq!(b.districts[0].trust.sequence, 5, "nothing changed");
        // Told: the new root replaces the old, its list no. 1 accepted.
        b.put(&new_root.cert.fingerprint, l1, vec![], true).unwrap();
        assert_eq!(b.verify().unwrap().districts[0].root.fingerprint, new_root.cert.fingerprint);
    }

    #[test]
    fn bundle_verifies_whole_and_refuses_rollback() {
        let root = test_root();
        let pin = root.cert.fingerprint;
        let l3 = SignedTrustList::make(&root, "3506", 3, 1_780_000_000, 1_782_592_000, vec![entry(1, "3506")], vec![]).unwrap();
        let mut b = Bundle::new();
        b.put_for_test(&pin, l3.clone(), vec![]).unwrap();
        let v = Bundle::parse(b.to_json().as_bytes()).unwrap().verify().unwrap();
        assert_eq!(v.keys.keys.len(), 1);
        // The same list again is fine; an older one or another with the same number is not.
        b.put_for_test(&pin, l3.clone(), vec![]).unwrap();
        let l2 = SignedTrustList::make(&root, "3506", 2, 1_770_000_000, 1_782_592_000, vec![entry(1, "3506")], vec![]).unwrap();
        assert!(matches!(b.put_for_test(&pin, l2, vec![]), Err(BundleError::Rollback { .. })));
        let other3 = SignedTrustList::make(&root, "3506", 3, 1_780_000_000, 1_782_592_000, vec![entry(2, "3506")], vec![]).unwrap();
        assert!(matches!(b.put_for_test(&pin, other3, vec![]), Err(BundleError::Rollback { .. })));
        let l4 = SignedTrustList::make(&root, "3506", 4, 1_781_000_000, 1_782_592_000, vec![entry(2, "3506")], vec![]).unwrap();
        b.put_for_test(&pin, l4, vec![]).unwrap();
        assert_eq!(b.verify().unwrap().districts[0].sequence, 4);
        // A wrong pin refuses the whole bundle.
        let mut edited = b.clone();
        edited.districts[0].root_fingerprint = hex::encode([1u8; 32]);
        assert!(matches!(edited.verify(), Err(BundleError::List { .. })));
        let mut edited = b.clone();
        edited.districts[0].trust.cose.replace_range(10..12, "ff");
        assert!(edited.verify().is_err());
    }
}
