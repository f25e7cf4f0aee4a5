//! Where the register lives: an SQLite file on the issuing host, or a
//! PostgreSQL database shared by several hosts (`register =
//! "postgresql://…"`). Settings and flags give both as one text; it is
//! told apart here, once, and the rest of the engine holds a [`Place`].

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The register's place.
#[derive(Clone, PartialEq, Eq)]
pub enum Place {
    /// An SQLite file.
    File(PathBuf),
    /// A PostgreSQL database.
    Postgres(PgUrl),
}

/// A `postgresql://` connection URL. The password it may hold is never
/// shown: [`PgUrl::shown`] is the URL without it, for messages and the
/// keys folder's binding.
#[derive(Clone, PartialEq, Eq)]
pub struct PgUrl {
    url: String,
    shown: String,
}

impl fmt::Debug for PgUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PgUrl({})", self.shown)
    }
}

impl fmt::Debug for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::File(p) => write!(f, "{}", p.display()),
            Place::Postgres(u) => f.write_str(&u.shown),
        }
    }
}

/// Whether `text` names a PostgreSQL register.
pub fn is_postgres(text: &str) -> bool {
    let lower = text.get(..13).map(str::to_ascii_lowercase).unwrap_or_default();
    lower.starts_with("postgresql://") || lower.starts_with("postgres://")
}

impl Place {
    /// The place a setting or flag names: a `postgresql://` (or
    /// `postgres://`) URL, checked, else a file path.
    pub fn of(path: &Path) -> Result<Place> {
        match path.to_str() {
            Some(text) if is_postgres(text) => Ok(Place::Postgres(PgUrl::parse(text)?)),
            _ => Ok(Place::File(path.to_path_buf())),
        }
    }

    /// The file, for an SQLite register.
    pub fn file(&self) -> Option<&Path> {
        match self {
            Place::File(p) => Some(p),
            Place::Postgres(_) => None,
        }
    }

    /// What errors name: the file, or the URL without its password.
    pub fn shown(&self) -> PathBuf {
        PathBuf::from(self.to_string())
    }
}

impl PgUrl {
    /// Check a connection URL (the `postgres` crate's own parser, so that
    /// what is accepted here is what connects).
    pub fn parse(text: &str) -> Result<PgUrl> {
        let shown = without_password(text);
        if text.len() > 4096 || text.chars().any(char::is_control) {
            return Err(Error::Usage(format!("the register URL {} is not a connection URL (control characters, or longer than 4096 bytes)", crate::util::show::clip_shown(&shown, 80))));
        }
        text.parse::<postgres::Config>()
            .map_err(|e| Error::Usage(format!("the register URL {} cannot be read: {e}", crate::util::show::clip_shown(&shown, 200))))?;
        Ok(PgUrl { url: text.to_string(), shown })
    }

    /// The URL to connect with (password included).
    pub fn connect_with(&self) -> &str {
        &self.url
    }

    /// The URL without its password.
    pub fn shown(&self) -> &str {
        &self.shown
    }
}

/// `scheme://user:password@rest` as `scheme://user@rest`; a `password=`
/// query parameter's value as `***`.
fn without_password(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else { return text.to_string() };
    let (auth_end, _) = rest.char_indices().find(|(_, c)| matches!(c, '/' | '?')).unwrap_or((rest.len(), ' '));
    let (authority, tail) = rest.split_at(auth_end);
    let authority = match authority.rsplit_once('@') {
        Some((user_info, hosts)) => format!("{}@{hosts}", user_info.split(':').next().unwrap_or("")),
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let q: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_string(),
                })
                .collect();
            format!("{path}?{}", q.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_postgres_and_its_password_is_never_shown() {
        let p = Place::of(Path::new("postgresql://terbit:s3cret@db.kediri.go.id:5432/register?password=x&sslmode=disable")).unwrap();
        let shown = p.to_string();
        assert!(!shown.contains("s3cret") && !shown.contains("=x"), "{shown}");
        assert_eq!(shown, "postgresql://terbit@db.kediri.go.id:5432/register?password=***&sslmode=disable");
        assert!(matches!(Place::of(Path::new("out/register.sqlite")).unwrap(), Place::File(_)));
        assert!(matches!(Place::of(Path::new("postgres://u@%2Frun%2Fpg/terbit")).unwrap(), Place::Postgres(_)));
        assert!(Place::of(Path::new("postgresql://u@h/db?\u{1b}[2J")).is_err());
        let e = Place::of(Path::new("postgresql://u:pw@h/db?connect_timeout=x")).unwrap_err().to_string();
        assert!(!e.contains("pw"), "{e}");
    }
}
