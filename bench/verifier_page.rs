//! The verifier page in this machine's Chromium (bench/RESULTS.md, issue
//! 18): how long it takes to open, how soon after a sharp QR comes into the
//! camera's view it answers, and how many pasted QR texts it verifies a
//! second — beside `terbit verify` doing the same texts (the baseline).
//!
//!   cargo bench --bench verifier_page [-- REPEATS [TEXTS]]
//!
//! Needs chromium, node and `npm ci` in engine/clerk_page/web (.ci/run's set-up).

#[path = "../tests/common/trust_fixture.rs"]
mod fixture;
#[path = "../tests/common/camera.rs"]
mod camera;

use std::process::Command;
use std::time::Instant;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let repeats: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(7);
    let count: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5000);
    let tmp = tempfile::tempdir().unwrap();
    let d = fixture::make(tmp.path());
    let dir = &d.dir;
    camera::camera_video(&d.genuine.file, &dir.join("camera.y4m"), dir);
    // Only genuine documents' texts (the fixture supersedes and revokes two).
    let genuine: Vec<&String> = d.docs.iter().filter(|x| x.number != d.superseded.number && x.number != d.revoked.number).map(|x| &x.qr).collect();
    let texts: Vec<String> = (0..count).map(|i| genuine[i % genuine.len()].clone()).collect();
    let scenario = serde_json::json!({
        "mode": "bench", "repeats": repeats, "chromium": "chromium", "profile": dir.join("profile"),
        "y4m": dir.join("camera.y4m"), "pages": {"main": d.page}, "texts": texts,
    });
    std::fs::write(dir.join("bench.json"), scenario.to_string()).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("node").arg(root.join("tests/browser/verifier.mjs")).arg(dir.join("bench.json")).output().expect("node");
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert!(r.get("error").is_none(), "{}", r["error"]);
    let b = &r["bench"];
    let list = |k: &str| -> Vec<f64> { b[k].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect() };
    let per_s = |k: &str| -> Vec<f64> { b[k].as_array().unwrap().iter().map(|x| x["count"].as_f64().unwrap() / x["ms"].as_f64().unwrap() * 1000.0).collect() };
    let (mut opens, mut cam, mut frame, mut paste, mut core) = (list("opens_ms"), list("camera_ms"), list("camera_frame_ms"), per_s("paste"), per_s("core"));
    let (mut script, mut wall) = (list("script_ms"), list("wall_ms"));
    // Baseline: the CLI verifying the same texts from a file, same machine.
    std::fs::write(dir.join("texts.txt"), texts.join("\n")).unwrap();
    let mut cli = Vec::new();
    for _ in 0..repeats {
        let t = Instant::now();
        let o = Command::new(env!("CARGO_BIN_EXE_terbit")).args(["verify", "--no-trust-memory", "--trust"]).arg(&d.bundle).arg(dir.join("texts.txt")).output().unwrap();
        assert!(o.status.success());
        cli.push(count as f64 / t.elapsed().as_secs_f64());
    }
    println!("verifier page, {repeats} runs, {count} pasted texts (chromium {}):", String::from_utf8_lossy(&Command::new("chromium").arg("--version").output().unwrap().stdout).trim());
    println!("  opens (script ready)        median {:>7.0} ms   max {:>7.0} ms   target < 1000 ms", median(&mut opens), opens.last().unwrap());
    println!("    of which the page's script (trust checks, first answer ready) median {:>5.0} ms; navigate→ready seen by the driver median {:>5.0} ms", median(&mut script), median(&mut wall));
    println!("  camera: answer after the QR came into view  median {:>5.0} ms   max {:>5.0} ms   target < 500 ms", median(&mut cam), cam.last().unwrap());
    println!("          (after its frame was grabbed      median {:>5.0} ms)", median(&mut frame));
    println!("  pasted texts, verified and shown  median {:>7.0} /s   min {:>7.0} /s   target >= 500 /s", median(&mut paste), paste.first().unwrap());
    println!("  page core alone                   median {:>7.0} /s", median(&mut core));
    println!("  baseline: terbit verify FILE (this build)  median {:>7.0} /s", median(&mut cli));
}
