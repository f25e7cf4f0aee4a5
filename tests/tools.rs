//! What the external checks need, and whether this machine has it: a table
//! plain `cargo test` always shows (a test target without the harness, so
//! its output is never captured). It probes with the tests' own functions
//! (tests/common/tools.rs), installing what the project can install itself
//! (the verifier page's `npm ci`, the Python venv with pyHanko and pycose),
//! so a check it lists as ready runs, and one it lists as SKIPPED passes
//! without running, for the reason and with the install command it shows.
//! Under TERBIT_REQUIRE_TOOLS (set by .ci/run) a skipped check fails it.

#[path = "common/tools.rs"]
mod tools;

use std::path::PathBuf;

use tools::{Missing, Py};

/// Where PostgreSQL was found, its version and whom the servers run as.
fn postgresql(p: &tools::Postgresql) -> String {
    let as_whom = p.run_as.as_ref().map(|r| format!(", as {}", r.user)).unwrap_or_default();
    format!("{}, {}{as_whom}", p.bin.display(), p.version)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo test -- --list` and a filter naming other tests: nothing to show.
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    if !filters.is_empty() && !filters.iter().any(|f| "tools external checks".contains(f.as_str())) {
        return;
    }
    let prog = |list: &[(&str, &str)]| tools::programs(list).map(|()| String::new());
    let path = |r: Result<PathBuf, Missing>| r.map(|p| p.display().to_string());
    let checks: Vec<(&str, &str, Result<String, Missing>)> = vec![
        ("qpdf --check on every PDF", "external", prog(&[("qpdf", "--version")])),
        ("the printed QR read back (pdftoppm, zbarimg)", "external, forgeries", prog(&[("pdftoppm", "-v"), ("zbarimg", "--version")])),
        ("words and fonts on the page (pdftotext, pdffonts)", "external, forgeries", prog(&[("pdftotext", "-v"), ("pdffonts", "-v")])),
        ("pycose verifies the QR texts", "external", path(tools::python(Py::Pycose))),
        ("pyHanko validates the PAdES signatures", "pades", path(tools::python(Py::Pyhanko))),
        ("pdfsig trusts the root (NSS certutil)", "pades", prog(&[("pdfsig", "-v"), ("certutil", "-H")])),
        ("a certification authority made with openssl", "pades", prog(&[("openssl", "version")])),
        ("time-stamp tokens checked by OpenSSL ts -verify", "life", prog(&[("openssl", "version")])),
        ("an external time-stamp authority: OpenSSL ts behind a local HTTP front", "life", prog(&[("openssl", "version"), ("python3", "--version")])),
        ("the verifier page's core and tests in node", "verifier", path(tools::page_packages())),
        ("the page and the report in headless Chromium", "verifier, report", path(tools::chromium())),
        ("a qpdf re-save read by the page", "verifier", prog(&[("qpdf", "--version")])),
        ("disk full on a small tmpfs", "crash", tools::small_disk().map(|()| String::new())),
        ("README's systemd units (systemd-analyze verify)", "night", prog(&[("systemd-analyze", "--version")])),
        ("a throwaway PostgreSQL server and its standby", "pg_harness", tools::postgresql().map(|p| postgresql(&p))),
    ];
    let skipped = checks.iter().filter(|c| c.2.is_err()).count();
    println!();
    println!("External checks (tests/common/tools.rs), each with what it needs:");
    for (check, used_by, status) in &checks {
        match status {
            Ok(with) if with.is_empty() => println!("  ready    {check:<50} {used_by}"),
            Ok(with) => println!("  ready    {check:<50} {used_by} ({with})"),
            Err(m) => {
                println!("  SKIPPED  {check:<50} {used_by}");
                println!("           {} {}", m.what, m.why);
                println!("           install: {}", m.install);
            }
        }
    }
    if skipped == 0 {
        println!("All {} external checks run.", checks.len());
        return;
    }
    println!("{skipped} of {} external checks are SKIPPED: their tests pass without running them.", checks.len());
    if tools::tools_required() {
        eprintln!("TERBIT_REQUIRE_TOOLS is set: every external check must run");
        std::process::exit(1);
    }
    println!("Install what is listed, or set TERBIT_REQUIRE_TOOLS=1 to make a missing tool fail.");
}
