//! `rejects.csv` (one row per violated rule, formulas neutralised) and the
//! report files written beside it.

use std::time::Instant;

use crate::error::{Error, Result};
use crate::input::validate::Reject;
use crate::util::csvout;
use crate::util::show::{shown, shown_json};

use super::sink::REJECTS_HEADER;
use super::summary::{RejectExample, RunSummary};

/// One `rejects.csv` row (the columns of [`REJECTS_HEADER`], formulas
/// neutralised). Every text cell — what the export held (the application
/// id, its service point, the file name, the value) and the message that
/// quotes it — is written with hidden characters shown as `\u{…}`
/// (util/show.rs): an ESC in a value must not reach the terminal of
/// whoever runs `cat rejects.csv`, nor a bidi override reverse the line in
/// a spreadsheet.
fn reject_line(r: &Reject) -> String {
    let cells = [shown(&r.application_id), shown(&r.service_point), shown(&r.source), r.rule.code().to_string(), shown(&r.field), shown(&r.value), shown(&r.message)];
    csvout::line(cells.iter().map(String::as_str))
}

/// Rejects as `rejects.csv` text, header first.
pub fn rejects_csv<'a>(rejects: impl IntoIterator<Item = &'a Reject>) -> String {
    let mut text = csvout::line(REJECTS_HEADER);
    for r in rejects {
        text.push_str(&reject_line(r));
    }
    text
}

/// Write `rejects.csv` (every kind's rejects, in the order given),
/// `report.json` and `report.html`, counting the rejects by rule into
/// `summary`; `rejected_applications` is how many applications they reject.
pub fn write_rejects_and_report(summary: &mut RunSummary, rejects: &[&[Reject]], rejected_applications: usize) -> Result<()> {
    let t = Instant::now();
    std::fs::create_dir_all(&summary.run_dir).map_err(|e| Error::io(&summary.run_dir, e))?;
    summary.rejects_by_rule.clear();
    summary.reject_examples.clear();
    let all = || rejects.iter().flat_map(|k| k.iter());
    for r in all() {
        *summary.rejects_by_rule.entry(r.rule.to_string()).or_default() += 1;
        let examples = summary.reject_examples.entry(r.rule.to_string()).or_default();
        if examples.len() < super::report::EXAMPLES_PER_RULE {
            examples.push(RejectExample {
                source: r.source.clone(),
                application_id: r.application_id.clone(),
                service_point: r.service_point.clone(),
                field: r.field.clone(),
                value: r.value.clone(),
                message: r.message.clone(),
            });
        }
    }
    summary.reject_rows = all().count();
    summary.rejected = rejected_applications;
    crate::util::fs::write_atomic(&summary.run_dir.join("rejects.csv"), rejects_csv(all()).as_bytes())?;
    summary.rule_percentages();
    summary.seconds_by_stage.insert("report".into(), t.elapsed().as_secs_f64());
    // report.json is shown like every other output (util/show.rs): a
    // program that needs a value's raw bytes reads the export at `source`.
    let json = serde_json::to_value(&*summary).map_err(|e| Error::Json { what: "report.json", message: e.to_string() })?;
    let mut report = serde_json::to_string_pretty(&shown_json(json)).map_err(|e| Error::Json { what: "report.json", message: e.to_string() })?;
    report.push('\n');
    crate::util::fs::write_atomic(&summary.run_dir.join("report.json"), report.as_bytes())?;
    // The page names only what the run folder holds (report.json, just written, included).
    let present: Vec<&str> = super::report::RUN_FILES.iter().copied().filter(|f| summary.run_dir.join(f).exists()).collect();
    crate::util::fs::write_atomic(&summary.run_dir.join("report.html"), super::report::html(summary, &present).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_of_a_value_are_shown_escaped_not_written() {
        let r = Reject {
            row: 0,
            app: 0,
            application_id: "APP\u{1b}1".into(),
            service_point: "KEC-\u{202E}A".into(),
            source: "b\u{202E}.csv:2".into(),
            rule: crate::input::rules::Rule::Name,
            field: "child_name".into(),
            value: "\u{1b}[2J\u{1b}[HSITI\u{7}".into(),
            message: "nama \"\u{1b}[2J\u{1b}[HSITI\u{7}\" / name".into(),
        };
        let csv = rejects_csv([&r]);
        assert!(csv.starts_with("application_id,service_point,source,rule,field,value,message\n"), "{csv}");
        assert!(csv.contains("KEC-\\u{202E}A") && !csv.contains('\u{202E}'), "{csv}");
        assert!(!csv.chars().any(|c| c.is_control() && c != '\n'), "{csv:?}");
        assert!(csv.contains("\\u{001B}[2J\\u{001B}[HSITI\\u{0007}") && csv.contains("APP\\u{001B}1") && csv.contains("b\\u{202E}.csv:2"), "{csv}");
    }
}
