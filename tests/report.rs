//! The run report in a real browser: Debian's headless chromium opens
//! `report.html` from disk (no network), and the page it renders shows the
//! run's figures as `report.json` has them. A screenshot is left in the
//! run folder for people to look at (`report.png`).
//!
//! Needs `chromium` (installed by .ci/run); without it the test says what
//! it skipped and how to install it, or fails under TERBIT_REQUIRE_TOOLS=1.

use std::path::Path;
use std::process::Command;

#[path = "common/tools.rs"]
mod tools;

fn headless(browser: &Path, profile: &Path, args: &[&str]) -> std::process::Output {
    Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"])
        .args(["--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("run chromium")
}

#[test]
fn the_report_renders_in_a_browser_with_the_runs_figures() {
    let Some(browser) = tools::require("the report in headless Chromium", tools::chromium()) else { return };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let demo = Command::new(env!("CARGO_BIN_EXE_terbit")).args(["--quiet", "demo", "--out", "demo", "--count", "120"]).current_dir(d).output().unwrap();
    assert!(demo.status.success(), "{}", String::from_utf8_lossy(&demo.stderr));
    let run = std::fs::read_dir(d.join("demo/runs")).unwrap().flatten().map(|e| e.path()).find(|p| p.is_dir()).unwrap();
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(run.join("report.json")).unwrap()).unwrap();
    let html = run.join("report.html");
    let url = format!("file://{}", html.display());

    let dom = headless(&browser, &d.join("profile"), &["--dump-dom", &url]);
    let dom = String::from_utf8_lossy(&dom.stdout);
    // The rendered page carries the run's figures, as report.json has them
    // (numbers grouped by thousands with a narrow no-break space).
    let shown = |id: &str| {
        let start = dom.find(&format!("id=\"{id}\">")).unwrap_or_else(|| panic!("no #{id} in the rendered page")) + id.len() + 6;
        dom[start..].split('<').next().unwrap().replace('\u{202f}', "")
    };
    assert_eq!(shown("issued"), report["issued"].to_string());
    assert_eq!(shown("rejected"), report["rejected"].to_string());
    assert_eq!(shown("applications"), report["applications"].to_string());
    assert_eq!(shown("merkle-root"), report["merkle_root"].as_str().unwrap());
    for rule in report["rejects_by_rule"].as_object().unwrap().keys() {
        assert!(dom.contains(rule.as_str()), "rule {rule} missing from the page");
    }
    assert!(dom.contains("<svg"), "charts are drawn");
    // The area data's licence asks for its attribution wherever it ships.
    assert!(dom.contains("id=\"attribution\"") && dom.contains("Open Database License (ODbL) 1.0"), "attribution in the footer");

    // A picture of it, for people (and the issue note).
    let png = run.join("report.png");
    let shot = headless(&browser, &d.join("profile"), &["--window-size=1100,2000", &format!("--screenshot={}", png.display()), &url]);
    assert!(png.exists(), "{}", String::from_utf8_lossy(&shot.stderr));
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000, "screenshot of {} bytes", bytes.len());
    if let Some(keep) = std::env::var_os("TERBIT_REPORT_SCREENSHOT") {
        std::fs::copy(&png, keep).unwrap();
    }
}
