//! A throwaway PostgreSQL server for the end-to-end tests: a real one,
//! never a mock, made with the machine's own initdb, pg_ctl and
//! pg_basebackup in a temporary folder that also holds its unix socket
//! (no TCP: `listen_addresses = ''`), trust authentication for the
//! superuser `postgres`, and a database `terbit`. fsync and
//! `synchronous_commit` stay on, so that what a crash test sees committed
//! is what PostgreSQL promises to keep.
//!
//! When the tests run as root (.ci/run does), the server's programs run as
//! the `postgres` system user (PostgreSQL refuses root), switched to with
//! util-linux's setpriv (or runuser); the temporary folder is theirs. psql
//! and the tests' own connections run as the test process: trust
//! authentication over the socket lets any local user in as `postgres`.
//!
//! Without PostgreSQL (or with TERBIT_TEST_WITHOUT=postgresql),
//! [`PgCluster::start`] says the check was skipped (tests/common/tools.rs's
//! `require`) and gives `None`; under TERBIT_REQUIRE_TOOLS it fails the
//! test. A server that is installed but does not start fails the test,
//! with the command's output and the server's log.
//!
//! A test uses it so (both modules at the test crate's root: this one
//! reaches the probe as `crate::tools`):
//!
//! ```ignore
//! #[path = "common/tools.rs"]
//! mod tools;
//! #[path = "common/pg.rs"]
//! mod pg;
//!
//! #[test]
//! fn the_register_survives_a_server_crash() {
//!     let Some(db) = pg::PgCluster::start("the register survives a PostgreSQL crash") else { return };
//!     // db.url() is `postgresql://postgres@%2Ftmp%2Fterbit-pg-XXXXXX:PORT/terbit`:
//!     // the CLI takes it as `--register`, the `postgres` crate as a Config.
//!     terbit(&["issue", "--register", &db.url() /* , ... */]);
//!     db.stop_immediate(); // the server dies without a shutdown checkpoint
//!     db.start_again(); // and recovers from its WAL
//!     assert_eq!(db.psql("SELECT count(*) FROM issued"), "3");
//!
//!     // Failover: a streaming standby the primary commits synchronously to.
//!     let standby = db.standby("standby");
//!     db.stop_immediate();
//!     standby.promote(); // standby.url() is where the register goes on
//! } // dropped: each server stopped (immediate), its folder removed (in the background)
//! ```
//!
//! A server outlives a test process that is killed (its folder under
//! $TMPDIR, `terbit-pg-*`, stays too): only a normal end, pass or panic,
//! drops the cluster.

#![allow(dead_code, unreachable_pub)]

use std::fs::File;
use std::io::{Read as _, Seek as _, Write as _};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::tools::{self, Postgresql};

/// The database the tests' register lives in.
pub(crate) const DATABASE: &str = "terbit";
/// The superuser initdb makes (`-U`), whoever runs the server.
pub(crate) const SUPERUSER: &str = "postgres";

/// How long one program may run: generous, because CI runs many test
/// binaries' servers at once; each normally takes well under a second.
const LIMIT: Duration = Duration::from_secs(90);
/// pg_ctl's own wait, shorter than LIMIT so that pg_ctl says why first.
const PG_CTL_WAIT: &str = "60";

/// One PostgreSQL server (a primary, or a standby of one) in its own
/// temporary folder: `data/` is its data directory, `server.log` its log,
/// and the folder itself holds its socket.
pub(crate) struct PgCluster {
    pg: Postgresql,
    dir: tempfile::TempDir,
    /// Only names the socket (`.s.PGSQL.<port>`) and keys the server's
    /// System V shared memory: nothing listens on TCP.
    port: u16,
    name: String,
}

impl PgCluster {
    /// A new, running server with an empty database `terbit`, or `None`
    /// after saying that `check` was skipped (PostgreSQL missing).
    pub(crate) fn start(check: &str) -> Option<PgCluster> {
        let pg = tools::require(check, tools::postgresql())?;
        let cluster = PgCluster::unstarted(pg, check);
        let data = cluster.data();
        let mut initdb = cluster.pg.command("initdb");
        // --no-sync: initdb's files reach the disk in their own time; only
        // an operating system crash, which ends the test too, could lose
        // them. The server itself keeps fsync on.
        initdb.arg("-D").arg(&data).args(["-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"]);
        cluster.must("initdb", &mut initdb, "");
        let mut settings = vec![
            // The socket only, in the cluster's own folder: parallel
            // tests' servers never meet, and none is reachable by TCP.
            ("listen_addresses", String::new()),
            ("unix_socket_directories", cluster.socket_dir()),
            ("port", cluster.port.to_string()),
            // PostgreSQL's defaults, written out because the crash and
            // failover tests rely on them: a commit is acknowledged
            // once its WAL is flushed (and, with a standby named in
            // synchronous_standby_names, flushed there too).
            ("fsync", "on".into()),
            ("synchronous_commit", "on".into()),
            ("full_page_writes", "on".into()),
            ("wal_level", "replica".into()),
            ("max_wal_senders", "4".into()),
            // A standby catching up after a pause still finds the WAL.
            ("wal_keep_size", "64MB".into()),
        ];
        // Crash recovery first makes sure everything in the data directory
        // is on disk: one syncfs (PostgreSQL 14 on) instead of an fsync per
        // file, which took a second of each start after a crash here.
        if cluster.pg.major >= 14 {
            settings.push(("recovery_init_sync_method", "syncfs".into()));
        }
        cluster.configure("postgresql.conf", &settings);
        cluster.start_again();
        cluster.psql_in("postgres", &format!("CREATE DATABASE {DATABASE}"));
        Some(cluster)
    }

    /// A temporary folder (the server's user's) and a socket port, no server yet.
    fn unstarted(pg: Postgresql, name: &str) -> PgCluster {
        // $TMPDIR, unless the server could not use it: a unix socket's
        // path is at most 107 bytes (a CI's deep work folder is too long),
        // and the server's user must reach its folder (not through root's
        // 0700 home). Then /tmp.
        let tmp = std::env::temp_dir();
        let reachable = |p: &Path| p.ancestors().all(|a| a.metadata().is_ok_and(|m| m.permissions().mode() & 0o001 != 0));
        let base = if tmp.as_os_str().len() > 60 || (pg.run_as.is_some() && !reachable(&tmp)) { PathBuf::from("/tmp") } else { tmp };
        let dir = tempfile::Builder::new().prefix("terbit-pg-").tempdir_in(&base).unwrap_or_else(|e| panic!("a temporary folder in {}: {e}", base.display()));
        if let Some(r) = &pg.run_as {
            std::os::unix::fs::chown(dir.path(), Some(r.uid), Some(r.gid)).unwrap_or_else(|e| panic!("give {} to {}: {e}", dir.path().display(), r.user));
        }
        // Different numbers for the servers of one process and of parallel
        // test processes: the port also keys System V shared memory, which
        // PostgreSQL would otherwise have to probe past.
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = std::process::id().wrapping_mul(64).wrapping_add(NEXT.fetch_add(1, Ordering::Relaxed));
        let port = 20_000 + (n % 40_000) as u16;
        PgCluster { pg, dir, port, name: name.to_string() }
    }

    /// `postgresql://postgres@<socket folder, percent-encoded>:<port>/terbit`:
    /// what `--register` takes (a PostgreSQL register is told by its
    /// `postgresql://` prefix), the `postgres` crate's Config and libpq
    /// (psql) alike.
    pub(crate) fn url(&self) -> String {
        self.url_of(DATABASE)
    }

    fn url_of(&self, database: &str) -> String {
        format!("postgresql://{SUPERUSER}@{}:{}/{database}", percent_encode(&self.socket_dir()), self.port)
    }

    /// The folder holding the server's socket (`.s.PGSQL.<port>`).
    pub(crate) fn socket_dir(&self) -> String {
        self.dir.path().display().to_string()
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// The data directory.
    pub(crate) fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// The server's log so far.
    pub(crate) fn server_log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// What `sql` (one or more statements, each in its own transaction)
    /// prints in database `terbit`: rows one a line, columns joined by
    /// `|`, no headers. Fails the test when a statement fails.
    pub(crate) fn psql(&self, sql: &str) -> String {
        self.psql_in(DATABASE, sql)
    }

    fn psql_in(&self, database: &str, sql: &str) -> String {
        let mut c = self.pg.client("psql");
        // -X: no ~/.psqlrc; the script on stdin, so that several
        // statements (ALTER SYSTEM among them) run one by one.
        c.args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", &self.url_of(database), "-f", "-"]);
        let out = self.must("psql", &mut c, sql);
        out.trim_end_matches('\n').to_string()
    }

    /// Kill the server the way a crash would: `pg_ctl stop -m immediate`
    /// ends every process at once, without a shutdown checkpoint, so the
    /// next start recovers from the WAL.
    pub(crate) fn stop_immediate(&self) {
        let mut c = self.pg_ctl("stop");
        c.args(["-m", "immediate"]);
        self.must("pg_ctl stop -m immediate", &mut c, "");
    }

    /// Start the server (again): after [`stop_immediate`](Self::stop_immediate),
    /// crash recovery; returns once it accepts connections.
    pub(crate) fn start_again(&self) {
        let mut c = self.pg_ctl("start");
        c.arg("-l").arg(self.log_path());
        self.must("pg_ctl start", &mut c, "");
    }

    /// Whether the server is running (`pg_ctl status`).
    pub(crate) fn is_running(&self) -> bool {
        let mut c = self.pg.command("pg_ctl");
        c.arg("status").arg("-D").arg(self.data()).current_dir(self.dir.path());
        run(&mut c, "").is_ok_and(|o| o.status.success())
    }

    /// A streaming standby of this server, started, in its own folder, that
    /// this server commits synchronously to: once this returns, a commit
    /// acknowledged here has been flushed there too. `name` becomes its
    /// application_name (letters, digits and `_`); one synchronous standby
    /// at a time: a second call makes the newest the synchronous one.
    ///
    /// After this server stops, [`promote`](Self::promote) makes the
    /// standby the primary. Promoting it while this server still runs
    /// would leave this one waiting for a standby that left.
    pub(crate) fn standby(&self, name: &str) -> PgCluster {
        let application: String = name.chars().take(63).map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
        let standby = PgCluster::unstarted(self.pg.clone(), name);
        let primary = format!("host='{}' port={} user={SUPERUSER} application_name={application}", self.socket_dir(), self.port);
        let mut backup = standby.pg.command("pg_basebackup");
        // -R: standby.signal and primary_conninfo; -X stream: the WAL
        // written during the copy comes along; -c fast: no wait for a
        // scheduled checkpoint; --no-sync: as initdb's (the standby's
        // server keeps fsync on).
        backup.arg("-d").arg(&primary).arg("-D").arg(standby.data()).args(["-R", "-X", "stream", "-c", "fast", "--no-sync"]).current_dir(standby.dir.path());
        standby.must("pg_basebackup", &mut backup, "");
        // postgresql.auto.conf is read last: its settings win over the
        // primary's socket and port copied in postgresql.conf, over
        // pg_basebackup's primary_conninfo (which has no application_name),
        // and over a synchronous_standby_names the primary had set by
        // ALTER SYSTEM (a promoted standby must not wait for a standby).
        standby.configure(
            "postgresql.auto.conf",
            &[("unix_socket_directories", standby.socket_dir()), ("port", standby.port.to_string()), ("primary_conninfo", primary), ("synchronous_standby_names", String::new())],
        );
        standby.start_again();
        self.psql_in(
            "postgres",
            &format!("ALTER SYSTEM SET synchronous_standby_names = '\"{application}\"';\nALTER SYSTEM SET synchronous_commit = on;\nSELECT pg_reload_conf();"),
        );
        let asked = Instant::now();
        let query = format!("SELECT sync_state FROM pg_stat_replication WHERE application_name = '{application}'");
        loop {
            let state = self.psql_in("postgres", &query);
            if state == "sync" {
                break;
            }
            if asked.elapsed() > LIMIT {
                panic!(
                    "the standby {application} is not a synchronous standby of {} after {LIMIT:?} (pg_stat_replication: {state:?})\nprimary's log:\n{}\nstandby's log:\n{}",
                    self.socket_dir(),
                    tail(&self.server_log()),
                    tail(&standby.server_log())
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        standby
    }

    /// Make this standby the primary (`pg_ctl promote -w`): once this
    /// returns it accepts writes at its own [`url`](Self::url).
    pub(crate) fn promote(&self) {
        let mut c = self.pg_ctl("promote");
        self.must("pg_ctl promote", &mut c, "");
        let recovering = self.psql_in("postgres", "SELECT pg_is_in_recovery()");
        assert_eq!(recovering, "f", "{} is still a standby after pg_ctl promote\n{}", self.name, tail(&self.server_log()));
    }

    /// `pg_ctl <action> -w` on this cluster's data directory.
    fn pg_ctl(&self, action: &str) -> Command {
        let mut c = self.pg.command("pg_ctl");
        c.arg(action).arg("-w").args(["-t", PG_CTL_WAIT]).arg("-D").arg(self.data()).current_dir(self.dir.path());
        c
    }

    /// Append `settings` to the data directory's `file` (the last line
    /// naming a setting wins).
    fn configure(&self, file: &str, settings: &[(&str, String)]) {
        let path = self.data().join(file);
        let mut text = String::from("\n# tests/common/pg.rs\n");
        for (key, value) in settings {
            text.push_str(&format!("{key} = '{}'\n", value.replace('\'', "''")));
        }
        let mut f = std::fs::OpenOptions::new().append(true).open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        f.write_all(text.as_bytes()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }

    /// `c`'s standard output, or fail the test with everything that says
    /// why: the command, its output, the server's log.
    fn must(&self, what: &str, c: &mut Command, input: &str) -> String {
        let failure = match run(c, input) {
            Ok(o) if o.status.success() => return String::from_utf8_lossy(&o.stdout).into_owned(),
            Ok(o) => format!("{}\n{}{}", o.status, String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)),
            Err(e) => e,
        };
        panic!("{what} failed for the PostgreSQL cluster {:?} in {} ({c:?}): {failure}\nserver log:\n{}", self.name, self.dir.path().display(), tail(&self.server_log()));
    }
}

impl Drop for PgCluster {
    /// Stop the server (immediate: nothing of it is kept) and remove its folder.
    fn drop(&mut self) {
        // No postmaster.pid: no server (pg_ctl removes it on every stop).
        if self.data().join("postmaster.pid").exists() {
            let mut c = self.pg_ctl("stop");
            c.args(["-m", "immediate"]);
            match run(&mut c, "") {
                Ok(o) if o.status.success() => {}
                // Not a panic: a drop during a failing test's unwinding would abort it.
                o => {
                    let why = o.map(|o| String::from_utf8_lossy(&o.stderr).into_owned()).unwrap_or_else(|e| e);
                    let _ = std::io::stderr().write_all(format!("\nthe PostgreSQL server in {} did not stop: {why}\n", self.dir.path().display()).as_bytes());
                }
            }
        }
        // The folder holds about a thousand files, whose removal took 3 to
        // 4 s on the machine this was written on (its ext4 is mounted with
        // discard), more than the rest of a test: an `rm` in the background
        // removes it while the tests go on, and finishes after the test
        // process if need be. sh puts it in the background and is waited
        // for, so no child is left unreaped.
        let removing = Command::new("sh").args(["-c", "rm -rf -- \"$0\" </dev/null >/dev/null 2>&1 &"]).arg(self.dir.path()).stdin(std::process::Stdio::null()).status();
        if removing.is_ok_and(|s| s.success()) {
            self.dir.disable_cleanup(true);
        }
    }
}

/// `c` run to its end (for at most LIMIT, then killed) with `input` on
/// its standard input. Its output goes to files, not pipes: `pg_ctl start`
/// leaves a server running, which must not hold a pipe this waits on.
fn run(c: &mut Command, input: &str) -> Result<Output, String> {
    let file = || tempfile::tempfile().map_err(|e| format!("a temporary file: {e}"));
    let (mut out, mut err) = (file()?, file()?);
    if !input.is_empty() {
        let mut stdin = file()?;
        stdin.write_all(input.as_bytes()).and_then(|()| stdin.rewind()).map_err(|e| e.to_string())?;
        c.stdin(stdin);
    }
    let clone = |f: &File| f.try_clone().map_err(|e| e.to_string());
    c.stdout(clone(&out)?).stderr(clone(&err)?);
    let mut child = c.spawn().map_err(|e| format!("does not start: {e}"))?;
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("did not finish within {LIMIT:?}"));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    };
    let read = |f: &mut File| -> Result<Vec<u8>, String> {
        let mut bytes = Vec::new();
        f.rewind().and_then(|()| f.read_to_end(&mut bytes)).map_err(|e| e.to_string())?;
        Ok(bytes)
    };
    Ok(Output { status, stdout: read(&mut out)?, stderr: read(&mut err)? })
}

/// A socket folder as a URL's host: every byte but the unreserved ones
/// percent-encoded (`/` too: an encoded leading `/` is what marks a host
/// as a socket folder to libpq and to the `postgres` crate).
fn percent_encode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { char::from(b).to_string() } else { format!("%{b:02X}") }).collect()
}

/// The end of a server log, where a failure is told.
fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}
