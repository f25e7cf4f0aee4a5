//! `rejects.csv` (one row per violated rule, formulas neutralised) and the
//! report files written beside it.

use std::time::Instant;

use crate::error::{Error, Result};
use crate::input::validate::Reject;
use crate::util::csvout;
use crate::util::show::shown;

use super::sink::REJECTS_HEADER;
use super::summary::{RejectExample, RunSummary};

/// One `rejects.csv` row (the columns of [`REJECTS_HEADER`], formulas
/// neutralised). What the export held — the application id, the file name
/// and the value — is written with control and format characters shown as
/// `\u{…}` (util/show.rs): an ESC in a value must not reach the terminal
/// of whoever runs `cat rejects.csv`, nor a bidi override reorder the line.
fn reject_line(r: &Reject) -> String {
    let (id, source, value) = (shown(&r.application_id), shown(&r.source), shown(&r.value));
    csvout::line([id.as_str(), source.as_str(), r.rule.code(), r.field.as_str(), value.as_str(), r.message.as_str()])
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
    let mut report = serde_json::to_string_pretty(&summary).map_err(|e| Error::Json { what: "report.json", message: e.to_string() })?;
    report.push('\n');
    crate::util::fs::write_atomic(&summary.run_dir.join("report.json"), report.as_bytes())?;
    crate::util::fs::write_atomic(&summary.run_dir.join("report.html"), super::report::html(summary).as_bytes())
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
            source: "b\u{202E}.csv:2".into(),
            rule: crate::input::rules::Rule::Name,
            field: "child_name".into(),
            value: "\u{1b}[2J\u{1b}[HSITI\u{7}".into(),
            message: "m".into(),
        };
        let csv = rejects_csv([&r]);
        assert!(!csv.chars().any(|c| c.is_control() && c != '\n'), "{csv:?}");
        assert!(csv.contains("\\u{001B}[2J\\u{001B}[HSITI\\u{0007}") && csv.contains("APP\\u{001B}1") && csv.contains("b\\u{202E}.csv:2"), "{csv}");
    }
}
