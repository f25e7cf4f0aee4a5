//! One keys folder, one register. A district's keys folder records the
//! register that issues with it (`register-binding.json`: its canonical
//! path and the identity stored inside it), and `issue` refuses to number
//! with that folder into any other register: a second register knows
//! nothing of the first and gives the same numbers again, every document
//! genuine at verify (a run from another folder whose default register is
//! `./out/register.sqlite`, or a register lost and started anew).

use std::path::{Component, Path, PathBuf};

use crate::dk1::keys::{RegisterBinding, BINDING_FILE};
use crate::error::{Error, Result};
use crate::numbering::register::{Place, Register};

/// What [`check`] found, for [`record`] once the register is open.
#[derive(Debug)]
pub struct Checked {
    binding: Option<RegisterBinding>,
    /// The bound register's identity, for a copy of it made before
    /// registers kept one (restored at its recorded path).
    adopt_id: Option<String>,
}

/// `path` as a binding records it: absolute, links and `.`/`..` resolved
/// as far as the path exists (a register not made yet has no canonical
/// path of its own: its folder's, joined with its name).
pub fn canonical(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    let abs = if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir().map(|d| d.join(path)).unwrap_or_else(|_| path.to_path_buf()) };
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    // The deepest folder that exists, canonical, with the rest after it.
    let mut base = out.clone();
    let mut rest = Vec::new();
    while !base.exists() {
        match (base.file_name().map(|n| n.to_os_string()), base.parent().map(Path::to_path_buf)) {
            (Some(n), Some(p)) => {
                rest.push(n);
                base = p;
            }
            _ => return out,
        }
    }
    let mut p = std::fs::canonicalize(&base).unwrap_or(base);
    p.extend(rest.iter().rev());
    p
}

/// How a binding names the register at `place`: a file by its canonical
/// path, a PostgreSQL register by its URL without the password.
pub fn key(place: &Place) -> PathBuf {
    match place {
        Place::File(p) => canonical(p),
        Place::Postgres(u) => PathBuf::from(u.shown()),
    }
}

/// Before anything is created: refuse a register that is not the one the
/// keys folder `keys_dir` is bound to — a new one (the file absent, or a
/// database no register was made in), or an existing one with another
/// identity. The bound register at another place (moved, or migrated to
/// PostgreSQL) is accepted; [`record`] then updates the binding.
pub fn check(keys_dir: &Path, register: &Place) -> Result<Checked> {
    let Some(bound) = RegisterBinding::load(keys_dir)? else { return Ok(Checked { binding: None, adopt_id: None }) };
    let here = key(register);
    let file = keys_dir.join(BINDING_FILE);
    let same_place = here == bound.register;
    if !Register::exists(register)? {
        return Err(Error::Usage(if same_place {
            format!(
                "the register {} that the keys folder {} issues with (recorded in {}) is missing: restore it from its backup. \
                 A new register there would give the numbers it gave again, each document genuine at verify; nothing was issued",
                here.display(),
                keys_dir.display(),
                file.display()
            )
        } else {
            format!(
                "the keys folder {} issues with the register {} (recorded in {}), but this run would start a new register at {}: \
                 it would give numbers that register already gave, each document genuine at verify; nothing was issued. \
                 Give --register {} (or --config naming the district's terbit.toml, whose `register` it is); \
                 if that register is lost, restore it from its backup — a new register would give the same numbers again",
                keys_dir.display(),
                bound.register.display(),
                file.display(),
                here.display(),
                bound.register.display()
            )
        }));
    }
    // Bound to a PostgreSQL register, a keys folder never takes a file in
    // its place: a file with its id is the copy left from before the
    // migration (`register.sqlite.migrated`, or another link to it), and
    // whether the database still holds the register cannot always be
    // asked (a password not in the binding, a server down) — so refused.
    if matches!(Place::of(&bound.register), Ok(Place::Postgres(_))) && register.file().is_some() {
        return Err(Error::Usage(format!(
            "the keys folder {} issues with the PostgreSQL register {} (recorded in {}), and {} is a register file: \
             a file is never taken in its place (one with its id is a copy from before the migration, and would give the same numbers again); nothing was issued. \
             Give --register {} (or --config naming the district's terbit.toml)",
            keys_dir.display(),
            bound.register.display(),
            file.display(),
            here.display(),
            bound.register.display()
        )));
    }
    match Register::id_of(register)? {
        // The bound register at another path: moved only if it is gone
        // from where it was. Both still there is a copy beside the
        // original: two copies numbering give the same numbers twice.
        Some(id) if id == bound.register_id && !same_place && still_there(&bound.register).as_deref() == Some(id.as_str()) => Err(Error::Usage(format!(
            "{} is a copy of the register {} that the keys folder {} issues with (same id {}, recorded in {}), and that register is still there: \
             two copies numbering with one keys folder give the same numbers twice, each document genuine at verify; nothing was issued. \
             Give --register {} (or --config naming the district's terbit.toml); to move the register, move it (the old path must be gone), do not copy it",
            here.display(),
            bound.register.display(),
            keys_dir.display(),
            id,
            file.display(),
            bound.register.display()
        ))),
        Some(id) if id == bound.register_id => Ok(Checked { binding: Some(bound), adopt_id: None }),
        // A copy made before registers kept an identity, back where the
        // bound one was: the register restored from an older backup.
        None if same_place => {
            let id = bound.register_id.clone();
            Ok(Checked { binding: Some(bound), adopt_id: Some(id) })
        }
        id => Err(Error::Usage(format!(
            "the keys folder {} issues with the register {} (id {}, recorded in {}), and {} is another register (id {}): \
             two registers numbering with one keys folder give the same numbers twice; nothing was issued. \
             Give --register {} (or --config naming the district's terbit.toml); if that register is lost, restore it from its backup",
            keys_dir.display(),
            bound.register.display(),
            bound.register_id,
            file.display(),
            here.display(),
            id.as_deref().unwrap_or("none"),
            bound.register.display()
        ))),
    }
}

/// The identity of the register a binding names, if it can be read now
/// (a PostgreSQL register whose password is not in the binding cannot:
/// then it is not counted as still there).
fn still_there(bound: &Path) -> Option<String> {
    let place = Place::of(bound).ok()?;
    if let Place::File(p) = &place {
        if !p.is_file() {
            return None;
        }
    }
    Register::id_of(&place).ok().flatten()
}

/// With the register open: record it in the keys folder when the folder
/// has no binding yet or the register moved. A keys folder the job may
/// not write (read-only for it) is no failure: the warning returned says
/// that it then guards against no second register.
pub fn record(keys_dir: &Path, register: &Register, checked: &Checked) -> Result<Option<String>> {
    if let Some(id) = &checked.adopt_id {
        register.set_id(id)?;
    }
    let now = RegisterBinding { register: key(register.place()), register_id: register.id()? };
    let moved = checked.binding.as_ref().filter(|b| b.register != now.register).map(|b| b.register.clone());
    match now.save(keys_dir) {
        Ok(true) => Ok(moved.map(|from| format!("the register moved from {} to {}: the keys folder's binding ({}) now names it there", from.display(), now.register.display(), keys_dir.join(BINDING_FILE).display()))),
        Ok(false) => Ok(None),
        Err(e) => Ok(Some(format!(
            "could not record the register in the keys folder ({e}): with it read-only for this job, nothing there stops another register from issuing with these keys. \
             Write {} once as the keys' owner (run `terbit issue` once as that user), or keep every job on this register",
            keys_dir.join(BINDING_FILE).display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keys_folder_that_cannot_be_written_is_a_warning_and_a_moved_register_is_followed() {
        let d = tempfile::tempdir().unwrap();
        let keys = d.path().join("keys");
        std::fs::create_dir_all(&keys).unwrap();
        let path = d.path().join("r.sqlite");
        let reg = Register::open(&Place::File(path.clone())).unwrap();
        // Unbound: recorded.
        let c = check(&keys, &Place::File(path.clone())).unwrap();
        assert_eq!(record(&keys, &reg, &c).unwrap(), None);
        let b = RegisterBinding::load(&keys).unwrap().unwrap();
        assert_eq!((b.register, b.register_id), (std::fs::canonicalize(&path).unwrap(), reg.id().unwrap()));
        // Moved (same id): accepted and followed, said once.
        drop(reg);
        let moved = d.path().join("sub/../moved.sqlite");
        std::fs::rename(&path, d.path().join("moved.sqlite")).unwrap();
        let moved = Place::File(moved);
        let reg = Register::open(&moved).unwrap();
        let c = check(&keys, &moved).unwrap();
        assert!(record(&keys, &reg, &c).unwrap().is_some_and(|w| w.contains("moved from")));
        assert_eq!(RegisterBinding::load(&keys).unwrap().unwrap().register, std::fs::canonicalize(d.path().join("moved.sqlite")).unwrap());
        // A copy of the register older than identities, restored at the
        // bound path: it takes back the bound identity.
        drop(reg);
        let bound_id = RegisterBinding::load(&keys).unwrap().unwrap().register_id;
        std::fs::remove_file(d.path().join("moved.sqlite")).unwrap();
        let reg = Register::open(&moved).unwrap();
        assert_eq!(Register::id_of(&moved).unwrap(), None);
        let c = check(&keys, &moved).unwrap();
        assert_eq!(record(&keys, &reg, &c).unwrap(), None);
        assert_eq!(reg.id().unwrap(), bound_id);
                // The binding cannot be written (here a folder stands in its place;
        // a read-only keys folder fails the same way): a warning, no error.
        let other = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(other.path().join(BINDING_FILE).join("x")).unwrap();
        let c = Checked { binding: None, adopt_id: None };
        let w = record(other.path(), &reg, &c).unwrap().expect("a warning");
        assert!(w.contains("could not record the register"), "{w}");
    }

    #[test]
    fn a_register_not_made_yet_has_a_canonical_path_through_its_existing_folder() {
        let d = tempfile::tempdir().unwrap();
        let real = std::fs::canonicalize(d.path()).unwrap();
        assert_eq!(canonical(&d.path().join("a/./b/../register.sqlite")), real.join("a/register.sqlite"));
    }
}
