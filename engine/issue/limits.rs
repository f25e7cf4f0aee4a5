//! When a night is not done although nothing failed: an export that is not
//! tonight's (another regency's, or yesterday's again) runs through
//! cleanly and issues little or nothing. A scheduler sees only the exit
//! code and what is printed, so such a night is judged here, with the
//! numbers and, where the rejects tell, what the export looks like.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;

use crate::input::rules::Rule;
use crate::input::validate::Reject;
use crate::kind::region::Region;
use crate::output::summary::{NotDone, NotDoneReason};

/// The share of a night's applications that may be rejected (for any
/// reason, ALREADY_ISSUED included) before the night counts as not done,
/// when neither `max_reject_rate` nor `--max-reject-rate` says otherwise.
/// A real night rejects a few percent; more than half rejected is a wrong
/// export, not bad data entry.
pub const DEFAULT_MAX_REJECT_RATE: f64 = 0.5;

/// A night's outcome in figures, with what explains its rejects.
pub(super) struct Night<'a> {
    /// Applications read (a family card's members count as one).
    pub(super) applications: usize,
    /// Applications rejected, for any reason.
    pub(super) rejected: usize,
    /// Every reject, per kind.
    pub(super) rejects: &'a [&'a [Reject]],
    /// Applications rejected ALREADY_ISSUED, per run that issued them.
    pub(super) already_issued_by: &'a BTreeMap<String, usize>,
    /// The issuing region and date.
    pub(super) region: &'a Region,
    pub(super) issue_date: NaiveDate,
    /// The run's rejects.csv.
    pub(super) rejects_csv: &'a Path,
}

impl Night<'_> {
    /// Whether `run` has this night's issue date (a run's id begins with it).
    fn tonight(&self, run: &str) -> bool {
        run.get(..8) == Some(self.issue_date.format("%Y%m%d").to_string().as_str())
    }

    /// Applications another run of the same issue date issued: that night's
    /// work, done (a stopped run finished with its own batch after a
    /// corrected export took most of its applications over; two exports of
    /// one night that overlap). They are no sign of a wrong export.
    fn issued_tonight(&self) -> usize {
        self.already_issued_by.iter().filter(|(run, _)| self.tonight(run)).map(|(_, n)| n).sum()
    }

    /// Rejected applications that count against the limit.
    fn counted(&self) -> usize {
        self.rejected - self.issued_tonight().min(self.rejected)
    }

    fn percent(&self) -> f64 {
        self.counted() as f64 * 100.0 / self.applications.max(1) as f64
    }

    fn over(&self, max: f64) -> bool {
        self.applications > 0 && self.counted() as f64 > max * self.applications as f64
    }

    /// ", not counting N issued tonight by another run", when there are.
    fn not_counting(&self) -> String {
        match self.issued_tonight() {
            0 => String::new(),
            n => format!(" (not counting {n} already issued by another run of this night)"),
        }
    }

    /// A night whose every application another run of this night already
    /// issued: done (nothing new to issue, exit 0), but said, so that a
    /// second run of the same export does not pass for the night's work.
    pub(super) fn done_by_another_run(&self) -> Option<String> {
        let tonight = self.issued_tonight();
        (self.applications > 0 && self.rejected >= self.applications && tonight >= self.applications).then(|| {
            let runs: Vec<&str> = self.already_issued_by.iter().filter(|(run, _)| self.tonight(run)).map(|(run, _)| run.as_str()).collect();
            format!(
                "nothing new was issued: all {} applications were already issued tonight by run {} (that run's documents stand; this one adds none)",
                self.applications,
                runs.join(", ")
            )
        })
    }

    /// Before numbering, with only the export's own rejects known: the
    /// batch refused whole when over an explicit limit.
    pub(super) fn refused(&self, max: f64) -> Option<NotDone> {
        self.over(max).then(|| NotDone {
            reason: NotDoneReason::Refused,
            message: format!(
                "batch refused: {} of the {} applications ({:.1}%) were rejected, above max_reject_rate {}{}; nothing was numbered. \
                 Check the export (the reasons are in {}), then run again",
                self.rejected,
                self.applications,
                self.percent(),
                share(max),
                self.looks_like(),
                self.rejects_csv.display()
            ),
        })
    }

    /// After the run (everything valid issued, sealed and published): not
    /// done when nothing was issued, or when more than `max` (the default
    /// when `None`) of the applications were rejected.
    pub(super) fn judge(&self, max: Option<f64>) -> Option<NotDone> {
        if self.applications > 0 && self.counted() >= self.applications {
            return Some(NotDone {
                reason: NotDoneReason::NothingIssued,
                message: format!(
                    "nothing was issued: {} rejected{}. The reasons are in {}",
                    if self.applications == 1 { "the one application was".to_string() } else { format!("all {} applications were", self.applications) },
                    self.looks_like(),
                    self.rejects_csv.display()
                ),
            });
        }
        let limit = max.unwrap_or(DEFAULT_MAX_REJECT_RATE);
        self.over(limit).then(|| NotDone {
            reason: NotDoneReason::RejectLimit,
            message: format!(
                "{} of the {} applications ({:.1}%) were rejected{}, above max_reject_rate {}{}{}; the {} valid ones were issued and sealed. The reasons are in {}",
                self.counted(),
                self.applications,
                self.percent(),
                self.not_counting(),
                share(limit),
                if max.is_none() { " (the default)" } else { "" },
                self.looks_like(),
                self.applications - self.rejected,
                self.rejects_csv.display()
            ),
        })
    }

    /// "; this looks like …" when one cause explains most rejected
    /// applications: villages of another regency, or applications an
    /// earlier run issued. Empty otherwise.
    fn looks_like(&self) -> String {
        let most = |n: usize| n * 2 > self.counted();
        let (already, by) = self.already_issued_by.iter().filter(|(run, _)| !self.tonight(run)).fold((0, None::<(&String, usize)>), |(sum, top), (run, n)| {
            (sum + n, if top.is_some_and(|(_, m)| m >= *n) { top } else { Some((run, *n)) })
        });
        if let Some((run, n)) = by.filter(|_| most(already)) {
            // A run's id begins with its issue date (YYYYMMDD).
            let date = run.get(..8).and_then(|d| NaiveDate::parse_from_str(d, "%Y%m%d").ok());
            let which = if date.is_some_and(|d| Some(d) == self.issue_date.pred_opt()) { "yesterday's export" } else { "an earlier export" };
            let on = date.map(|d| format!(" (issued on {d})")).unwrap_or_default();
            let by = if n < already { format!(", {n} by run {run}{on}, {} by other runs", already - n) } else { format!(" by run {run}{on}") };
            return format!("; this looks like {which} again: {already} of them were already issued{by}");
        }
        let (regency, n) = self.villages_elsewhere();
        if let Some(code) = regency.filter(|_| most(n)) {
            let name = crate::kind::refdata::reference().regency_name(&code).unwrap_or("an unknown regency");
            return format!(
                "; this looks like another regency's export: the villages of {n} of them are in {name} ({code}), not {} ({})",
                self.region.name, self.region.code
            );
        }
        String::new()
    }

    /// The regency most rejected applications' villages lie in, other than
    /// the region's own, and how many applications that is.
    fn villages_elsewhere(&self) -> (Option<String>, usize) {
        let mut by_regency: BTreeMap<&str, usize> = BTreeMap::new();
        for kind in self.rejects {
            let mut seen = std::collections::BTreeSet::new();
            for r in kind.iter().filter(|r| r.rule == Rule::Village) {
                let Some(code) = r.value.get(..4).filter(|c| c.bytes().all(|b| b.is_ascii_digit())) else { continue };
                if code != self.region.code && crate::kind::refdata::reference().regency_name(code).is_some() && seen.insert(r.app) {
                    *by_regency.entry(code).or_default() += 1;
                }
            }
        }
        // Most applications first; the lower code on a tie.
        by_regency.into_iter().fold((None, 0), |(top, m), (code, n)| if n > m { (Some(code.to_string()), n) } else { (top, m) })
    }
}

/// A share as the settings write it, with its percentage: `0.2 (20%)`.
fn share(max: f64) -> String {
    format!("{max} ({:.0}%)", max * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reject(app: usize, rule: Rule, value: &str) -> Reject {
        Reject {
            row: app,
            app,
            application_id: format!("A-{app}"),
            service_point: "MPP".into(),
            source: format!("b.csv:{}", app + 2),
            rule,
            field: "village_code".into(),
            value: value.into(),
            message: String::new(),
        }
    }

    fn night<'a>(apps: usize, rejected: usize, rejects: &'a [&'a [Reject]], by: &'a BTreeMap<String, usize>, region: &'a Region) -> Night<'a> {
        Night {
            applications: apps,
            rejected,
            rejects,
            already_issued_by: by,
            region,
            issue_date: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            rejects_csv: Path::new("out/r/rejects.csv"),
        }
    }

    #[test]
    fn a_night_another_run_of_the_night_issued_whole_is_done_and_said() {
        let region = Region::kediri();
        let list: Vec<Reject> = (0..4).map(|a| reject(a, Rule::AlreadyIssued, "A")).collect();
        let lists = [list.as_slice()];
        let by = BTreeMap::from([("20261123-0dd084b3".to_string(), 4)]);
        let n = night(4, 4, &lists, &by, &region);
        assert!(n.judge(None).is_none(), "that night's work is done");
        let said = n.done_by_another_run().expect("said");
        assert!(said.contains("all 4 applications were already issued tonight by run 20261123-0dd084b3"), "{said}");
        // Yesterday's run: not done, and no such note.
        let by = BTreeMap::from([("20261122-0dd084b3".to_string(), 4)]);
        let n = night(4, 4, &lists, &by, &region);
        assert!(n.judge(None).is_some());
        assert_eq!(n.done_by_another_run(), None);
        // Some new applications issued: no note.
        let by = BTreeMap::from([("20261123-0dd084b3".to_string(), 3)]);
        assert_eq!(night(5, 3, &lists, &by, &region).done_by_another_run(), None);
    }

    #[test]
    fn another_regencys_villages_are_named() {
        let region = Region::kediri();
        let list: Vec<Reject> = (0..10).flat_map(|a| [reject(a, Rule::Village, "3527082004"), reject(a, Rule::ServicePoint, "KEC-X")]).collect();
        let lists = [list.as_slice()];
        let by = BTreeMap::new();
        let n = night(10, 10, &lists, &by, &region).judge(None).unwrap();
        assert_eq!(n.reason, NotDoneReason::NothingIssued);
        assert!(n.message.contains("all 10 applications were rejected"), "{}", n.message);
        assert!(n.message.contains("another regency's export: the villages of 10 of them are in Kabupaten Sampang (3527), not Kabupaten Kediri (3506)"), "{}", n.message);
        assert!(!n.message.contains('\n'));
    }

    #[test]
    fn an_earlier_runs_applications_are_named_with_its_date() {
        let region = Region::kediri();
        let by: BTreeMap<String, usize> = [("20261122-0a1b2c3d".to_string(), 7), ("20261101-ffffffff".to_string(), 1)].into();
        let none: [&[Reject]; 0] = [];
        let n = night(10, 8, &none, &by, &region).judge(Some(0.2)).unwrap();
        assert_eq!(n.reason, NotDoneReason::RejectLimit);
        assert!(n.message.starts_with("8 of the 10 applications (80.0%) were rejected, above max_reject_rate 0.2 (20%);"), "{}", n.message);
        assert!(n.message.contains("yesterday's export again: 8 of them were already issued, 7 by run 20261122-0a1b2c3d (issued on 2026-11-22), 1 by other runs"), "{}", n.message);
        assert!(n.message.contains("the 2 valid ones were issued and sealed"), "{}", n.message);
    }

    #[test]
    fn applications_another_run_of_this_night_issued_do_not_count() {
        let region = Region::kediri();
        let none: [&[Reject]; 0] = [];
        // A stopped run finished with its own batch: 39 of its 40 were
        // taken over by tonight's corrected export, 1 is issued now.
        let by: BTreeMap<String, usize> = [("20261123-0a1b2c3d".to_string(), 39)].into();
        assert!(night(40, 39, &none, &by, &region).judge(None).is_none());
        // With 30 of yesterday's besides, those count.
        let by: BTreeMap<String, usize> = [("20261123-0a1b2c3d".to_string(), 5), ("20261122-ffffffff".to_string(), 30)].into();
        let n = night(40, 35, &none, &by, &region).judge(None).unwrap();
        assert!(n.message.starts_with("30 of the 40 applications (75.0%) were rejected (not counting 5 already issued by another run of this night)"), "{}", n.message);
        assert!(n.message.contains("yesterday's export again: 30 of them were already issued by run 20261122-ffffffff"), "{}", n.message);
    }

    #[test]
    fn the_default_limit_and_a_normal_night() {
        let region = Region::kediri();
        let by = BTreeMap::new();
        let none: [&[Reject]; 0] = [];
        assert!(night(100, 50, &none, &by, &region).judge(None).is_none(), "half is not over half");
        let n = night(100, 51, &none, &by, &region).judge(None).unwrap();
        assert!(n.message.contains("above max_reject_rate 0.5 (50%) (the default);"), "{}", n.message);
        assert!(!n.message.contains("looks like"), "no cause explains them: {}", n.message);
        assert!(night(100, 99, &none, &by, &region).judge(Some(1.0)).is_none(), "1 turns the limit off");
        assert_eq!(night(1, 1, &none, &by, &region).judge(Some(1.0)).unwrap().reason, NotDoneReason::NothingIssued);
        assert!(night(0, 0, &none, &by, &region).judge(None).is_none());
        assert!(night(10, 3, &none, &by, &region).refused(0.2).unwrap().message.starts_with("batch refused: 3 of the 10 applications (30.0%)"));
    }
}
