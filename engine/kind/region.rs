//! A region file: everything that makes terbit one regency's engine — its
//! code and names, the official in whose name documents are signed, the
//! place of issue and the service points where citizens collect documents.
//! Adopting terbit elsewhere means writing one of these, not code.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::kind::refdata::reference;

/// Kabupaten Kediri, the default region (embedded so `terbit demo` needs no files).
pub const KEDIRI_TOML: &str = include_str!("../../templates/regions/3506-kediri.toml");

/// A region file (`templates/regions/*.toml`): who issues, where, signed by whom.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// Four-digit regency code, e.g. "3506".
    pub code: String,
    /// "Kabupaten Kediri".
    pub name: String,
    /// "Jawa Timur".
    pub province: String,
    /// Printed before the date of issue: "Kediri, 23 Juni 2021".
    pub place_of_issue: String,
    /// The issuing office, printed in the header.
    pub office: String,
    /// Hours east of UTC for the issue time in claims (WIB = 7).
    #[serde(default = "default_utc_offset")]
    pub utc_offset_hours: i32,
    /// The signing official printed on documents.
    pub official: Official,
    /// Where documents are handed out.
    pub service_points: Vec<ServicePoint>,
    /// Optional logo (PNG or JPEG) printed where templates place a `logo`
    /// element; relative to the region file.
    #[serde(default)]
    pub logo: Option<PathBuf>,
    /// Templates this region uses instead of the embedded ones, by kind;
    /// relative to the region file.
    #[serde(default)]
    pub templates: BTreeMap<String, PathBuf>,
    /// The file it was read from, and its paths as written there: a file
    /// not found is named by its key and both paths.
    #[serde(skip)]
    written: Written,
}

/// A region file's own name and its paths as written.
#[derive(Debug, Clone, Default)]
struct Written {
    file: PathBuf,
    logo: Option<PathBuf>,
    templates: BTreeMap<String, PathBuf>,
}

fn default_utc_offset() -> i32 {
    7
}

/// The signing official.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Official {
    /// Title ("KEPALA DINAS ...").
    pub title: String,
    /// Name.
    pub name: String,
    /// Civil service number (NIP).
    pub nip: String,
}

/// A service point.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServicePoint {
    /// Short code used in batch files and as an output folder name.
    pub code: String,
    /// Its name, printed on documents.
    pub name: String,
}

impl Region {
    /// The embedded Kabupaten Kediri.
    pub fn kediri() -> Region {
        // The embedded file is tested below; a failure here is a build defect.
        Region::parse(KEDIRI_TOML, Path::new("<embedded 3506-kediri.toml>"))
            .expect("embedded region file is valid")
    }

    /// Load a region file: a regular file of at most 1 MiB that no other
    /// user may have written (it decides what is printed and signed).
    pub fn load(path: &Path) -> Result<Region> {
        if std::fs::symlink_metadata(path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
            // Said as what it is, with where region files come from.
            return Err(Error::config(
                path,
                "no such region file. The region files terbit comes with are in templates/regions/ of its source repository \
                 (e.g. templates/regions/3527-sampang.toml); a copied one needs the folder of the same name beside it too \
                 (templates/regions/3527-sampang/: its templates and logo), as its paths are relative to its own folder",
            ));
        }
        let bytes = crate::util::fs::read_trusted(path, "region file", crate::kind::template::MAX_TEMPLATE_FILE)?;
        Region::parse(crate::error::toml_text(path, &bytes)?, path)
    }

    /// Parse a region file's text (`path` names it in errors).
    pub fn parse(text: &str, path: &Path) -> Result<Region> {
        let mut region: Region = toml::from_str(text).map_err(|e| crate::error::toml_error(path, text, &e))?;
        // Files named in a region file are relative to it.
        let base = path.parent().unwrap_or(Path::new(""));
        region.written = Written { file: path.to_path_buf(), logo: region.logo.clone(), templates: region.templates.clone() };
        if let Some(logo) = &mut region.logo {
            *logo = base.join(&*logo);
        }
        for t in region.templates.values_mut() {
            *t = base.join(&*t);
        }
        region.check(path)?;
        Ok(region)
    }

    fn check(&self, path: &Path) -> Result<()> {
        if reference().regency_name(&self.code).is_none() {
            return Err(Error::config(
                path,
                format!("field `code`: {:?} is not a regency code in the reference data", self.code),
            ));
        }
        if self.service_points.is_empty() {
            return Err(Error::config(path, "field `service_points`: at least one is needed"));
        }
        let mut seen = std::collections::BTreeSet::new();
        for sp in &self.service_points {
            // Service-point codes become folder names: keep them to a safe alphabet.
            let safe = !sp.code.is_empty()
                && sp.code.len() <= 32
                && sp.code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
            if !safe {
                return Err(Error::config(
                    path,
                    format!("field `service_points.code`: {:?} must be 1–32 of A–Z, 0–9, '-' or '_'", sp.code),
                ));
            }
            if !seen.insert(sp.code.as_str()) {
                return Err(Error::config(path, format!("field `service_points.code`: {:?} appears twice", sp.code)));
            }
        }
        for kind in self.templates.keys() {
            if crate::kind::Kind::from_name(kind).is_none() {
                return Err(Error::config(path, format!("field `templates`: {kind:?} is not a document kind")));
            }
        }
        if !(-12..=14).contains(&self.utc_offset_hours) {
            return Err(Error::config(path, "field `utc_offset_hours`: must be between -12 and 14"));
        }
        Ok(())
    }

    /// The embedded templates with this region's overrides applied. A
    /// template file not found is named by its `[templates]` key, as
    /// written and where it was looked for (a region file copied without
    /// its folder loses its templates).
    pub fn templates(&self) -> Result<crate::kind::template::Templates> {
        let mut t = crate::kind::template::Templates::embedded();
        for (kind, path) in &self.templates {
            if !path.exists() {
                let written = self.written.templates.get(kind).unwrap_or(path);
                return Err(self.not_found(&format!("[templates] {kind} = {:?}", written.display().to_string()), path));
            }
            t.set(kind, path)?;
        }
        Ok(t)
    }

    /// The logo file, if the region names one, is there (named like a
    /// template file when not): checked before a run, not at its first page.
    pub fn check_logo(&self) -> Result<()> {
        match &self.logo {
            Some(path) if !path.exists() => {
                let written = self.written.logo.as_ref().unwrap_or(path);
                Err(self.not_found(&format!("logo = {:?}", written.display().to_string()), path))
            }
            _ => Ok(()),
        }
    }

    fn not_found(&self, key: &str, path: &Path) -> Error {
        // The folder said in words: "." alone reads as stray punctuation.
        let base = match self.written.file.parent().filter(|b| !b.as_os_str().is_empty() && *b != Path::new(".")) {
            Some(b) => format!("its folder, {}", b.display()),
            None => "its folder, the current folder".to_string(),
        };
        Error::config(
            &self.written.file,
            format!(
                "{key}: no file at {}. A relative path in a region file is read from {base}: \
                 copy the files it names along with the region file, keeping their places beside it, or write their absolute paths",
                path.display(),
            ),
        )
    }

    /// The service point with code `code`.
    pub fn service_point(&self, code: &str) -> Option<&ServicePoint> {
        self.service_points.iter().find(|s| s.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_kediri_is_valid() {
        let r = Region::kediri();
        assert_eq!(r.code, "3506");
        assert!(r.service_point("DUKCAPIL").is_some());
    }

    #[test]
    fn a_region_file_copied_without_its_folder_names_its_templates_table() {
        let d = tempfile::tempdir().unwrap();
        let copied = d.path().join("sampang.toml");
        std::fs::write(&copied, include_str!("../../templates/regions/3527-sampang.toml")).unwrap();
        let r = Region::load(&copied).unwrap();
        let e = r.templates().unwrap_err().to_string();
        let looked = d.path().join("3527-sampang/ktp.toml");
        assert!(e.contains("[templates] ktp = \"3527-sampang/ktp.toml\"") && e.contains(&looked.display().to_string()), "{e}");
        assert!(e.contains("A relative path in a region file is read from its folder, ") && e.contains("sampang.toml"), "{e}");
        assert!(!e.contains(", .:") && !e.contains("folder, ."), "{e}");
        // A region file in the current folder: the folder said in words.
        let here = Region::parse(include_str!("../../templates/regions/3527-sampang.toml"), Path::new("sampang.toml")).unwrap();
        let e = here.templates().unwrap_err().to_string();
        assert!(e.contains("read from its folder, the current folder: copy the files"), "{e}");
        let e = r.check_logo().unwrap_err().to_string();
        assert!(e.contains("logo = \"3527-sampang/logo.png\""), "{e}");
    }

    #[test]
    fn a_missing_region_file_is_named_with_where_region_files_are() {
        let d = tempfile::tempdir().unwrap();
        let e = Region::load(&d.path().join("3527-sampng.toml")).unwrap_err().to_string();
        assert!(e.contains("3527-sampng.toml: no such region file") && e.contains("templates/regions/") && e.contains("folder of the same name"), "{e}");
    }

    #[test]
    fn errors_name_the_field() {
        let bad = KEDIRI_TOML.replace("code = \"3506\"", "code = \"9999\"");
        let e = Region::parse(&bad, Path::new("r.toml")).unwrap_err().to_string();
        assert!(e.contains("r.toml") && e.contains("`code`"), "{e}");
        let bad = KEDIRI_TOML.replace("code = \"DUKCAPIL\"", "code = \"../x\"");
        let e = Region::parse(&bad, Path::new("r.toml")).unwrap_err().to_string();
        assert!(e.contains("service_points.code"), "{e}");
    }
}
