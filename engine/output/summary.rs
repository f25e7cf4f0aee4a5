//! What a run did, in figures: the source of `report.json`, `report.html`
//! and the CLI's summary.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

/// What a run did, in figures (`report.json` is this, serialized).
#[derive(Debug, Default, Serialize)]
pub struct RunSummary {
    /// The run's name, `YYYYMMDD-xxxxxxxx`.
    pub run_id: String,
    /// When the run really started (wall clock, RFC 3339), if the caller
    /// said; documents carry the issue date.
    pub started_at: Option<String>,
    /// The time the PDF signatures' time-stamps state (RFC 3339), when the
    /// district's time-stamp authority stamped them (PAdES B-T).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stamped_at: Option<String>,
    /// The external time-stamp authority that stamped the PDF signatures
    /// (its URL), when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stamped_by: Option<String>,
    /// The PDF signatures' PAdES level when stamped: "B-LT" (with their
    /// validation data in each file) or "B-T".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pades_level: Option<String>,
    /// What was fetched from certification authorities' services for
    /// their certificates (`fetch_revocation`): a line per certificate.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub revocation_fetched: Vec<String>,
    /// Where its files are.
    pub run_dir: PathBuf,
    /// The issuing regency's code ("3506").
    pub regency_code: String,
    /// Its name ("Kabupaten Kediri").
    pub regency_name: String,
    /// The documents' issue date (YYYY-MM-DD).
    pub issue_date: String,
    /// The region's hours east of UTC (WIB = 7): the report shows times there.
    pub utc_offset_hours: i32,
    /// Applications (a family card's members count as one), input rows.
    pub applications: usize,
    /// Batch rows read (a family card has one per member).
    pub rows: usize,
    /// Documents written.
    pub issued: usize,
    /// Of `issued`: numbered by an earlier attempt of this same run.
    pub resumed: usize,
    /// Applications rejected.
    pub rejected: usize,
    /// Rejects rows written (one per violated rule).
    pub reject_rows: usize,
    /// Rejects per rule code.
    pub rejects_by_rule: BTreeMap<String, usize>,
    /// Per rule: its rejects as a percentage of the applications.
    pub rejects_by_rule_percent: BTreeMap<String, f64>,
    /// Applications per kind.
    pub applications_by_kind: BTreeMap<String, usize>,
    /// Documents per kind.
    pub issued_by_kind: BTreeMap<String, usize>,
    /// Documents per service point.
    pub issued_by_service_point: BTreeMap<String, usize>,
    /// Merged print files, one per service point: path relative to the run.
    pub print_files: BTreeMap<String, String>,
    /// Wall seconds per stage (read, validate, number, seal_render_write, sync, report).
    pub seconds_by_stage: BTreeMap<String, f64>,
    /// Where the seal + render + write stage's time goes: seconds of work
    /// per step summed over the threads that do it (seal, qr, render and
    /// file — writing the document's own PDF — on the rayon workers; write
    /// — manifest, print files, register — on the sink thread). Wall time is
    /// `seconds_by_stage["seal_render_write"]`.
    pub busy_seconds: BTreeMap<String, f64>,
    /// Per rule, its first few rejects (in input order), for the report.
    pub reject_examples: BTreeMap<String, Vec<RejectExample>>,
    /// Warnings for the operator (e.g. a header-only file).
    pub warnings: Vec<String>,
    /// Earlier runs that stopped before they finished and still hold
    /// documents or numbers in no manifest (also among the warnings): the
    /// night is not done while any is left.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stranded: Vec<String>,
    /// Why the night is not done, one line each (empty: it is done). The
    /// CLI prints each on stderr and exits 1 (README "Exit codes").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_done: Vec<NotDone>,
    /// The signing key's kid (hex).
    pub kid: String,
    /// Root of the batch seal over the manifest (seal.json).
    pub merkle_root: String,
}

/// One reason the night is not done.
#[derive(Debug, Clone, Serialize)]
pub struct NotDone {
    /// What kind of reason.
    pub reason: NotDoneReason,
    /// One line for the operator: the numbers, what it looks like, what to do.
    pub message: String,
}

/// Why a night is not done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotDoneReason {
    /// Over `max_reject_rate` before anything was numbered: the batch was
    /// refused whole, nothing numbered or written but its rejects and report.
    Refused,
    /// Applications came, and none was issued.
    NothingIssued,
    /// More applications rejected (ALREADY_ISSUED included) than the limit;
    /// the valid ones were issued, sealed and published.
    RejectLimit,
    /// An earlier run that stopped holds documents or numbers in no manifest.
    Stranded,
}

/// A reject as the report quotes it.
#[derive(Debug, Clone, Serialize)]
pub struct RejectExample {
    /// `file:line` or `file:row N`.
    pub source: String,
    /// The application it rejects.
    pub application_id: String,
    /// The service point it came from.
    pub service_point: String,
    /// The field named by the rule.
    pub field: String,
    /// The value, clipped.
    pub value: String,
    /// The message, Indonesian then English.
    pub message: String,
}

impl RunSummary {
    /// An empty summary for a run of `region` issuing on `issue_date`.
    pub fn for_region(region: &crate::kind::region::Region, issue_date: chrono::NaiveDate) -> RunSummary {
        RunSummary {
            regency_code: region.code.clone(),
            regency_name: region.name.clone(),
            issue_date: issue_date.format("%Y-%m-%d").to_string(),
            utc_offset_hours: region.utc_offset_hours,
            ..RunSummary::default()
        }
    }

    /// Each rule's rejects as a percentage of the applications.
    pub fn rule_percentages(&mut self) {
        let apps = self.applications.max(1) as f64;
        self.rejects_by_rule_percent =
            self.rejects_by_rule.iter().map(|(k, n)| (k.clone(), (*n as f64 * 10_000.0 / apps).round() / 100.0)).collect();
    }

    /// The run as the CLI prints it: where it went, what was issued and
    /// rejected (by rule, kind and service point), speed and output files.
    pub fn text(&self) -> String {
        use std::fmt::Write as _;
        let s = self;
        let mut out = String::new();
        let _ = writeln!(out, "run {} → {}", s.run_id, s.run_dir.display());
        if let Some(at) = &s.started_at {
            // Where the office is, with the exact instant beside it.
            let local = chrono::DateTime::parse_from_rfc3339(at).ok().map(|t| crate::kind::words::date_time_long(t.timestamp(), s.utc_offset_hours));
            match local {
                Some(l) => {
                    let _ = writeln!(out, "  started {l} ({at})");
                }
                None => {
                    let _ = writeln!(out, "  started {at}");
                }
            }
        }
        let level = s.pades_level.as_deref().map(|l| if l == "B-LT" { "PAdES B-LT: each file carries its validation data".to_string() } else { format!("PAdES {l}") }).unwrap_or_default();
        if let Some(at) = &s.stamped_at {
            let _ = writeln!(out, "  PDF signatures time-stamped {at} (within the hour after) by the district time-stamp authority ({level})");
        }
        if let Some(url) = &s.stamped_by {
            let _ = writeln!(out, "  PDF signatures time-stamped by the time-stamp authority at {} ({level})", crate::util::show::clip_shown(url, 200));
        }
        for line in &s.revocation_fetched {
            let _ = writeln!(out, "  revocation data: {line}");
        }
        let resumed = if s.resumed > 0 {
            format!(" ({} new; {} already numbered by an earlier attempt of this run)", s.issued - s.resumed, s.resumed)
        } else {
            String::new()
        };
        let _ = writeln!(out,
            "  {} applications: {} issued{resumed}, {} rejected ({} reasons)",
            s.applications, s.issued, s.rejected, s.reject_rows
        );
        for (rule, n) in &s.rejects_by_rule {
            let pct = s.rejects_by_rule_percent.get(rule).copied().unwrap_or(0.0);
            let _ = writeln!(out, "    {rule:<18} {n:>7}  {pct:5.2}% of applications");
        }
        for (kind, n) in &s.applications_by_kind {
            let _ = writeln!(out, "  {kind:<16} {n:>7} applications, {:>7} issued", s.issued_by_kind.get(kind).copied().unwrap_or(0));
        }
        for (sp, n) in &s.issued_by_service_point {
            let print = s.print_files.get(sp).map(|f| format!("  → print file {f}")).unwrap_or_default();
            let _ = writeln!(out, "  {sp:<16} {n:>7} documents{print}");
        }
        if s.not_done.iter().any(|n| n.reason == NotDoneReason::Refused) {
            // Refused before numbering: no documents, manifest or seal.
            let _ = writeln!(out, "  rejects:  {}", s.run_dir.join("rejects.csv").display());
            let _ = writeln!(out, "  report:   {} (open in a browser; figures also in report.json)", s.run_dir.join("report.html").display());
            return out;
        }
        let secs: f64 = s.seconds_by_stage.values().sum();
        let _ = writeln!(out, "  signed with key {}; {:.2} s ({:.0} documents/s)", s.kid, secs, s.issued as f64 / secs.max(1e-9));
        let _ = writeln!(out, "  manifest: {}", s.run_dir.join("manifest.csv").display());
        let _ = writeln!(out, "  rejects:  {}", s.run_dir.join("rejects.csv").display());
        let _ = writeln!(out, "  report:   {} (open in a browser; figures also in report.json)", s.run_dir.join("report.html").display());
        let _ = writeln!(out, "  seal:     {} (Merkle root {})", s.run_dir.join("seal.json").display(), s.merkle_root);
        out
    }
}
