//! The dataset gallery's decisions, without the browser: where each case is, which case is
//! being fetched and which is shown, what a case's arrival leads to (show, analyse, or its
//! earlier results again), and "Analyse all", which chains the cases one after the other
//! through every outcome (a result, a failure, a case that cannot be opened) until the end
//! or Cancel.

use std::collections::VecDeque;

/// Where a case is (`state().dataset.cases[].status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseStatus {
    Pending,
    Loading,
    Open,
    Analysing,
    Analysed,
    Error,
}

impl CaseStatus {
    /// The name in the automation contract.
    pub fn name(self) -> &'static str {
        match self {
            CaseStatus::Pending => "pending",
            CaseStatus::Loading => "loading",
            CaseStatus::Open => "open",
            CaseStatus::Analysing => "analysing",
            CaseStatus::Analysed => "analysed",
            CaseStatus::Error => "error",
        }
    }
}

/// What opening a case's volume leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// Not a dataset case, or one to show without analysing.
    Show,
    /// Analyse it now ("analyse all", or a case opened to be analysed).
    Analyse,
    /// Its earlier results are shown again: nothing to run.
    Restored,
}

/// How an analysis of the shown case ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A result (compared with the case's truth when it has one).
    Result,
    /// A result that could not be compared with the case's truth.
    Incomparable(String),
    /// Cancelled by the user: ends "Analyse all".
    Cancelled,
    /// No result (the message says why); "Analyse all" goes on.
    Failed(Option<String>),
}

/// "Analyse all": the cases left and how far it got.
#[derive(Debug, Clone)]
pub struct Walk {
    queue: VecDeque<usize>,
    pub total: usize,
    pub done: usize,
}

/// Every case's status and the gallery's place in them.
#[derive(Debug, Clone)]
pub struct Cases {
    status: Vec<CaseStatus>,
    error: Vec<Option<String>>,
    /// The case being fetched or decoded, and whether to analyse it when it arrives.
    pending: Option<(usize, bool)>,
    /// The case shown in the viewer.
    current: Option<usize>,
    walk: Option<Walk>,
}

impl Cases {
    /// `n` cases, none opened.
    pub fn new(n: usize) -> Self {
        Cases {
            status: vec![CaseStatus::Pending; n],
            error: vec![None; n],
            pending: None,
            current: None,
            walk: None,
        }
    }

    pub fn status(&self, i: usize) -> CaseStatus {
        self.status.get(i).copied().unwrap_or(CaseStatus::Pending)
    }

    /// Why case `i` could not be opened or analysed.
    pub fn error(&self, i: usize) -> Option<&str> {
        self.error.get(i).and_then(|e| e.as_deref())
    }

    /// The case shown in the viewer.
    pub fn current(&self) -> Option<usize> {
        self.current
    }

    /// The case being fetched or decoded.
    pub fn pending(&self) -> Option<usize> {
        self.pending.map(|p| p.0)
    }

    pub fn walk(&self) -> Option<&Walk> {
        self.walk.as_ref()
    }

    fn set(&mut self, i: usize, status: CaseStatus, error: Option<String>) {
        if let (Some(s), Some(e)) = (self.status.get_mut(i), self.error.get_mut(i)) {
            *s = status;
            *e = error;
        }
    }

    /// Case `idx` is being fetched; analyse it when it arrives if `analyse`.
    pub fn opening(&mut self, idx: usize, analyse: bool) {
        self.pending = Some((idx, analyse));
        self.set(idx, CaseStatus::Loading, None);
    }

    /// Whether case `idx`'s files are still wanted (no other case was asked for since).
    pub fn still_wanted(&self, idx: usize) -> bool {
        self.pending() == Some(idx)
    }

    /// The viewer shows a new volume: the pending case, as (index, to analyse), or None when
    /// it is not a dataset case (a file the user opened).
    pub fn arrived(&mut self) -> Option<(usize, bool)> {
        let Some((idx, analyse)) = self.pending.take() else {
            self.current = None;
            return None;
        };
        self.current = Some(idx);
        self.set(idx, CaseStatus::Open, None);
        Some((idx, analyse))
    }

    /// What the arrived case leads to: its kept results (`kept_fits`: made with the models in
    /// use, on this grid) are shown again unless "Analyse all" runs, which analyses afresh.
    pub fn decide(&mut self, idx: usize, analyse: bool, kept_fits: bool) -> Opened {
        let walking = self.walk.is_some();
        if kept_fits && !walking {
            self.set(idx, CaseStatus::Analysed, None);
            Opened::Restored
        } else if analyse || walking {
            self.set(idx, CaseStatus::Analysing, None);
            Opened::Analyse
        } else {
            Opened::Show
        }
    }

    /// The shown case's analysis ended: its status, and the next case of "Analyse all" to
    /// open (and analyse), if any.
    pub fn analysis_ended(&mut self, outcome: Outcome) -> Option<usize> {
        let current = self.current;
        match outcome {
            // A result without a case shown is not the gallery's (a file the user opened).
            Outcome::Result | Outcome::Incomparable(_) if current.is_none() => return None,
            Outcome::Result => self.mark_current(CaseStatus::Analysed, None),
            Outcome::Incomparable(e) => self.mark_current(CaseStatus::Error, Some(e)),
            Outcome::Failed(m) => self.mark_current(
                CaseStatus::Error,
                Some(m.unwrap_or_else(|| "the analysis failed".into())),
            ),
            Outcome::Cancelled => {
                self.mark_current(CaseStatus::Open, None);
                self.walk = None;
                return None;
            }
        }
        self.next_in_walk()
    }

    /// Set the shown case's status, and its error when one is given.
    fn mark_current(&mut self, status: CaseStatus, error: Option<String>) {
        let Some(i) = self.current else {
            return;
        };
        if let Some(s) = self.status.get_mut(i) {
            *s = status;
        }
        if let (Some(e), Some(slot)) = (error, self.error.get_mut(i)) {
            *slot = Some(e);
        }
    }

    /// Fetching or decoding the pending case failed: its error, and the next case of
    /// "Analyse all", if any.
    pub fn load_failed(&mut self, message: Option<String>) -> Option<usize> {
        let (idx, _) = self.pending.take()?;
        self.set(
            idx,
            CaseStatus::Error,
            Some(message.unwrap_or_else(|| "could not be opened".into())),
        );
        self.next_in_walk()
    }

    /// "Analyse all" over the shown cases in display order: the first to open, if any.
    pub fn analyse_all(&mut self, shown_in_order: &[usize]) -> Option<usize> {
        let mut queue: VecDeque<usize> = shown_in_order.iter().copied().collect();
        let total = queue.len();
        let first = queue.pop_front()?;
        self.walk = Some(Walk {
            queue,
            total,
            done: 0,
        });
        Some(first)
    }

    /// Stop "Analyse all"; the case being fetched goes back to pending.
    pub fn cancel_all(&mut self) {
        self.walk = None;
        if let Some((idx, _)) = self.pending.take() {
            self.set(idx, CaseStatus::Pending, None);
        }
    }

    /// Count the case just finished and take the next one of the walk (ending it when done).
    fn next_in_walk(&mut self) -> Option<usize> {
        let w = self.walk.as_mut()?;
        w.done += 1;
        let next = w.queue.pop_front();
        if next.is_none() {
            self.walk = None;
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Open case `idx` as the gallery does and let it arrive.
    fn open(c: &mut Cases, idx: usize, analyse: bool, kept_fits: bool) -> Opened {
        c.opening(idx, analyse);
        assert_eq!(c.status(idx), CaseStatus::Loading);
        let (i, a) = c.arrived().expect("a case");
        assert_eq!(i, idx);
        c.decide(i, a, kept_fits)
    }

    #[test]
    fn a_clicked_case_is_shown_an_analysed_one_restored_a_requested_one_analysed() {
        let mut c = Cases::new(3);
        assert_eq!(open(&mut c, 0, false, false), Opened::Show);
        assert_eq!(c.status(0), CaseStatus::Open);
        assert_eq!(c.current(), Some(0));
        assert_eq!(open(&mut c, 1, true, false), Opened::Analyse);
        assert_eq!(c.status(1), CaseStatus::Analysing);
        assert_eq!(c.analysis_ended(Outcome::Result), None);
        assert_eq!(c.status(1), CaseStatus::Analysed);
        assert_eq!(open(&mut c, 1, false, true), Opened::Restored);
        assert_eq!(c.status(1), CaseStatus::Analysed);
    }

    #[test]
    fn a_file_opened_by_the_user_is_not_a_case() {
        let mut c = Cases::new(2);
        open(&mut c, 0, false, false);
        assert_eq!(c.arrived(), None);
        assert_eq!(c.current(), None);
        assert_eq!(c.analysis_ended(Outcome::Result), None);
    }

    #[test]
    fn a_late_fetch_of_a_case_no_longer_wanted_is_dropped() {
        let mut c = Cases::new(3);
        c.opening(0, false);
        c.opening(2, false);
        assert!(!c.still_wanted(0));
        assert!(c.still_wanted(2));
    }

    #[test]
    fn analyse_all_goes_through_every_outcome_to_the_end() {
        let mut c = Cases::new(4);
        // Case 1 was analysed before: "Analyse all" analyses it afresh anyway.
        assert_eq!(open(&mut c, 1, true, false), Opened::Analyse);
        c.analysis_ended(Outcome::Result);
        let first = c.analyse_all(&[3, 1, 0, 2]);
        assert_eq!(first, Some(3));
        assert_eq!(c.walk().map(|w| (w.done, w.total)), Some((0, 4)));
        assert_eq!(open(&mut c, 3, true, false), Opened::Analyse);
        assert_eq!(c.analysis_ended(Outcome::Result), Some(1));
        assert_eq!(open(&mut c, 1, true, true), Opened::Analyse, "not restored");
        assert_eq!(
            c.analysis_ended(Outcome::Failed(Some("worker crashed".into()))),
            Some(0)
        );
        assert_eq!(c.status(1), CaseStatus::Error);
        assert_eq!(c.error(1), Some("worker crashed"));
        c.opening(0, true);
        assert_eq!(c.load_failed(None), Some(2));
        assert_eq!(c.error(0), Some("could not be opened"));
        assert_eq!(open(&mut c, 2, true, false), Opened::Analyse);
        assert_eq!(
            c.analysis_ended(Outcome::Incomparable("other grid".into())),
            None
        );
        assert_eq!(c.status(2), CaseStatus::Error);
        assert!(c.walk().is_none(), "the walk ends after the last case");
    }

    #[test]
    fn cancel_ends_the_walk() {
        let mut c = Cases::new(3);
        assert_eq!(c.analyse_all(&[0, 1, 2]), Some(0));
        open(&mut c, 0, true, false);
        assert_eq!(c.analysis_ended(Outcome::Cancelled), None);
        assert_eq!(c.status(0), CaseStatus::Open);
        assert!(c.walk().is_none());

        let mut c = Cases::new(3);
        c.analyse_all(&[0, 1, 2]);
        c.opening(0, true);
        c.cancel_all();
        assert_eq!(c.status(0), CaseStatus::Pending);
        assert_eq!(c.pending(), None);
        assert!(c.walk().is_none());
        assert_eq!(c.load_failed(None), None, "nothing was pending");
    }

    #[test]
    fn nothing_to_walk_over() {
        let mut c = Cases::new(2);
        assert_eq!(c.analyse_all(&[]), None);
        assert!(c.walk().is_none());
    }

    #[test]
    fn a_reopened_case_forgets_its_old_error() {
        let mut c = Cases::new(1);
        c.opening(0, false);
        c.load_failed(Some("404".into()));
        assert_eq!(c.error(0), Some("404"));
        open(&mut c, 0, false, false);
        assert_eq!(c.error(0), None);
    }
}
