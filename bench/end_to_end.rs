//! End-to-end throughput harness: a mixed sample batch (all six kinds, 5%
//! defective) through the whole `issue` pipeline onto disk (one PDF per
//! document, print files, manifest, rejects, register), reporting
//! documents/s, seconds per stage and peak RSS.
//!
//!     cargo bench --bench end_to_end -- 10000 219293
//!     cargo bench --bench end_to_end -- --validate-only 1000000
//!     cargo bench --bench end_to_end -- --birth-only 219293
//!     TERBIT_BENCH_KEEP=1 cargo bench --bench end_to_end -- --repeat=3 219293
//!     TERBIT_BENCH_VERIFY=1 cargo bench --bench end_to_end -- 219293
//!
//! `TERBIT_BENCH_VERIFY=1` then audits the run as `terbit verify RUN_DIR`
//! does (every document's pages against its QR, print files, seal) and
//! reports documents/s and CPU per document of the audit.
//! `--validate-only` reads and validates (no numbering, no documents) and
//! reports rows/s; `--birth-only` issues birth certificates only, the batch
//! of the earliest figures in RESULTS.md. Sizes count applications (a
//! family card's members are several rows) and default to 10000.
//! Work happens under target/bench-e2e/<pid>/,
//! removed only after every size is measured: deleting hundreds of
//! thousands of files just before a run makes the filesystem slow the next
//! run's file creation several-fold (measured: 4 s of system time instead
//! of 0.5 s for 10,000 documents). `TERBIT_BENCH_KEEP=1` leaves the output
//! in place (its path is printed) so that runs can follow each other
//! without a mass deletion in between; delete it yourself afterwards.
//! `--repeat=N` issues each size's batch N times, each run into a fresh
//! register and directory, and prints the median: on a shared VM one run
//! of the same build can differ from the next by ±10%.
//! Results go to bench/RESULTS.md by hand, with the date, machine and
//! command.

use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use terbit::issue::{check, issue, IssueOptions};
use terbit::kind::region::Region;
use terbit::input::samples::{self, SampleOptions};
use terbit::kind::template::Templates;

#[path = "../tests/common/trust_fixture.rs"]
mod fixture;

// The same allocator as the `terbit` binary, so the figures are its own.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// User and system CPU seconds of this process so far (/proc/self/stat,
/// in clock ticks of 1/100 s on Linux).
fn cpu_seconds() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields of the whole line.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<f64> = rest.split_whitespace().map(|x| x.parse().unwrap_or(f64::NAN)).collect();
    (f.get(11).copied().unwrap_or(f64::NAN) / 100.0, f.get(12).copied().unwrap_or(f64::NAN) / 100.0)
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.to_string()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|k| k.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// Shares of a night's applications by kind (a rough Sahaja Lekat mix).
const MIX: [(&str, f64); 6] =
    [("birth", 0.35), ("death", 0.10), ("family_card", 0.15), ("move_out", 0.10), ("move_in", 0.10), ("ktp", 0.20)];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        return child(&args[1..]);
    }
    let validate_only = args.iter().any(|a| a == "--validate-only");
    let birth_only = args.iter().any(|a| a == "--birth-only");
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let repeat: usize = args.iter().find_map(|a| a.strip_prefix("--repeat=")).and_then(|v| v.parse().ok()).unwrap_or(1).max(1);
    let sizes = if sizes.is_empty() { vec![10_000] } else { sizes };
    let region = Region::kediri();
    let templates = Templates::embedded();
    let date = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    // TERBIT_BENCH_DIR puts the output elsewhere (another disk, or tmpfs
    // to see the run without the filesystem); default under the target dir.
    let work = match std::env::var_os("TERBIT_BENCH_DIR") {
        Some(d) => PathBuf::from(d),
        None => std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("target")).join("bench-e2e"),
    }
    .join(std::process::id().to_string());
    let keep = std::env::var_os("TERBIT_BENCH_KEEP").is_some_and(|v| v == "1");
    let count = sizes.len();
    for (i, n) in sizes.into_iter().enumerate() {
        let root = work.join(n.to_string());
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let t = Instant::now();
        let mix: Vec<(&str, f64)> = if birth_only { vec![("birth", 1.0)] } else { MIX.to_vec() };
        let mut batch = Vec::new();
        let mut rows = 0;
        for (i, (kind, share)) in mix.iter().enumerate() {
            let count = (n as f64 * share).round() as usize;
            let file = root.join(format!("{kind}.csv"));
            let opts = SampleOptions { region: &region, count, seed: 1 + i as u64, defects: 0.05, as_of: date };
            rows += samples::write(templates.get(kind).unwrap(), &opts, &file).unwrap();
            batch.push(file);
        }
        let gen = t.elapsed().as_secs_f64();
        println!("{n} applications ({rows} rows; sample generation {gen:.1} s, not counted):");
        let mut rates = Vec::new();
        for r in 0..repeat {
            let run_root = if repeat == 1 { root.clone() } else { root.join(format!("run{r}")) };
            fixture::office_keys(&run_root.join("keys"), "3506", &[1u8; 32], 0);
            // The run happens in a fresh process, so its peak RSS is its own and
            // not the generator's heap (which the allocator keeps after freeing).
            let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
            cmd.arg("--child").arg(&run_root).arg(if validate_only { "validate" } else { "issue" }).arg(rows.to_string()).args(&batch);
            let status = cmd.status().unwrap();
            assert!(status.success(), "child run failed");
            if let Some(rate) = std::fs::read_to_string(run_root.join("documents_per_second")).ok().and_then(|s| s.trim().parse::<f64>().ok()) {
                rates.push(rate);
            }
        }
        if rates.len() > 1 {
            rates.sort_by(f64::total_cmp);
            let median = rates[rates.len() / 2];
            let all: Vec<String> = rates.iter().map(|r| format!("{r:.0}")).collect();
            println!("  median of {} runs: {median:.0} documents/s (all: {})", rates.len(), all.join(", "));
        }
        if keep {
            println!("  (output kept in {})", root.display());
            continue;
        }
        let _ = std::fs::remove_dir_all(&root);
        if i + 1 < count && !validate_only {
            // ext4 skips inodes freed in the last ~30 s when it allocates
            // new ones, reading inode-table blocks for each: creating files
            // right after deleting many runs several times slower (seen in
            // a profile as `recently_deleted`). Let the deletions age.
            println!("  (waiting 40 s for the deleted files to age before the next size)");
            std::thread::sleep(std::time::Duration::from_secs(40));
        }
    }
    if !keep {
        let _ = std::fs::remove_dir_all(&work);
    }
}

/// One measured run: `--child ROOT issue|validate ROWS BATCH...`.
fn child(args: &[String]) {
    // As the `terbit` binary does (engine/main.rs); TERBIT_BENCH_THP=1
    // leaves transparent huge pages on, to compare.
    if std::env::var_os("TERBIT_BENCH_THP").is_none() {
        let _ = rustix::thread::disable_transparent_huge_pages(true);
    }
    let root = PathBuf::from(&args[0]);
    let validate_only = args[1] == "validate";
    let rows: usize = args[2].parse().unwrap();
    let batch: Vec<PathBuf> = args[3..].iter().map(PathBuf::from).collect();
    let date = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let opts = IssueOptions { batch, ..IssueOptions::defaults(PathBuf::new(), root.join("keys"), root.join("out"), date) };
    let t = Instant::now();
    let s = if validate_only {
        let (s, _) = check(&opts).unwrap();
        let secs = t.elapsed().as_secs_f64();
        println!(
            "  read + validate: {} applications, {} rejected in {secs:.2} s = {:.0} rows/s; peak RSS {:.0} MB",
            s.applications,
            s.rejected,
            rows as f64 / secs,
            peak_rss_mb()
        );
        s
    } else {
        let cpu0 = cpu_seconds();
        let s = issue(&opts).unwrap();
        let secs = t.elapsed().as_secs_f64();
        // For the parent's median over repeated runs.
        let _ = std::fs::write(root.join("documents_per_second"), format!("{}\n", s.issued as f64 / secs));
        let cpu = cpu_seconds();
        println!(
            "  issue: {} issued, {} rejected in {secs:.2} s = {:.0} documents/s end to end; peak RSS {:.0} MB; \
             CPU {:.1} s user + {:.1} s system = {:.0} µs per document",
            s.issued,
            s.rejected,
            s.issued as f64 / secs,
            peak_rss_mb(),
            cpu.0 - cpu0.0,
            cpu.1 - cpu0.1,
            (cpu.0 - cpu0.0 + cpu.1 - cpu0.1) * 1e6 / s.issued.max(1) as f64
        );
        s
    };
    for (stage, t) in &s.seconds_by_stage {
        println!("    {stage:<20} {t:>8.3} s");
    }
    for (step, t) in &s.busy_seconds {
        println!("      busy {step:<15} {t:>8.3} s  ({:.0} µs per document)", t * 1e6 / s.issued.max(1) as f64);
    }
    if !validate_only && std::env::var_os("TERBIT_BENCH_VERIFY").is_some_and(|v| v == "1") {
        let store = fixture::office_trust(&root.join("keys"));
        let cpu0 = cpu_seconds();
        let t = Instant::now();
        let r = terbit::verify::verify_run(&s.run_dir, &store.trust(), &terbit::verify::Layouts::standard()).unwrap();
        let secs = t.elapsed().as_secs_f64();
        let cpu = cpu_seconds();
        assert!(r.is_clean(), "the audit of a fresh run found problems: {:?} {}", r.problems.first(), r.seal_problem);
        println!(
            "  verify RUN_DIR: {} documents, {} genuine, {} print files, seal holds, in {secs:.2} s = {:.0} documents/s; \
             CPU {:.1} s user + {:.1} s system = {:.0} µs per document; peak RSS {:.0} MB",
            r.documents,
            r.genuine,
            r.print_files,
            r.documents as f64 / secs,
            cpu.0 - cpu0.0,
            cpu.1 - cpu0.1,
            (cpu.0 - cpu0.0 + cpu.1 - cpu0.1) * 1e6 / r.documents.max(1) as f64,
            peak_rss_mb()
        );
    }
}
