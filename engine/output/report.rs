//! The run report for the operator's morning: `report.html`, one
//! self-contained page (no script, no network, styles and charts inline)
//! written beside `report.json`, which holds the same figures for scripts.
//!
//! It answers, in this order: did the night work (issued, rejected, how
//! fast), what was issued where (by kind and service point, as bars),
//! why applications were rejected (by rule, with examples to look up), how
//! long each stage took, and which batch seal to quote.

use std::fmt::Write as _;

use super::summary::RunSummary;
use crate::input::rules::{Advice, Rule};
use crate::kind::words;
use crate::util::show::{clip_shown, shown};

/// Examples shown per reject rule.
pub const EXAMPLES_PER_RULE: usize = 3;

/// Escape text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Thousands separated by a thin space, as the figures are read aloud.
fn n(v: usize) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// A horizontal bar chart as inline SVG: one labelled bar per row.
fn bars(title: &str, rows: &[(String, usize)], colour: &str) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1) as f64;
    let (label_w, bar_w, row_h) = (190.0, 360.0, 22.0);
    let height = row_h * rows.len() as f64 + 8.0;
    let mut svg = format!(
        "<figure><figcaption>{}</figcaption><svg role=\"img\" aria-label=\"{}\" viewBox=\"0 0 {w} {height}\" width=\"{w}\" height=\"{height}\">",
        esc(title),
        esc(title),
        w = label_w + bar_w + 80.0
    );
    for (i, (label, v)) in rows.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        let w = (*v as f64 / max * bar_w).max(1.0);
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"l\">{}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" fill=\"{colour}\"/>\
             <text x=\"{}\" y=\"{}\" class=\"v\">{}</text>",
            label_w - 6.0,
            y + 15.0,
            esc(label),
            row_h - 6.0,
            label_w + w + 5.0,
            y + 15.0,
            n(*v)
        );
    }
    svg.push_str("</svg></figure>");
    svg
}

/// How a column is laid out: a short text (never wrapped), a number
/// (right-aligned, never wrapped) or the one wide column that takes the
/// rest of the width and wraps between words.
#[derive(Clone, Copy)]
enum Col {
    Text,
    Num,
    Wide,
}

impl Col {
    fn class(self) -> &'static str {
        match self {
            Col::Text => "t",
            Col::Num => "n",
            Col::Wide => "w",
        }
    }
}

fn table(head: &[(&str, Col)], rows: &[Vec<String>]) -> String {
    let mut t = String::from("<table><thead><tr>");
    for (h, c) in head {
        let _ = write!(t, "<th class=\"{}\">{}</th>", c.class(), esc(h));
    }
    t.push_str("</tr></thead><tbody>");
    for r in rows {
        t.push_str("<tr>");
        for (i, cell) in r.iter().enumerate() {
            let class = head.get(i).map(|h| h.1.class()).unwrap_or("t");
            let _ = write!(t, "<td class=\"{class}\">{cell}</td>");
        }
        t.push_str("</tr>");
    }
    t.push_str("</tbody></table>");
    t
}

/// What a run folder may hold besides the document folders, in the order
/// the report lists them: [`html`] names only those present.
pub const RUN_FILES: [&str; 5] = ["manifest.csv", "seal.json", "print", "rejects.csv", "report.json"];

/// What each of [`RUN_FILES`] is, Indonesian then English.
fn run_file_words(f: &str) -> &'static str {
    match f {
        "manifest.csv" => "satu baris per dokumen terbit / one row per issued document",
        "seal.json" => "segel batch yang ditandatangani / the signed batch seal",
        "print" => "satu berkas cetak per tempat layanan / one print file per service point",
        "rejects.csv" => "satu baris per alasan penolakan, untuk dikirim kembali ke tempat layanan / one row per reject reason, to send back to the service points",
        "report.json" => "angka laporan ini untuk program / this report's figures for programs",
        _ => "",
    }
}

/// Untrusted text for the page: hidden characters shown as `\u{…}`
/// (util/show.rs), then HTML-escaped.
fn t(s: &str) -> String {
    esc(&shown(s))
}

/// [`t`], clipped to `max` characters first.
fn t_clip(s: &str, max: usize) -> String {
    esc(&clip_shown(s, max))
}

/// An RFC 3339 time as the region says it ("6 Desember 2026, 09.00 WIB"),
/// the exact UTC instant kept in `datetime` and the tooltip.
fn local_time(id: &str, rfc3339: &str, offset_hours: i32) -> String {
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(at) => format!(
            "<time id=\"{id}\" datetime=\"{utc}\" title=\"{utc}\">{}</time>",
            esc(&words::date_time_long(at.timestamp(), offset_hours)),
            utc = esc(&at.with_timezone(&chrono::Utc).format("%Y-%m-%dT%H:%M:%SZ").to_string())
        ),
        Err(_) => format!("<span id=\"{id}\">{}</span>", t(rfc3339)),
    }
}

/// The report page (pure: the summary and the names of the run folder's
/// files that exist in, the page out).
pub fn html(s: &RunSummary, present: &[&str]) -> String {
    let total: f64 = s.seconds_by_stage.values().sum();
    let rate = if total > 0.0 { s.issued as f64 / total } else { 0.0 };
    let status = if s.rejected == 0 { "ok" } else { "warn" };
    let regency = if s.regency_name.is_empty() { String::new() } else { format!(" — <span id=\"regency\">{} ({})</span>", t(&s.regency_name), t(&s.regency_code)) };
    let issue_date = words::parse_date(&s.issue_date)
        .map(|d| format!("Tanggal terbit / issue date <b id=\"issue-date\" data-date=\"{}\">{}</b> · ", esc(&s.issue_date), esc(&words::date_long(d))))
        .unwrap_or_default();
    let mut h = String::with_capacity(16 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"id\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Laporan penerbitan {title} {run}</title><style>{CSS}</style></head><body>\
         <h1>Laporan penerbitan / Issuance report{regency}</h1>\
         <p class=\"sub\">{issue_date}{ran}run <code>{run}</code>{kid}</p>\
         <section class=\"cards\">\
         <div class=\"card\"><b id=\"applications\">{apps}</b><span>permohonan / applications</span></div>\
         <div class=\"card ok\"><b id=\"issued\">{issued}</b><span>terbit / issued</span></div>\
         <div class=\"card {status}\"><b id=\"rejected\">{rejected}</b><span>ditolak / rejected</span></div>\
         {rate}</section>",
        title = t(&s.regency_name),
        run = t(&s.run_id),
        // Only what the run has: a run refused before its key was read
        // has no key, and one that issued nothing no speed.
        kid = if s.kid.is_empty() { String::new() } else { format!(" · kunci / key <code>{}</code>", t(&s.kid)) },
        rate = if s.issued == 0 { String::new() } else { format!("<div class=\"card\"><b id=\"rate\">{rate:.0}</b><span>dokumen per detik / documents per second</span></div>") },
        ran = s.started_at.as_deref().map(|at| format!("dijalankan / ran {} · ", local_time("started-at", at, s.utc_offset_hours))).unwrap_or_default(),
        apps = n(s.applications),
        issued = n(s.issued),
        rejected = n(s.rejected),
    );
    // Why the night is not done (the CLI's exit 1), before anything else.
    for nd in &s.not_done {
        let _ = write!(h, "<p class=\"note not-done\"><b>BELUM SELESAI / NOT DONE</b> — {}</p>", esc(&nd.message));
    }
    if s.resumed > 0 {
        let _ = write!(h, "<p class=\"note\">{} of the issued documents were numbered by an earlier, interrupted attempt of this run (resumed).</p>", n(s.resumed));
    }
    if !s.warnings.is_empty() {
        h.push_str("<h2>Peringatan / Warnings</h2><ul class=\"warnings\">");
        for w in &s.warnings {
            let _ = write!(h, "<li>{}</li>", t(w));
        }
        h.push_str("</ul>");
    }

    h.push_str("<h2>Terbit / Issued</h2><div class=\"charts\">");
    let by_kind: Vec<(String, usize)> = s.applications_by_kind.keys().map(|k| (shown(k), s.issued_by_kind.get(k).copied().unwrap_or(0))).collect();
    h.push_str(&bars("by kind", &by_kind, "#2f6f4e"));
    let by_sp: Vec<(String, usize)> = s.issued_by_service_point.iter().map(|(k, v)| (shown(k), *v)).collect();
    h.push_str(&bars("by service point", &by_sp, "#3b5b92"));
    h.push_str("</div>");
    let rows: Vec<Vec<String>> = s
        .applications_by_kind
        .iter()
        .map(|(k, a)| {
            let i = s.issued_by_kind.get(k).copied().unwrap_or(0);
            vec![t(k), n(*a), n(i), n(a.saturating_sub(i))]
        })
        .collect();
    h.push_str(&table(&[("jenis / kind", Col::Text), ("permohonan / applications", Col::Num), ("terbit / issued", Col::Num), ("tidak terbit / not issued", Col::Num)], &rows));
    let rows: Vec<Vec<String>> = s
        .issued_by_service_point
        .iter()
        .map(|(sp, v)| vec![t(sp), n(*v), s.print_files.get(sp).map(|f| format!("<code>{}</code>", t(f))).unwrap_or_default()])
        .collect();
    h.push_str(&table(&[("tempat layanan / service point", Col::Text), ("dokumen / documents", Col::Num), ("berkas cetak / print file", Col::Wide)], &rows));

    h.push_str("<h2>Ditolak / Rejected</h2>");
    if s.rejects_by_rule.is_empty() {
        h.push_str("<p>Tidak ada permohonan yang ditolak. / No application was rejected.</p>");
    } else {
        let mut by_rule: Vec<(String, usize)> = s.rejects_by_rule.iter().map(|(k, v)| (k.clone(), *v)).collect();
        by_rule.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        h.push_str(&bars("reasons (one application may have several)", &by_rule, "#a4462f"));
        let _ = write!(
            h,
            "<p>Setiap alasan adalah satu baris <code>rejects.csv</code> ({} baris), dengan tempat layanannya. \
             / Every reason is a row of <code>rejects.csv</code> ({} rows), with its service point.</p><ul id=\"advice\">",
            n(s.reject_rows),
            n(s.reject_rows)
        );
        // What to do depends on the rule: an application already issued
        // is never sent again (its document is handed out).
        for advice in [Advice::Correct, Advice::HandOut, Advice::RevokeFirst] {
            let rules: Vec<String> = by_rule.iter().filter(|(r, _)| Rule::from_code(r).map_or(Advice::Correct, Rule::advice) == advice).map(|(r, _)| format!("<code>{}</code>", t(r))).collect();
            if !rules.is_empty() {
                let _ = write!(h, "<li>{}: {}</li>", rules.join(", "), esc(advice.words()));
            }
        }
        h.push_str("</ul>");
        let mut rows = Vec::new();
        for (rule, count) in &by_rule {
            let pct = s.rejects_by_rule_percent.get(rule).copied().unwrap_or(0.0);
            let ex = s.reject_examples.get(rule).map(Vec::as_slice).unwrap_or(&[]);
            let mut list = String::from("<ul class=\"ex\">");
            for r in ex {
                // Each quoted part is its own bidi isolate (<bdi>): even
                // right-to-left letters in a value cannot reorder the rest.
                let _ = write!(
                    list,
                    "<li><code><bdi>{}</bdi></code> · <bdi>{}</bdi> · {} = “<bdi class=\"value\">{}</bdi>”: <bdi>{}</bdi></li>",
                    t(&r.source),
                    t(&r.service_point),
                    t(&r.field),
                    t_clip(&r.value, 40),
                    t(&r.message)
                );
            }
            list.push_str("</ul>");
            rows.push(vec![format!("<code>{}</code>", t(rule)), n(*count), format!("{pct:.2}%"), list]);
        }
        h.push_str(&table(&[("aturan / rule", Col::Text), ("ditolak / rejects", Col::Num), ("dari permohonan / of applications", Col::Num), ("contoh / examples", Col::Wide)], &rows));
    }

    // For whoever tunes the machine, not for the morning: folded away.
    h.push_str("<details id=\"timings\"><summary>Waktu per tahap / Timings (for developers)</summary>");
    let stages: Vec<(String, usize)> = s.seconds_by_stage.iter().map(|(k, v)| (k.clone(), (v * 1000.0).round() as usize)).collect();
    h.push_str(&bars("milliseconds per stage", &stages, "#7a6a2f"));
    let mut rows: Vec<Vec<String>> = s.seconds_by_stage.iter().map(|(k, v)| vec![t(k), format!("{v:.3} s")]).collect();
    rows.push(vec!["<b>total</b>".into(), format!("<b>{total:.3} s</b>")]);
    h.push_str(&table(&[("stage", Col::Text), ("seconds", Col::Num)], &rows));
    if !s.busy_seconds.is_empty() {
        let rows: Vec<Vec<String>> = s
            .busy_seconds
            .iter()
            .map(|(k, v)| vec![t(k), format!("{v:.3} s"), format!("{:.0} µs", v * 1e6 / s.issued.max(1) as f64)])
            .collect();
        h.push_str("<p>Document stage, work per step summed over threads:</p>");
        h.push_str(&table(&[("step", Col::Text), ("seconds", Col::Num), ("per document", Col::Num)], &rows));
    }
    h.push_str("</details>");

    if present.contains(&"seal.json") {
        let _ = write!(
            h,
            "<h2>Segel / Batch seal</h2><p>Akar Merkle atas nomor dan SHA-256 setiap dokumen, ditandatangani dalam <code>seal.json</code> \
             / Merkle root over every document's number and SHA-256, signed in <code>seal.json</code>:</p>\
             <p><code class=\"root\" id=\"merkle-root\">{}</code></p>",
            t(&s.merkle_root)
        );
    }
    h.push_str("<h2>Isi folder ini / In this folder</h2><ul id=\"files\">");
    if s.issued > 0 {
        h.push_str("<li><code>&lt;tempat layanan&gt;/&lt;jenis&gt;/&lt;nomor&gt;.pdf</code> — satu PDF per dokumen / one PDF per document</li>");
    }
    for f in RUN_FILES.iter().filter(|f| present.contains(f)) {
        let shown_name = if *f == "print" { "print/".to_string() } else { (*f).to_string() };
        let _ = write!(h, "<li><code>{}</code> — {}</li>", esc(&shown_name), run_file_words(f));
    }
    h.push_str("<li><code>report.html</code> — halaman ini / this page</li></ul>");
    if present.contains(&"seal.json") {
        let code = if s.regency_code.is_empty() { "KODE".to_string() } else { shown(&s.regency_code) };
        let _ = write!(
            h,
            "<p class=\"sub\">Periksa run ini / Check this run: <code>terbit verify --trust trust-{code}.json --pin '{code}=&lt;sidik jari root / root fingerprint&gt;' {dir}</code> \
             — dengan daftar kepercayaan bertanda tangan di folder kunci (<code>trust-{code}.json</code>, dibuat oleh <code>terbit trust sign</code>) \
             dan sidik jari root yang diumumkan, atau dengan bundel dari <code>terbit trust bundle</code> (<code>--trust trust-bundle.json</code>); \
             keduanya tidak disimpan di folder run. / with the district's signed trust list from the keys folder (made by <code>terbit trust sign</code>) \
             and the published root fingerprint, or a bundle made by <code>terbit trust bundle</code>; neither is kept in the run folder.</p>",
            code = esc(&code),
            dir = t(&s.run_dir.display().to_string())
        );
    } else {
        h.push_str("<p class=\"sub\">Tidak ada dokumen yang diterbitkan dalam run ini, jadi tidak ada segel. / Nothing was issued in this run, so there is no seal.</p>");
    }
    let _ = writeln!(h, "<footer class=\"sub\" id=\"attribution\">{}</footer></body></html>", esc(crate::kind::refdata::ATTRIBUTION));
    h
}

const CSS: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1080px;color:#1d232a;padding:0 1rem}\
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d5dae0}\
.sub{color:#5b6570}.note{background:#f3f0e2;padding:.5rem .8rem}.warnings li{background:#f7ece9;margin:.2rem 0;padding:.2rem .5rem}\
.cards{display:flex;gap:.8rem;flex-wrap:wrap;margin:1rem 0}.card{flex:1 1 180px;border:1px solid #d5dae0;border-radius:8px;padding:.8rem}\
.card b{display:block;font-size:1.8rem}.card span{color:#5b6570;font-size:.85rem}.card.ok b{color:#2f6f4e}.card.warn b{color:#a4462f}\
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:1rem}\
figure{margin:.5rem 0;overflow-x:auto}svg{max-width:100%;height:auto}figcaption{font-weight:600;margin-bottom:.3rem}svg .l{font-size:12px;fill:#1d232a}svg .v{font-size:12px;fill:#5b6570}\
table{border-collapse:collapse;width:100%;margin:.6rem 0;font-size:.9rem}\
th,td{border-bottom:1px solid #e3e7eb;padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:break-word;word-break:normal;hyphens:none}\
th{background:#f5f7f9;font-weight:600}td.t{white-space:nowrap}td.n{white-space:nowrap}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\
td.w{min-width:22em}ul.ex{margin:0;padding-left:1.1rem}ul.ex li{margin:.15rem 0}\
details{margin-top:2rem}summary{font-size:1.05rem;font-weight:600;cursor:pointer;color:#5b6570}\
code{font-size:.85em}.root{word-break:break-all}";
#[cfg(test)]
mod tests {
    use super::*;

    fn example(value: &str) -> super::super::summary::RejectExample {
        super::super::summary::RejectExample {
            application_id: "A1".into(),
            service_point: "KEC-A".into(),
            source: "b.csv:4".into(),
            field: "child_nik".into(),
            value: value.into(),
            message: format!("bad “{value}”"),
        }
    }

    #[test]
    fn page_is_self_contained_escaped_and_shows_the_figures() {
        let mut s = RunSummary { run_id: "20261123-abcd".into(), applications: 1234, issued: 1200, rejected: 34, ..Default::default() };
        s.applications_by_kind.insert("birth".into(), 1234);
        s.issued_by_kind.insert("birth".into(), 1200);
        s.issued_by_service_point.insert("KEC-<X>".into(), 1200);
        s.rejects_by_rule.insert("NIK_FORMAT".into(), 34);
        s.seconds_by_stage.insert("read".into(), 0.5);
        s.merkle_root = "ab".repeat(32);
        s.reject_examples.insert("NIK_FORMAT".into(), vec![example("<script>")]);
        let page = html(&s, &["manifest.csv", "seal.json", "rejects.csv"]);
        assert!(page.contains("1\u{202f}234") && page.contains("id=\"issued\">1\u{202f}200"));
        assert!(page.contains("KEC-&lt;X&gt;") && page.contains("&lt;script&gt;") && !page.contains("<script"));
        assert!(!page.contains("http://") && !page.contains("https://") && !page.contains("<link"));
        assert!(page.contains(&"ab".repeat(32)) && page.contains("b.csv:4"));
        assert!(page.contains("<footer class=\"sub\" id=\"attribution\">Area codes: idn-area-data v4.0.1 (fityannugroho), Open Database License (ODbL) 1.0</footer>"));
    }

    #[test]
    fn hidden_characters_are_shown_escaped_and_the_header_says_who_and_when() {
        let mut s = RunSummary { run_id: "20261206-abcd".into(), applications: 2, issued: 1, rejected: 1, ..Default::default() };
        s.regency_code = "3506".into();
        s.regency_name = "Kabupaten Kediri".into();
        s.issue_date = "2026-12-06".into();
        s.utc_offset_hours = 7;
        s.started_at = Some("2026-12-05T19:00:00Z".into());
        s.rejects_by_rule.insert("NAME".into(), 1);
        s.seconds_by_stage.insert("read".into(), 0.5);
        s.reject_examples.insert("NAME".into(), vec![example("SITI\u{202E}HANIMA\u{1b}[2J")]);
        s.warnings.push("b\u{202E}.csv: header only".into());
        let page = html(&s, &["rejects.csv", "report.json"]);
        assert!(!page.contains('\u{202E}') && !page.contains('\u{1b}'), "a raw override or ESC on the page");
        assert!(page.contains("SITI\\u{202E}HANIMA\\u{001B}[2J") && page.contains("b\\u{202E}.csv"), "{page}");
        assert!(page.contains("<span id=\"regency\">Kabupaten Kediri (3506)</span>"), "{page}");
        assert!(page.contains("data-date=\"2026-12-06\">6 Desember 2026</b>"), "{page}");
        assert!(page.contains("datetime=\"2026-12-05T19:00:00Z\" title=\"2026-12-05T19:00:00Z\">6 Desember 2026, 02.00 WIB</time>"), "{page}");
        assert!(page.contains("<details id=\"timings\">"), "timings folded away");
        // Only what is there: no seal, no manifest, no verify line.
        assert!(!page.contains("seal.json") && !page.contains("manifest.csv") && !page.contains("terbit verify"), "{page}");
        assert!(page.contains("<code>rejects.csv</code> —") && page.contains("<code>report.json</code> —"), "{page}");
    }

    #[test]
    fn what_to_do_about_a_reject_depends_on_its_rule() {
        let mut s = RunSummary { run_id: "20261207-abcd".into(), applications: 3, issued: 1, rejected: 2, kid: "b87b9cbc2985de1e".into(), ..Default::default() };
        s.rejects_by_rule.insert("NIK_FORMAT".into(), 1);
        let page = html(&s, &["rejects.csv"]);
        assert!(page.contains("<li><code>NIK_FORMAT</code>: perbaiki ekspor") && page.contains("send the application again"), "{page}");
        assert!(!page.contains("do not send it again"), "{page}");
        s.rejects_by_rule.clear();
        s.rejects_by_rule.insert("ALREADY_ISSUED".into(), 2);
        let page = html(&s, &["rejects.csv"]);
        assert!(page.contains("<li><code>ALREADY_ISSUED</code>: sudah terbit: jangan kirim lagi") && page.contains("do not send it again; hand out the issued document"), "{page}");
        assert!(!page.contains("send the application again"), "{page}");
        assert!(page.contains("kunci / key <code>b87b9cbc2985de1e</code>") && page.contains("id=\"rate\""), "{page}");
    }

    #[test]
    fn a_refused_runs_header_shows_only_what_it_has() {
        let mut s = RunSummary { run_id: "20261207-abcd".into(), applications: 10, issued: 0, rejected: 8, ..Default::default() };
        s.rejects_by_rule.insert("NIK_FORMAT".into(), 8);
        s.seconds_by_stage.insert("validate".into(), 0.2);
        let page = html(&s, &["rejects.csv", "report.json"]);
        assert!(!page.contains("kunci / key") && !page.contains("dijalankan / ran") && !page.contains("documents per second"), "{page}");
        assert!(page.contains("run <code>20261207-abcd</code></p>"), "{page}");
    }
}
