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
    has_password: bool,
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
        if text.len() > 4096 || text.chars().any(char::is_control) {
            return Err(Error::Usage("the register URL is not a connection URL (control characters, or longer than 4096 bytes); it is not repeated here, as it may hold a password".into()));
        }
        // The crate's own error may quote the text: not repeated either.
        let config = text.parse::<postgres::Config>().map_err(|_| {
            Error::Usage("the register URL cannot be read as a postgresql:// URL (postgresql://USER@HOST:PORT/DATABASE, a socket folder as %2Frun%2Fpostgresql); it is not repeated here, as it may hold a password".into())
        })?;
        Ok(PgUrl { url: text.to_string(), shown: shown_of(&config), has_password: config.get_password().is_some() })
    }

    /// The URL to connect with (password included).
    pub fn connect_with(&self) -> &str {
        &self.url
    }

    /// The URL without its password.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// Whether the URL holds a password.
    pub fn has_password(&self) -> bool {
        self.has_password
    }
}

/// The URL as shown: made from what the parser read — user, hosts
/// (socket folders percent-encoded), ports and database — never from
/// the text, so no spelling of a password (in the user part, a query
/// parameter, percent-encoded) can pass into a message or a file. The
/// same database is shown the same way however its URL was spelt.
fn shown_of(c: &postgres::Config) -> String {
    let enc = |t: &str| -> String {
        t.bytes()
            .map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
            .collect()
    };
    let ports = c.get_ports();
    let hosts: Vec<String> = c
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let host = match h {
                postgres::config::Host::Tcp(name) => enc(name),
                postgres::config::Host::Unix(dir) => enc(&dir.to_string_lossy()),
            };
            match ports.get(i).or(ports.first()) {
                Some(p) => format!("{host}:{p}"),
                None => host,
            }
        })
        .collect();
    let user = c.get_user().map(|u| format!("{}@", enc(u))).unwrap_or_default();
    let db = c.get_dbname().map(|d| format!("/{}", enc(d))).unwrap_or_default();
    format!("postgresql://{user}{}{db}", hosts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_postgres_and_its_password_is_never_shown() {
        let p = Place::of(Path::new("postgresql://terbit:s3cret@db.kediri.go.id:5432/register?password=x&sslmode=disable")).unwrap();
        let shown = p.to_string();
        assert!(!shown.contains("s3cret") && !shown.contains("=x"), "{shown}");
        assert_eq!(shown, "postgresql://terbit@db.kediri.go.id:5432/register");
        // Every spelling of a password: a `/` or `?` in it, a percent-encoded
        // key; and the same database however spelt is shown alike.
        for url in ["postgresql://pw:b64+/SECRET==@h:5/db", "postgresql://pw:QM?SECRET@h:5/db", "postgresql://pw@h:5/db?pass%77ord=SECRET", "postgres://pw@h:5/db"] {
            let shown = Place::of(Path::new(url)).unwrap().to_string();
            assert_eq!(shown, "postgresql://pw@h:5/db", "{url}");
        }
        let sock = Place::of(Path::new("postgresql://u@%2Frun%2Fpg:5433/terbit")).unwrap().to_string();
        assert_eq!(sock, "postgresql://u@%2Frun%2Fpg:5433/terbit");
        assert!(matches!(Place::of(Path::new("out/register.sqlite")).unwrap(), Place::File(_)));
        assert!(matches!(Place::of(Path::new("postgres://u@%2Frun%2Fpg/terbit")).unwrap(), Place::Postgres(_)));
        assert!(Place::of(Path::new("postgresql://u@h/db?\u{1b}[2J")).is_err());
        let e = Place::of(Path::new("postgresql://u:SECRET@h/db?connect_timeout=x")).unwrap_err().to_string();
        assert!(!e.contains("SECRET"), "{e}");
    }
}
