//! The tools the end-to-end tests compare terbit against (qpdf, poppler,
//! zbar, NSS's certutil, openssl, chromium, node with the verifier page's
//! npm packages, Python with pyHanko and pycose, PostgreSQL for the register
//! on a real server (tests/common/pg.rs)): one probe each, shared by
//! the tests and by tests/tools.rs, the table plain `cargo test` prints,
//! so that the table and the tests agree on what ran.
//!
//! What the project can install itself, the probes install: the page's
//! packages with `npm ci` (when node_modules is missing or differs from
//! package-lock.json) and a Python venv with the pinned pyHanko and pycose
//! (made once under the cargo target dir, reused, behind a file lock so
//! parallel test binaries do not race). What they cannot (a program the
//! system lacks, no network), `require` reports as a skipped check, naming
//! what is missing and the command that installs it, on the test process's
//! own stderr so that plain `cargo test` shows it; under
//! TERBIT_REQUIRE_TOOLS (set by .ci/run) it fails the test instead.
//!
//! For testing the harness: TERBIT_PYTHON names the Python the venv is made
//! from (default `python3`), and TERBIT_TEST_WITHOUT (a comma list of
//! program names, e.g. `node,chromium`; `postgresql` for PostgreSQL's
//! programs) makes the probes treat those programs as absent.

#![allow(dead_code, unreachable_pub)]

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// A check that cannot run here: what is missing, why, and how to get it.
#[derive(Debug, Clone)]
pub(crate) struct Missing {
    pub(crate) what: String,
    pub(crate) why: String,
    pub(crate) install: String,
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} — install: {}", self.what, self.why, self.install)
    }
}

/// Whether a missing tool fails the test (.ci/run sets it).
pub(crate) fn tools_required() -> bool {
    std::env::var_os("TERBIT_REQUIRE_TOOLS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// The check's tool, or `None` after saying (past the harness's output
/// capture) that `check` did not run and why. Under TERBIT_REQUIRE_TOOLS
/// it panics instead.
pub(crate) fn require<T>(check: &str, probe: Result<T, Missing>) -> Option<T> {
    match probe {
        Ok(t) => Some(t),
        Err(m) => {
            skipped(check, &m);
            None
        }
    }
}

/// Say that `check` did not run (or fail, under TERBIT_REQUIRE_TOOLS).
pub(crate) fn skipped(check: &str, m: &Missing) {
    if tools_required() {
        panic!("{check} must run (TERBIT_REQUIRE_TOOLS is set) but cannot: {m}");
    }
    // Written to the process's stderr directly, not with eprintln!: the
    // test harness captures the print macros of a passing test, and a check
    // that did not run must show in plain `cargo test` output.
    // One write, so that lines of tests running in parallel do not mix.
    let _ = std::io::stderr().write_all(format!("\nSKIPPED {check}: {m}\n").as_bytes());
}

/// Programs TERBIT_TEST_WITHOUT hides from the probes.
fn hidden(program: &str) -> bool {
    std::env::var("TERBIT_TEST_WITHOUT").is_ok_and(|v| v.split(',').any(|p| p.trim() == program))
}

/// The package that installs `program` (Debian's names).
pub(crate) fn install_hint(program: &str) -> &'static str {
    match program {
        "qpdf" => "apt-get install qpdf",
        "pdftoppm" | "pdftotext" | "pdffonts" | "pdfsig" => "apt-get install poppler-utils",
        "zbarimg" => "apt-get install zbar-tools",
        "certutil" => "apt-get install libnss3-tools",
        "openssl" => "apt-get install openssl",
        "chromium" => "apt-get install chromium",
        "node" => "apt-get install nodejs npm",
        "npm" => "apt-get install npm",
        "python3" => "apt-get install python3 python3-venv",
        "unshare" => "apt-get install util-linux",
        "systemd-analyze" => "apt-get install systemd",
        "postgresql" | "initdb" | "pg_ctl" | "postgres" | "pg_basebackup" | "psql" => "apt-get install postgresql",
        "setpriv" | "runuser" => "apt-get install util-linux",
        _ => "bash .ci/run installs it",
    }
}

/// Whether `program` runs (its `arg` answer is not judged: some tools
/// exit non-zero for their version or help flag).
pub(crate) fn have(program: &str, arg: &str) -> bool {
    !hidden(program) && Command::new(program).arg(arg).stdin(Stdio::null()).output().is_ok()
}

/// `program`, runnable here.
pub(crate) fn program(program: &str, arg: &str) -> Result<(), Missing> {
    if have(program, arg) {
        return Ok(());
    }
    let why = if hidden(program) { "is not installed (hidden by TERBIT_TEST_WITHOUT)" } else { "is not installed" };
    Err(Missing { what: program.to_string(), why: why.to_string(), install: install_hint(program).to_string() })
}

/// Every one of `programs` (name, probe argument), or all that are missing at once.
pub(crate) fn programs(programs: &[(&str, &str)]) -> Result<(), Missing> {
    let missing: Vec<Missing> = programs.iter().filter_map(|(p, a)| program(p, a).err()).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut installs: Vec<&str> = Vec::new();
    for m in &missing {
        if !installs.contains(&m.install.as_str()) {
            installs.push(&m.install);
        }
    }
    let what = missing.iter().map(|m| m.what.as_str()).collect::<Vec<_>>().join(", ");
    let why = if missing.len() == 1 { missing[0].why.clone() } else { missing[0].why.replacen("is ", "are ", 1) };
    Err(Missing { what, why, install: installs.join("; ") })
}

/// The headless browser the page and report tests drive.
pub(crate) fn chromium() -> Result<PathBuf, Missing> {
    for c in ["chromium", "chromium-browser", "google-chrome"] {
        if have(c, "--version") {
            return Ok(PathBuf::from(c));
        }
    }
    Err(program("chromium", "--version").expect_err("no chromium found"))
}

/// Whether this process may mount a tmpfs in a private mount namespace
/// (the disk-full test's small disk; needs root and unshare(1)).
pub(crate) fn small_disk() -> Result<(), Missing> {
    program("unshare", "--version")?;
    let probe = Command::new("unshare").args(["-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs \"$0\"", "/mnt"]).output();
    match probe {
        Ok(o) if o.status.success() => Ok(()),
        o => Err(Missing {
            what: "a private mount namespace with a tmpfs".into(),
            why: format!("is not allowed here ({})", o.map(|o| last_line(&o.stderr)).unwrap_or_else(|e| e.to_string())),
            install: "run the tests as root outside a sandbox that forbids mounts".into(),
        }),
    }
}

/// A PostgreSQL installation the tests start throwaway servers from
/// (tests/common/pg.rs).
#[derive(Debug, Clone)]
pub(crate) struct Postgresql {
    /// The one folder holding initdb, pg_ctl, postgres, pg_basebackup and
    /// psql: one installation's programs, never a mix of versions.
    pub(crate) bin: PathBuf,
    /// `postgres --version`, e.g. `postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)`.
    pub(crate) version: String,
    /// The major version, e.g. 15.
    pub(crate) major: u32,
    /// Who the server runs as when the tests run as root.
    pub(crate) run_as: Option<RunAs>,
}

/// An unprivileged user the server's programs run as: PostgreSQL refuses
/// to run as root, and .ci/run runs the tests as root.
#[derive(Debug, Clone)]
pub(crate) struct RunAs {
    pub(crate) user: String,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    /// setpriv (preferred: it execs the program, so a timeout's kill
    /// reaches it) or runuser (which waits on it as a PAM session).
    switch: PathBuf,
}

/// The programs a throwaway cluster and its standby need.
const PG_PROGRAMS: [&str; 5] = ["initdb", "pg_ctl", "postgres", "pg_basebackup", "psql"];

/// The oldest major version the harness works with: `pg_basebackup -R`
/// writes standby.signal from 12 on.
const PG_OLDEST: u32 = 12;

impl Postgresql {
    /// `program` of this installation, run as the server's user when the
    /// tests run as root, without the caller's PG* variables (a developer's
    /// PGHOST or PGDATA would point the programs elsewhere).
    pub(crate) fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        let mut c = match &self.run_as {
            None => Command::new(path),
            Some(r) => {
                let mut c = Command::new(&r.switch);
                if r.switch.ends_with("setpriv") {
                    c.args([format!("--reuid={}", r.uid), format!("--regid={}", r.gid), "--init-groups".into(), "--".into()]);
                } else {
                    c.args(["-u", &r.user, "--"]);
                }
                c.arg(path);
                c
            }
        };
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("PG") {
                c.env_remove(k);
            }
        }
        c.stdin(Stdio::null());
        c
    }

    /// `program` of this installation run as the test process itself (psql:
    /// a client needs no privilege drop), without the caller's PG* variables.
    pub(crate) fn client(&self, program: &str) -> Command {
        let mut c = Command::new(self.bin.join(program));
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("PG") {
                c.env_remove(k);
            }
        }
        c.stdin(Stdio::null());
        c
    }
}

/// PostgreSQL's server programs, runnable here (by an unprivileged user
/// when the tests run as root). Probed once per test process.
pub(crate) fn postgresql() -> Result<Postgresql, Missing> {
    static PROBED: OnceLock<Result<Postgresql, Missing>> = OnceLock::new();
    PROBED.get_or_init(probe_postgresql).clone()
}

fn probe_postgresql() -> Result<Postgresql, Missing> {
    let what = format!("PostgreSQL ({})", PG_PROGRAMS.join(", "));
    let install = install_hint("postgresql").to_string();
    if hidden("postgresql") {
        return Err(Missing { what, why: "is not installed (hidden by TERBIT_TEST_WITHOUT)".into(), install });
    }
    let Some(bin) = postgresql_bin() else {
        return Err(Missing { what, why: "is not installed (neither initdb on PATH nor /usr/lib/postgresql/*/bin)".into(), install });
    };
    let run_as = if rustix::process::geteuid().is_root() { Some(unprivileged()?) } else { None };
    let pg = Postgresql { bin, version: String::new(), major: 0, run_as };
    // The server's own binary, run the way the clusters will run it: this
    // also proves the switch to the unprivileged user works here (a
    // container without CAP_SETUID would refuse it).
    let version = match run(pg.command("postgres").arg("--version")) {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_string(),
        o => {
            let as_whom = pg.run_as.as_ref().map(|r| format!(" as {} (through {})", r.user, r.switch.display())).unwrap_or_default();
            let why = o.map(|o| last_line(&[o.stdout, o.stderr].concat())).unwrap_or_else(|e| e.to_string());
            return Err(Missing { what: pg.bin.join("postgres").display().to_string(), why: format!("does not run{as_whom} ({why})"), install });
        }
    };
    // "postgres (PostgreSQL) 15.14 (Debian ...)": the major version.
    let major = version.split_whitespace().nth(2).and_then(|v| v.split(|c: char| !c.is_ascii_digit()).next()?.parse::<u32>().ok());
    match major {
        Some(major) if major >= PG_OLDEST => Ok(Postgresql { version, major, ..pg }),
        _ => Err(Missing { what, why: format!("is too old or unrecognised ({version}); the harness needs {PG_OLDEST} or later"), install }),
    }
}

/// The folder of one PostgreSQL installation holding every program the
/// harness runs: initdb's on PATH (through its symlinks: Debian's
/// /usr/bin has no initdb, an administrator's symlink leads to the
/// versioned folder), else Debian's /usr/lib/postgresql/<major>/bin, the
/// highest version first.
fn postgresql_bin() -> Option<PathBuf> {
    let complete = |dir: &Path| PG_PROGRAMS.iter().all(|p| dir.join(p).is_file());
    let on_path = std::env::var_os("PATH").and_then(|path| {
        let initdb = std::env::split_paths(&path).map(|d| d.join("initdb")).find(|i| i.is_file())?;
        Some(initdb.canonicalize().ok()?.parent()?.to_path_buf())
    });
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let e = e.ok()?;
            Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin")))
        })
        .collect();
    debian.sort_by_key(|d| std::cmp::Reverse(d.0));
    on_path.into_iter().chain(debian.into_iter().map(|(_, d)| d)).find(|d| complete(d))
}

/// The `postgres` system user (Debian's package makes it) and a program
/// that switches to it (util-linux's setpriv or runuser).
fn unprivileged() -> Result<RunAs, Missing> {
    let user = "postgres";
    // /etc/passwd, where a system user lives: no process to spawn.
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let ids = passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() > 3 && f[0] == user).then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))?
    });
    let Some((uid, gid)) = ids else {
        return Err(Missing {
            what: format!("a `{user}` user to run PostgreSQL as"),
            why: "does not exist, and PostgreSQL refuses to run as root (the tests run as root)".into(),
            install: format!("{} (it makes the user), or useradd --system --user-group {user}", install_hint("postgresql")),
        });
    };
    let dirs: Vec<PathBuf> = std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default();
    let system = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"].map(PathBuf::from);
    let switch = ["setpriv", "runuser"].iter().find_map(|p| dirs.iter().chain(system.iter()).map(|d| d.join(p)).find(|c| c.is_file()));
    let Some(switch) = switch else {
        return Err(Missing {
            what: "setpriv or runuser".into(),
            why: format!("is not installed (the tests run as root and PostgreSQL must run as `{user}`)"),
            install: install_hint("setpriv").into(),
        });
    };
    Ok(RunAs { user: user.into(), uid, gid, switch })
}

/// Where the tests keep what they install (the cargo target dir's tmp).
fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// An exclusive lock on `path` (made if missing), held until dropped:
/// test binaries run one after another, but one binary's tests run in
/// parallel, and a developer may run two `cargo test`s at once.
struct Lock(std::fs::File);

fn lock(path: &Path) -> Lock {
    std::fs::create_dir_all(path.parent().expect("a lock file's folder")).expect("make the cache folder");
    let f = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    rustix::fs::flock(&f, rustix::fs::FlockOperation::LockExclusive).unwrap_or_else(|e| panic!("lock {}: {e}", path.display()));
    Lock(f)
}

fn last_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("no message").trim().chars().take(200).collect()
}

fn run(c: &mut Command) -> std::io::Result<Output> {
    c.stdin(Stdio::null()).output()
}

/// The Python packages a check needs, with the pins .ci/run has always used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Py {
    /// pycose, cbor2 and base45: the QR texts verified by an independent COSE library.
    Pycose,
    /// pyHanko: the PDFs validated as PAdES signatures.
    Pyhanko,
}

impl Py {
    fn name(self) -> &'static str {
        match self {
            Py::Pycose => "pycose",
            Py::Pyhanko => "pyHanko",
        }
    }
    fn pins(self) -> &'static [&'static str] {
        match self {
            Py::Pycose => &["cbor2<6", "base45", "pycose"],
            Py::Pyhanko => &["pyhanko==0.38.*"],
        }
    }
    fn imports(self) -> &'static str {
        match self {
            Py::Pycose => "import pycose.messages, cbor2, base45",
            Py::Pyhanko => "import pyhanko.sign.validation, pyhanko_certvalidator",
        }
    }
}

/// The Python the venv is made from.
fn base_python() -> String {
    std::env::var("TERBIT_PYTHON").ok().filter(|p| !p.is_empty()).unwrap_or_else(|| "python3".into())
}

/// A venv's python with `packages` installed: made once per base Python
/// (under the target dir's tmp), reused by every test binary after.
pub(crate) fn python(packages: Py) -> Result<PathBuf, Missing> {
    static PYCOSE: OnceLock<Result<PathBuf, Missing>> = OnceLock::new();
    static PYHANKO: OnceLock<Result<PathBuf, Missing>> = OnceLock::new();
    let cell = match packages {
        Py::Pycose => &PYCOSE,
        Py::Pyhanko => &PYHANKO,
    };
    cell.get_or_init(|| make_venv(packages)).clone()
}

fn make_venv(packages: Py) -> Result<PathBuf, Missing> {
    use sha2::Digest as _;
    let base = base_python();
    let quoted = packages.pins().iter().map(|p| format!("'{p}'")).collect::<Vec<_>>().join(" ");
    let version = if hidden("python3") { None } else { run(Command::new(&base).arg("--version")).ok().filter(|o| o.status.success()) };
    let Some(version) = version else {
        let why = match (hidden("python3"), std::env::var_os("TERBIT_PYTHON").is_some()) {
            (true, _) => "is not installed (hidden by TERBIT_TEST_WITHOUT)".to_string(),
            (false, true) => format!("is not installed (TERBIT_PYTHON={base} does not run)"),
            (false, false) => "is not installed".to_string(),
        };
        return Err(Missing { what: "python3".into(), why, install: install_hint("python3").into() });
    };
    // One venv per base Python (its path and version): another Python
    // gets its own, never a venv whose interpreter has gone.
    let key = sha2::Sha256::digest(format!("{base}\n{}", String::from_utf8_lossy(&version.stdout).trim()).as_bytes());
    let dir = cache_dir().join(format!("python-venv-{}", &hex::encode(key)[..12]));
    let _held = lock(&dir.with_extension("lock"));
    let py = dir.join("bin/python");
    let made = dir.join(".terbit-venv-made");
    if !made.exists() || !run(Command::new(&py).arg("--version")).is_ok_and(|o| o.status.success()) {
        // Whatever an interrupted run left is made again from nothing.
        let _ = std::fs::remove_dir_all(&dir);
        let o = run(Command::new(&base).args(["-m", "venv"]).arg(&dir)).map_err(|e| e.to_string());
        if let Err(why) = o.and_then(|o| if o.status.success() { Ok(()) } else { Err(last_line(&[o.stdout, o.stderr].concat())) }) {
            return Err(Missing {
                what: format!("a Python venv for {}", packages.name()),
                why: format!("could not be made with `{base} -m venv {}` ({why})", dir.display()),
                install: "apt-get install python3-venv".into(),
            });
        }
        std::fs::write(&made, "").expect("mark the venv made");
    }
    let stamp = dir.join(format!(".terbit-installed-{}", hex::encode(&sha2::Sha256::digest(packages.pins().join("\n").as_bytes())[..6])));
    if stamp.exists() {
        return Ok(py);
    }
    let o = run(Command::new(&py).args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--retries", "1"]).args(packages.pins()));
    match o {
        Ok(o) if o.status.success() => {}
        o => {
            let why = o.map(|o| last_line(&o.stderr)).unwrap_or_else(|e| e.to_string());
            return Err(Missing {
                what: format!("the Python package {} ({})", packages.name(), packages.pins().join(", ")),
                why: format!("could not be installed into {} (offline?): {why}", dir.display()),
                install: format!("{} -m pip install {quoted}", py.display()),
            });
        }
    }
    match run(Command::new(&py).args(["-c", packages.imports()])) {
        Ok(o) if o.status.success() => {}
        o => {
            let why = o.map(|o| last_line(&o.stderr)).unwrap_or_else(|e| e.to_string());
            return Err(Missing {
                what: format!("the Python package {}", packages.name()),
                why: format!("was installed into {} but does not import: {why}", dir.display()),
                install: format!("{} -m pip install --force-reinstall {quoted}", py.display()),
            });
        }
    }
    std::fs::write(&stamp, packages.pins().join("\n")).expect("mark the packages installed");
    Ok(py)
}

/// The verifier page's sources (engine/clerk_page/web).
pub(crate) fn page_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("engine/clerk_page/web")
}

/// node, with the verifier page's locked npm packages in its node_modules:
/// `npm ci` there when they are missing or differ from package-lock.json.
pub(crate) fn page_packages() -> Result<PathBuf, Missing> {
    static READY: OnceLock<Result<PathBuf, Missing>> = OnceLock::new();
    READY.get_or_init(npm_ci).clone()
}

fn npm_ci() -> Result<PathBuf, Missing> {
    program("node", "--version")?;
    let web = page_dir();
    let _held = lock(&cache_dir().join("npm-ci.lock"));
    if installed_as_locked(&web) {
        return Ok(web);
    }
    let install = "(cd engine/clerk_page/web && npm ci)".to_string();
    program("npm", "--version").map_err(|m| Missing {
        what: "the verifier page's npm packages".into(),
        why: format!("are missing or differ from package-lock.json, and npm, which installs them, {}", m.why),
        install: format!("{}, then {install}", m.install),
    })?;
    match run(Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]).current_dir(&web)) {
        Ok(o) if o.status.success() => {}
        o => {
            let why = o.map(|o| last_line(&o.stderr)).unwrap_or_else(|e| e.to_string());
            return Err(Missing { what: "the verifier page's npm packages".into(), why: format!("could not be installed by `npm ci` (offline?): {why}"), install });
        }
    }
    if !installed_as_locked(&web) {
        return Err(Missing { what: "the verifier page's npm packages".into(), why: "are not what package-lock.json lists, even after `npm ci`".into(), install });
    }
    Ok(web)
}

/// Whether node_modules holds exactly what package-lock.json locks: npm
/// records what it installed in node_modules/.package-lock.json; every
/// locked package (but optional ones for other platforms) must be there in
/// the same version and integrity, and nothing else.
fn installed_as_locked(web: &Path) -> bool {
    let read = |p: PathBuf| -> Option<serde_json::Value> { serde_json::from_slice(&std::fs::read(p).ok()?).ok() };
    let (Some(lock), Some(installed)) = (read(web.join("package-lock.json")), read(web.join("node_modules/.package-lock.json"))) else {
        return false;
    };
    let (Some(locked), Some(have)) = (lock["packages"].as_object(), installed["packages"].as_object()) else {
        return false;
    };
    let same = |a: &serde_json::Value, b: &serde_json::Value| a["version"] == b["version"] && a["integrity"] == b["integrity"];
    let all_locked = locked.iter().filter(|(k, _)| !k.is_empty()).all(|(k, v)| match have.get(k) {
        Some(h) => same(v, h) && web.join(k).is_dir(),
        None => v["optional"].as_bool() == Some(true),
    });
    all_locked && have.iter().all(|(k, h)| locked.get(k).is_some_and(|v| same(v, h)))
}
