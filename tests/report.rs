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

/// The report of a night whose export holds a right-to-left override and an
/// ESC in a name: report.html (as Chromium renders it), report.json and
/// rejects.csv show them as `\u{…}` (engine/util/show.rs), never raw; the
/// rejects say which service point each came from; the header names the
/// regency and the issue date in words; no table header wraps letter by
/// letter.
#[test]
fn hidden_characters_are_shown_escaped_in_every_report_file() {
    let Some(browser) = tools::require("report files with hidden characters in headless Chromium", tools::chromium()) else { return };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let terbit = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_terbit")).args(args).current_dir(d).env("XDG_STATE_HOME", d.join("state")).output().unwrap();
        (o.status.code(), String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
    };
    let (code, _, err) = terbit(&["--quiet", "demo", "--out", "demo", "--count", "20"]);
    assert_eq!(code, Some(0), "{err}");
    // The demo's births, issued again into a register of their own, one
    // child's name spoilt with U+202E and ESC, another's with U+2067 (RLI).
    let births = std::fs::read_to_string(d.join("demo/batch-birth.csv")).unwrap();
    let mut lines: Vec<String> = births.lines().map(String::from).collect();
    assert!(lines.len() >= 4, "{births}");
    let spoil = |line: &str, name: &str| {
        let mut cells: Vec<&str> = line.split(',').collect();
        cells[2] = name;
        cells.join(",")
    };
    let service_point = lines[1].split(',').nth(1).unwrap().to_string();
    lines[1] = spoil(&lines[1], "SITI\u{202E}HANIMA\u{1b}[2J");
    lines[2] = spoil(&lines[2], "AGUS\u{2067}OTNAYRS");
    std::fs::write(d.join("hostile.csv"), lines.join("\n") + "\n").unwrap();
    // A register of their own needs a keys folder of its own: a copy of the demo's.
    std::fs::create_dir_all(d.join("night-keys")).unwrap();
    for e in std::fs::read_dir(d.join("demo/keys")).unwrap().flatten().filter(|e| e.file_name() != "register-binding.json" && e.path().is_file()) {
        std::fs::copy(e.path(), d.join("night-keys").join(e.file_name())).unwrap();
    }
    let (code, _, err) = terbit(&["--quiet", "issue", "hostile.csv", "--keys", "night-keys", "--out", "night", "--register", "night/register.sqlite"]);
    assert_eq!(code, Some(0), "{err}");
    let run = std::fs::read_dir(d.join("night")).unwrap().flatten().map(|e| e.path()).find(|p| p.is_dir()).unwrap();
    let raw = |s: &str| s.chars().any(|c| matches!(c, '\u{202E}' | '\u{2067}' | '\u{1b}'));

    // rejects.csv: escaped, with the service point of each.
    let rejects = std::fs::read_to_string(run.join("rejects.csv")).unwrap();
    assert!(!raw(&rejects), "raw override or ESC in rejects.csv: {rejects:?}");
    assert!(rejects.starts_with("application_id,service_point,source,rule,field,value,message\n"), "{rejects}");
    let spoilt = rejects.lines().find(|l| l.contains("SITI\\u{202E}HANIMA\\u{001B}[2J")).unwrap_or_else(|| panic!("{rejects}"));
    assert_eq!(spoilt.split(',').nth(1), Some(service_point.as_str()), "{spoilt}");
    assert!(rejects.contains("AGUS\\u{2067}OTNAYRS"), "{rejects}");

    // report.json: the same rule.
    let json = std::fs::read_to_string(run.join("report.json")).unwrap();
    assert!(!raw(&json), "raw override or ESC in report.json");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let examples: Vec<&serde_json::Value> = report["reject_examples"].as_object().unwrap().values().flat_map(|v| v.as_array().unwrap()).collect();
    assert!(examples.iter().any(|e| e["value"] == "SITI\\u{202E}HANIMA\\u{001B}[2J" && e["service_point"] == service_point.as_str()), "{json}");
    assert_eq!(report["regency_name"], "Kabupaten Kediri");

    // report.html in a browser: a copy with a probe script that reads the
    // rendered text and the layout (the report itself has no script).
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(!raw(&html), "raw override or ESC in report.html");
    let probe = "<script>(()=>{const th=[...document.querySelectorAll('th')];\
        const out={text:document.body.innerText,over:th.filter(e=>{const r=document.createRange();r.selectNodeContents(e);return new Set([...r.getClientRects()].map(x=>Math.round(x.top))).size>e.textContent.split(' ').length}).map(e=>e.textContent)};\
        document.body.setAttribute('data-probe',Array.from(new TextEncoder().encode(JSON.stringify(out))).map(b=>b.toString(16).padStart(2,'0')).join(''));})()</script></body>";
    std::fs::write(run.join("probe.html"), html.replace("</body>", probe)).unwrap();
    let url = format!("file://{}", run.join("probe.html").display());
    let dom = headless(&browser, &d.join("profile"), &["--window-size=900,1600", "--dump-dom", &url]);
    let dom = String::from_utf8_lossy(&dom.stdout);
    let hexed = dom.split("data-probe=\"").nth(1).unwrap_or_else(|| panic!("no probe in {dom}")).split('"').next().unwrap();
    let rendered: serde_json::Value = serde_json::from_slice(&hex::decode(hexed).unwrap()).unwrap();
    let text = rendered["text"].as_str().unwrap();
    // (innerText lays tables out with tabs and line breaks of its own.)
    let hidden: Vec<char> = text.chars().filter(|c| terbit::util::show::is_hidden(*c) && !matches!(c, '\n' | '\t')).collect();
    assert!(hidden.is_empty(), "hidden characters in the rendered text: {hidden:?}");
    assert!(text.contains("SITI\\u{202E}HANIMA\\u{001B}[2J") && text.contains("AGUS\\u{2067}OTNAYRS"), "{text}");
    assert!(text.contains(&format!("· {service_point} · child_name")), "{text}");
    // Who and when: the regency, and the issue date (the run's name starts with it) in words.
    let date = chrono::NaiveDate::parse_from_str(&run.file_name().unwrap().to_string_lossy()[..8], "%Y%m%d").unwrap();
    assert!(text.contains("Kabupaten Kediri (3506)") && text.contains(&format!("issue date {}", terbit::kind::words::date_long(date))), "{text}");
    // Timings are folded away; the footer names no file the folder lacks.
    assert!(!text.contains("milliseconds per stage") && text.contains("Timings"), "{text}");
    for f in ["manifest.csv", "seal.json", "rejects.csv", "report.json"] {
        assert!(run.join(f).exists() && text.contains(f), "{f}");
    }
    // Headers wrap between words, never letter by letter: none has more lines than words.
    assert_eq!(rendered["over"], serde_json::json!([]), "table headers broken inside words");
}
