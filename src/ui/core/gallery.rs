//! The dataset gallery's choices about its cases: which a filter shows, in which order (the
//! analysed cases, worst first), and what each case's line says. The view draws them.

use serde_json::Value;

use crate::dataset::{Case, Comparison};
use crate::ui::core::cases::CaseStatus;

/// What the gallery keeps of a case's comparison with its ground truth.
#[derive(Debug, Clone)]
pub struct Summary {
    pub dice: Value,
    pub dice_any: Option<f64>,
    pub slice_agreement: Option<f64>,
    pub correct: Option<bool>,
    pub wrong_labels: Vec<String>,
    pub wrongness: f64,
}

impl Summary {
    pub fn of(c: &Comparison) -> Summary {
        Summary {
            dice: serde_json::to_value(c.dice).unwrap_or(Value::Null),
            dice_any: c.dice.any,
            slice_agreement: c.slice_agreement,
            correct: c.case.correct,
            wrong_labels: c.case.wrong_labels.clone(),
            wrongness: c.wrongness(),
        }
    }

    /// The case verdict or a subtype is wrong.
    pub fn is_wrong(&self) -> bool {
        self.correct == Some(false) || !self.wrong_labels.is_empty()
    }
}

/// Whether `filter` (the select's value: "all", "negative", "wrong" or a label name) shows
/// the case.
pub fn matches(filter: &str, case: &Case, summary: Option<&Summary>) -> bool {
    match filter {
        "" | "all" => true,
        "negative" => case.known_labels()[0] == Some(false),
        "wrong" => summary.is_some_and(Summary::is_wrong),
        label => case.positive_labels().contains(&label),
    }
}

/// Display order: the analysed cases by wrongness, worst first (ties in manifest order), then
/// the others in manifest order.
pub fn display_order(summaries: &[Option<&Summary>]) -> Vec<usize> {
    let mut analysed: Vec<usize> = (0..summaries.len())
        .filter(|&i| summaries[i].is_some())
        .collect();
    let wrongness = |i: usize| summaries[i].map_or(0.0, |s| s.wrongness);
    analysed.sort_by(|&a, &b| wrongness(b).total_cmp(&wrongness(a)).then(a.cmp(&b)));
    let rest = (0..summaries.len()).filter(|&i| summaries[i].is_none());
    analysed.into_iter().chain(rest).collect()
}

/// A case's result line and its CSS class.
pub fn result_line(
    status: CaseStatus,
    summary: Option<&Summary>,
    error: Option<&str>,
) -> (String, &'static str) {
    let text = match (status, summary, error) {
        (_, _, Some(err)) => format!("error: {err}"),
        (CaseStatus::Loading, _, _) => "loading…".to_string(),
        (CaseStatus::Analysing, _, _) => "analysing…".to_string(),
        (_, Some(s), _) => {
            let verdict = match s.correct {
                Some(true) if s.wrong_labels.is_empty() => "right",
                Some(true) => "subtype wrong",
                Some(false) => "WRONG",
                None => "no case truth",
            };
            let dice = s
                .dice_any
                .map(|d| format!("Dice {d:.2}"))
                .unwrap_or_else(|| "Dice –".into());
            format!("{verdict}, {dice}")
        }
        _ => "not analysed".to_string(),
    };
    let class = match (summary, error) {
        (_, Some(_)) => "case-result error",
        (Some(s), _) if s.is_wrong() => "case-result wrong",
        (Some(_), _) => "case-result right",
        _ => "case-result",
    };
    (text, class)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::demo;

    fn summary(correct: Option<bool>, wrong: &[&str], wrongness: f64) -> Summary {
        Summary {
            dice: Value::Null,
            dice_any: Some(0.8123),
            slice_agreement: Some(0.9),
            correct,
            wrong_labels: wrong.iter().map(|s| s.to_string()).collect(),
            wrongness,
        }
    }

    #[test]
    fn filters_by_label_negative_and_wrong() {
        let manifest = demo::manifest(&demo::volumes());
        let cases = &manifest.cases;
        let normal = cases
            .iter()
            .position(|c| c.positive_labels().is_empty())
            .expect("a normal case");
        let sdh = cases
            .iter()
            .position(|c| c.positive_labels().contains(&"subdural"))
            .expect("a subdural case");
        assert!(matches("all", &cases[normal], None));
        assert!(matches("", &cases[sdh], None));
        assert!(matches("negative", &cases[normal], None));
        assert!(!matches("negative", &cases[sdh], None));
        assert!(matches("subdural", &cases[sdh], None));
        assert!(!matches("subdural", &cases[normal], None));
        let wrong = summary(Some(false), &[], 1.0);
        let subtype = summary(Some(true), &["subarachnoid"], 0.5);
        let right = summary(Some(true), &[], 0.0);
        assert!(matches("wrong", &cases[sdh], Some(&wrong)));
        assert!(matches("wrong", &cases[sdh], Some(&subtype)));
        assert!(!matches("wrong", &cases[sdh], Some(&right)));
        assert!(
            !matches("wrong", &cases[sdh], None),
            "not analysed is not wrong"
        );
    }

    #[test]
    fn analysed_cases_come_first_worst_first_the_rest_in_manifest_order() {
        let (a, b, c) = (
            summary(Some(true), &[], 0.1),
            summary(Some(false), &[], 2.0),
            summary(Some(true), &[], 0.1),
        );
        let order = display_order(&[None, Some(&a), None, Some(&b), Some(&c)]);
        assert_eq!(order, vec![3, 1, 4, 0, 2]);
        assert_eq!(display_order(&[None, None]), vec![0, 1]);
    }

    #[test]
    fn each_case_line_says_where_it_is_and_how_it_went() {
        let right = summary(Some(true), &[], 0.0);
        let subtype = summary(Some(true), &["subdural"], 0.4);
        let wrong = summary(Some(false), &[], 1.0);
        let no_truth = summary(None, &[], 0.0);
        assert_eq!(
            result_line(CaseStatus::Analysed, Some(&right), None),
            ("right, Dice 0.81".to_string(), "case-result right")
        );
        assert_eq!(
            result_line(CaseStatus::Analysed, Some(&subtype), None),
            ("subtype wrong, Dice 0.81".to_string(), "case-result wrong")
        );
        assert_eq!(
            result_line(CaseStatus::Analysed, Some(&wrong), None).1,
            "case-result wrong"
        );
        assert!(result_line(CaseStatus::Analysed, Some(&wrong), None)
            .0
            .starts_with("WRONG"));
        assert!(result_line(CaseStatus::Analysed, Some(&no_truth), None)
            .0
            .starts_with("no case truth"));
        assert_eq!(
            result_line(CaseStatus::Loading, Some(&right), None).0,
            "loading…",
            "a case being reopened says so"
        );
        assert_eq!(
            result_line(CaseStatus::Analysing, None, None).0,
            "analysing…"
        );
        assert_eq!(
            result_line(CaseStatus::Pending, None, Some("no such file")),
            ("error: no such file".to_string(), "case-result error")
        );
        assert_eq!(
            result_line(CaseStatus::Pending, None, None),
            ("not analysed".to_string(), "case-result")
        );
    }
}
