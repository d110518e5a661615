//! Which labels the analysis can assess. A label without validated performance (the analysis
//! card lists it under `not_assessed`, or a contributing model's card does not name it in
//! `validated_labels`) is never reported: it gets no verdict, no predicted slice, no mask
//! pixel and no volume, and every output says "not assessed" with the reason.

use serde::{Deserialize, Serialize};

use super::result::Labels;
use crate::model::card::{AnalysisCard, ModelCard, LABELS};

/// Whether one label is assessed, and why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelStatus {
    pub assessed: bool,
    /// Why the label is not assessed (absent when it is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Default for LabelStatus {
    fn default() -> Self {
        LabelStatus::assessed()
    }
}

impl LabelStatus {
    pub fn assessed() -> Self {
        LabelStatus {
            assessed: true,
            reason: None,
        }
    }

    pub fn not_assessed(reason: impl Into<String>) -> Self {
        LabelStatus {
            assessed: false,
            reason: Some(reason.into()),
        }
    }

    /// "not assessed (no training cases)", for panels and reports; `None` when assessed.
    pub fn text(&self) -> Option<String> {
        if self.assessed {
            return None;
        }
        Some(match &self.reason {
            Some(r) => format!("not assessed ({r})"),
            None => "not assessed".to_string(),
        })
    }
}

/// The status of every label, given the analysis card and the cards of the models whose
/// outputs reach the result (the segmenter always; the classifier when it weighs in the slice
/// score or chooses the slices, as in the cascade). The analysis card's reasons come first.
pub fn label_status(card: &AnalysisCard, contributing: &[&ModelCard]) -> Labels<LabelStatus> {
    let mut out: [LabelStatus; 6] = Default::default();
    for (i, label) in LABELS.iter().enumerate() {
        if let Some(reason) = card.not_assessed.get(*label) {
            out[i] = LabelStatus::not_assessed(reason.clone());
            continue;
        }
        for m in contributing {
            let validated = m
                .validated_labels
                .as_ref()
                .is_some_and(|v| v.iter().any(|l| l == label));
            if !validated {
                out[i] = LabelStatus::not_assessed(format!("not validated by {}", m.name));
                break;
            }
        }
    }
    // Without "any" there is no haemorrhage assessment at all: nor of its subtypes.
    if !out[0].assessed {
        let reason = out[0].reason.clone().unwrap_or_default();
        for s in out[1..].iter_mut() {
            if s.assessed {
                *s = LabelStatus::not_assessed(reason.clone());
            }
        }
    }
    Labels::from_array(out)
}

/// The cards of the models whose outputs reach the result: the segmenter, and the classifier
/// when its slice-score weight is positive or the cascade lets it choose the slices.
pub fn contributing<'a>(
    classifier: &'a ModelCard,
    segmenter: &'a ModelCard,
    card: &AnalysisCard,
    cascade: bool,
) -> Vec<&'a ModelCard> {
    let mut v = vec![segmenter];
    if cascade || card.slice_score.classifier_weight > 0.0 {
        v.push(classifier);
    }
    v
}

/// The assessed flags in `LABELS` order.
pub fn assessed_flags(status: &Labels<LabelStatus>) -> [bool; 6] {
    status.as_refs().map(|s| s.assessed)
}

/// The mask codes (1..=5) a segmenter may write: the subtypes that are assessed. Code 0
/// (background) is always allowed. Index = code.
pub fn allowed_codes(assessed: &[bool; 6]) -> [bool; 6] {
    let mut allowed = *assessed;
    allowed[0] = true;
    allowed
}

/// Set to background every label code that `allowed` (see [`allowed_codes`]) does not allow.
pub fn clear_disallowed(labels: &mut [u8], allowed: &[bool; 6]) {
    if allowed.iter().all(|a| *a) {
        return;
    }
    for v in labels.iter_mut() {
        if !allowed.get(usize::from(*v)).copied().unwrap_or(true) {
            *v = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::shipped;

    fn cards() -> (AnalysisCard, ModelCard, ModelCard) {
        (
            AnalysisCard::from_json(shipped::ANALYSIS_CARD).unwrap(),
            ModelCard::from_json(shipped::CLASSIFIER_CARD).unwrap(),
            ModelCard::from_json(shipped::SEGMENTER_CARD).unwrap(),
        )
    }

    #[test]
    fn the_shipped_analysis_does_not_assess_epidural() {
        let (card, _, seg) = cards();
        let s = label_status(&card, &[&seg]);
        assert!(!s.epidural.assessed);
        assert_eq!(
            s.epidural.text().as_deref(),
            Some("not assessed (too few training cases)")
        );
        for l in [
            &s.any,
            &s.intraparenchymal,
            &s.intraventricular,
            &s.subarachnoid,
            &s.subdural,
        ] {
            assert!(l.assessed, "{l:?}");
        }
    }

    #[test]
    fn a_card_without_validated_labels_validates_nothing() {
        let (card, _, mut seg) = cards();
        seg.validated_labels = None;
        seg.name = "my-segmenter".into();
        let s = label_status(&card, &[&seg]);
        assert_eq!(
            s.any.text().as_deref(),
            Some("not assessed (not validated by my-segmenter)")
        );
        // the analysis card's reason comes first
        assert_eq!(s.epidural.reason.as_deref(), Some("too few training cases"));
        seg.validated_labels = Some(vec!["any".into(), "subdural".into()]);
        let s = label_status(&card, &[&seg]);
        assert_eq!(assessed_flags(&s), [true, false, false, false, false, true]);
    }

    #[test]
    fn every_contributing_card_must_validate_a_label() {
        let (card, mut cls, seg) = cards();
        cls.validated_labels = Some(vec!["any".into()]);
        let s = label_status(&card, &[&seg, &cls]);
        assert_eq!(
            assessed_flags(&s),
            [true, false, false, false, false, false]
        );
        assert_eq!(
            s.subdural.reason.as_deref(),
            Some("not validated by hemoscope-classifier")
        );
    }

    #[test]
    fn background_is_always_an_allowed_code() {
        assert_eq!(
            allowed_codes(&[false, false, true, true, true, true]),
            [true, false, true, true, true, true]
        );
    }
}
