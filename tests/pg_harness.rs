//! The PostgreSQL harness (tests/common/pg.rs) on real servers: what the
//! register's PostgreSQL tests rely on, shown to hold before they rely on
//! it. A row committed before the server crashes is there after its
//! recovery (and one left uncommitted is not); a row committed
//! synchronously on a primary is on its standby once promoted, which then
//! takes writes. Connections go through the `postgres` crate at the
//! cluster's `url()`, the way the engine's register will.
//!
//! Times are printed (`-- --nocapture`) for the harness's own costs.

#[path = "common/pg.rs"]
mod pg;
#[path = "common/tools.rs"]
mod tools;

use std::time::Instant;

use pg::PgCluster;
use postgres::{Client, NoTls};

fn connect(db: &PgCluster) -> Client {
    Client::connect(&db.url(), NoTls).unwrap_or_else(|e| panic!("connect to {}: {e}", db.url()))
}

fn rows(client: &mut Client) -> Vec<(i64, String)> {
    let rows = client.query("SELECT number, name FROM issued ORDER BY number", &[]).expect("read the rows");
    rows.iter().map(|r| (r.get(0), r.get(1))).collect()
}

#[test]
fn a_committed_row_survives_a_server_crash() {
    let t = Instant::now();
    let Some(db) = PgCluster::start("a committed row survives a PostgreSQL crash (tests/common/pg.rs)") else { return };
    let started = t.elapsed();

    // The URL: a `postgresql://` one (how the CLI tells a PostgreSQL
    // register), naming the socket folder, the port and the database.
    let url = db.url();
    assert!(url.starts_with("postgresql://postgres@%2F"), "{url}");
    let config: postgres::Config = url.parse().unwrap_or_else(|e| panic!("{url}: {e}"));
    assert_eq!(config.get_hosts(), [postgres::config::Host::Unix(db.socket_dir().into())]);
    assert_eq!(config.get_ports(), [db.port()]);
    assert_eq!((config.get_user(), config.get_dbname()), (Some("postgres"), Some("terbit")));
    // The socket folder as a query parameter instead: the same server.
    let query_form = format!("postgresql://postgres@/terbit?host={}&port={}", db.socket_dir(), db.port());
    let same: postgres::Config = query_form.parse().unwrap_or_else(|e| panic!("{query_form}: {e}"));
    assert_eq!((same.get_hosts(), same.get_ports()), (config.get_hosts(), config.get_ports()));
    Client::connect(&query_form, NoTls).unwrap_or_else(|e| panic!("connect to {query_form}: {e}"));

    let mut client = connect(&db);
    client.batch_execute("CREATE TABLE issued (number bigint PRIMARY KEY, name text NOT NULL)").expect("create the table");
    let mut tx = client.transaction().expect("begin");
    tx.execute("INSERT INTO issued VALUES ($1, $2)", &[&1_i64, &"Siti Rahayu"]).expect("insert");
    tx.commit().expect("commit");
    // A second session's transaction open at the crash: its row must go.
    let mut other = connect(&db);
    let mut open = other.transaction().expect("begin");
    open.execute("INSERT INTO issued VALUES ($1, $2)", &[&2_i64, &"never committed"]).expect("insert");

    let t = Instant::now();
    db.stop_immediate();
    let stopped = t.elapsed();
    assert!(!db.is_running());
    assert!(client.simple_query("SELECT 1").is_err(), "a connection outlived the crash");
    drop(open);

    let t = Instant::now();
    db.start_again();
    let recovered = t.elapsed();
    assert!(db.is_running());
    assert!(db.server_log().contains("database system was interrupted"), "no crash recovery in the log:\n{}", db.server_log());
    assert_eq!(rows(&mut connect(&db)), [(1, "Siti Rahayu".to_string())]);
    assert_eq!(db.psql("SELECT number, name FROM issued"), "1|Siti Rahayu");
    eprintln!("PostgreSQL harness: start {started:.2?}, stop -m immediate {stopped:.2?}, start with crash recovery {recovered:.2?}");
}

#[test]
fn a_synchronously_committed_row_survives_a_failover() {
    let t = Instant::now();
    let Some(primary) = PgCluster::start("a synchronously committed row survives a PostgreSQL failover (tests/common/pg.rs)") else { return };
    let started = t.elapsed();
    let t = Instant::now();
    let standby = primary.standby("standby");
    let made = t.elapsed();
    assert_eq!(primary.psql("SELECT application_name, sync_state FROM pg_stat_replication"), "standby|sync");
    assert_eq!(primary.psql("SHOW synchronous_commit"), "on");
    assert_eq!(standby.psql("SELECT pg_is_in_recovery()"), "t");
    assert_ne!(standby.url(), primary.url());

    let mut client = connect(&primary);
    client.batch_execute("CREATE TABLE issued (number bigint PRIMARY KEY, name text NOT NULL)").expect("create the table");
    let mut tx = client.transaction().expect("begin");
    tx.execute("INSERT INTO issued VALUES ($1, $2)", &[&1_i64, &"Siti Rahayu"]).expect("insert");
    tx.commit().expect("commit");

    // The primary dies right after the acknowledged commit; the standby
    // takes over.
    primary.stop_immediate();
    let t = Instant::now();
    standby.promote();
    let promoted = t.elapsed();
    let mut client = connect(&standby);
    assert_eq!(rows(&mut client), [(1, "Siti Rahayu".to_string())]);
    let mut tx = client.transaction().expect("begin on the promoted server");
    tx.execute("INSERT INTO issued VALUES ($1, $2)", &[&2_i64, &"Budi Santoso"]).expect("insert on the promoted server");
    tx.commit().expect("commit on the promoted server");
    assert_eq!(standby.psql("SELECT number, name FROM issued ORDER BY number"), "1|Siti Rahayu\n2|Budi Santoso");
    eprintln!("PostgreSQL harness: primary start {started:.2?}, synchronous standby {made:.2?}, promote {promoted:.2?}");
}
