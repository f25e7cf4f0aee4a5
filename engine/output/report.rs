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

fn table(head: &[&str], rows: &[Vec<String>]) -> String {
    let mut t = String::from("<table><thead><tr>");
    for h in head {
        let _ = write!(t, "<th>{}</th>", esc(h));
    }
    t.push_str("</tr></thead><tbody>");
    for r in rows {
        t.push_str("<tr>");
        for c in r {
            let _ = write!(t, "<td>{c}</td>");
        }
        t.push_str("</tr>");
    }
    t.push_str("</tbody></table>");
    t
}

/// The report page (pure: the summary in, the page out).
pub fn html(s: &RunSummary) -> String {
    let total: f64 = s.seconds_by_stage.values().sum();
    let rate = if total > 0.0 { s.issued as f64 / total } else { 0.0 };
    let status = if s.rejected == 0 { "ok" } else { "warn" };
    let mut h = String::with_capacity(16 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"id\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>terbit run {run}</title><style>{CSS}</style></head><body>\
         <h1>terbit — run <code>{run}</code></h1>\
         <p class=\"sub\">Laporan penerbitan / issuance report · kunci (key) <code>{kid}</code>{ran}</p>\
         <section class=\"cards\">\
         <div class=\"card\"><b id=\"applications\">{apps}</b><span>permohonan / applications</span></div>\
         <div class=\"card ok\"><b id=\"issued\">{issued}</b><span>terbit / issued</span></div>\
         <div class=\"card {status}\"><b id=\"rejected\">{rejected}</b><span>ditolak / rejected</span></div>\
         <div class=\"card\"><b id=\"rate\">{rate:.0}</b><span>dokumen per detik / documents per second</span></div>\
         </section>",
        run = esc(&s.run_id),
        kid = esc(&s.kid),
        ran = s.started_at.as_deref().map(|t| format!(" · dijalankan (ran) <span id=\"started-at\">{}</span>", esc(t))).unwrap_or_default(),
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

    h.push_str("<h2>Terbit / Issued</h2><div class=\"charts\">");
    let by_kind: Vec<(String, usize)> = s.applications_by_kind.keys().map(|k| (k.clone(), s.issued_by_kind.get(k).copied().unwrap_or(0))).collect();
    h.push_str(&bars("by kind", &by_kind, "#2f6f4e"));
    let by_sp: Vec<(String, usize)> = s.issued_by_service_point.iter().map(|(k, v)| (k.clone(), *v)).collect();
    h.push_str(&bars("by service point", &by_sp, "#3b5b92"));
    h.push_str("</div>");
    let rows: Vec<Vec<String>> = s
        .applications_by_kind
        .iter()
        .map(|(k, a)| {
            let i = s.issued_by_kind.get(k).copied().unwrap_or(0);
            vec![esc(k), n(*a), n(i), n(a.saturating_sub(i))]
        })
        .collect();
    h.push_str(&table(&["kind", "applications", "issued", "not issued"], &rows));
    let rows: Vec<Vec<String>> = s
        .issued_by_service_point
        .iter()
        .map(|(sp, v)| vec![esc(sp), n(*v), s.print_files.get(sp).map(|f| format!("<code>{}</code>", esc(f))).unwrap_or_default()])
        .collect();
    h.push_str(&table(&["service point", "documents", "print file"], &rows));

    h.push_str("<h2>Ditolak / Rejected</h2>");
    if s.rejects_by_rule.is_empty() {
        h.push_str("<p>No application was rejected.</p>");
    } else {
        let mut by_rule: Vec<(String, usize)> = s.rejects_by_rule.iter().map(|(k, v)| (k.clone(), *v)).collect();
        by_rule.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        h.push_str(&bars("reasons (one application may have several)", &by_rule, "#a4462f"));
        let _ = write!(h, "<p>Every reason is a row of <code>rejects.csv</code> ({} rows): correct the export at the line given and send the application again.</p>", n(s.reject_rows));
        let mut rows = Vec::new();
        for (rule, count) in &by_rule {
            let pct = s.rejects_by_rule_percent.get(rule).copied().unwrap_or(0.0);
            let ex = s.reject_examples.get(rule).map(Vec::as_slice).unwrap_or(&[]);
            let shown: Vec<String> = ex
                .iter()
                .map(|r| {
                    let value = crate::error::clip(&r.value, 40);
                    format!("<code>{}</code> {} = “{}”: {}", esc(&r.source), esc(&r.field), esc(&value), esc(&r.message))
                })
                .collect();
            rows.push(vec![format!("<code>{}</code>", esc(rule)), n(*count), format!("{pct:.2}%"), shown.join("<br>")]);
        }
        h.push_str(&table(&["rule", "rejects", "of applications", "examples"], &rows));
    }

    h.push_str("<h2>Waktu / Timings</h2>");
    let stages: Vec<(String, usize)> = s.seconds_by_stage.iter().map(|(k, v)| (k.clone(), (v * 1000.0).round() as usize)).collect();
    h.push_str(&bars("milliseconds per stage", &stages, "#7a6a2f"));
    let mut rows: Vec<Vec<String>> = s.seconds_by_stage.iter().map(|(k, v)| vec![esc(k), format!("{v:.3} s")]).collect();
    rows.push(vec!["<b>total</b>".into(), format!("<b>{total:.3} s</b>")]);
    h.push_str(&table(&["stage", "seconds"], &rows));
    if !s.busy_seconds.is_empty() {
        let rows: Vec<Vec<String>> = s
            .busy_seconds
            .iter()
            .map(|(k, v)| vec![esc(k), format!("{v:.3} s"), format!("{:.0} µs", v * 1e6 / s.issued.max(1) as f64)])
            .collect();
        h.push_str("<p>Document stage, work per step summed over threads:</p>");
        h.push_str(&table(&["step", "seconds", "per document"], &rows));
    }
    if !s.warnings.is_empty() {
        h.push_str("<h2>Peringatan / Warnings</h2><ul>");
        for w in &s.warnings {
            let _ = write!(h, "<li>{}</li>", esc(w));
        }
        h.push_str("</ul>");
    }
    let _ = writeln!(
        h,
        "<h2>Segel / Batch seal</h2><p>Merkle root over every document's number and SHA-256, signed in <code>seal.json</code>:</p>\
         <p><code class=\"root\" id=\"merkle-root\">{}</code></p>\
         <p class=\"sub\">Check the run: <code>terbit verify --trust trust-bundle.json {}</code></p>\
         <footer class=\"sub\" id=\"attribution\">{}</footer></body></html>",
        esc(&s.merkle_root),
        esc(&s.run_dir.display().to_string()),
        esc(crate::kind::refdata::ATTRIBUTION)
    );
    h
}

const CSS: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:980px;color:#1d232a;padding:0 1rem}\
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d5dae0}\
.sub{color:#5b6570}.note{background:#f3f0e2;padding:.5rem .8rem}\
.cards{display:flex;gap:.8rem;flex-wrap:wrap;margin:1rem 0}.card{flex:1 1 180px;border:1px solid #d5dae0;border-radius:8px;padding:.8rem}\
.card b{display:block;font-size:1.8rem}.card span{color:#5b6570;font-size:.85rem}.card.ok b{color:#2f6f4e}.card.warn b{color:#a4462f}\
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:1rem}\
figure{margin:.5rem 0;overflow-x:auto}svg{max-width:100%;height:auto}figcaption{font-weight:600;margin-bottom:.3rem}svg .l{font-size:12px;fill:#1d232a}svg .v{font-size:12px;fill:#5b6570}\
table{border-collapse:collapse;width:100%;margin:.6rem 0;font-size:.9rem}th,td{border-bottom:1px solid #e3e7eb;padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}\
th{background:#f5f7f9}td:first-child,th:first-child{white-space:nowrap}code{font-size:.85em}.root{word-break:break-all}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_is_self_contained_escaped_and_shows_the_figures() {
        let mut s = RunSummary { run_id: "20261123-abcd".into(), applications: 1234, issued: 1200, rejected: 34, ..Default::default() };
        s.applications_by_kind.insert("birth".into(), 1234);
        s.issued_by_kind.insert("birth".into(), 1200);
        s.issued_by_service_point.insert("KEC-<X>".into(), 1200);
        s.rejects_by_rule.insert("NIK_FORMAT".into(), 34);
        s.seconds_by_stage.insert("read".into(), 0.5);
        s.merkle_root = "ab".repeat(32);
        let r = super::super::summary::RejectExample {
            application_id: "A1".into(),
            source: "b.csv:4".into(),
            field: "child_nik".into(),
            value: "<script>".into(),
            message: "bad".into(),
        };
        s.reject_examples.insert("NIK_FORMAT".into(), vec![r]);
        let page = html(&s);
        assert!(page.contains("1\u{202f}234") && page.contains("id=\"issued\">1\u{202f}200"));
        assert!(page.contains("KEC-&lt;X&gt;") && page.contains("&lt;script&gt;") && !page.contains("<script"));
        assert!(!page.contains("http://") && !page.contains("https://") && !page.contains("<link"));
        assert!(page.contains(&"ab".repeat(32)) && page.contains("b.csv:4"));
        assert!(page.contains("<footer class=\"sub\" id=\"attribution\">Area codes: idn-area-data v4.0.1 (fityannugroho), Open Database License (ODbL) 1.0</footer>"));
    }
}
