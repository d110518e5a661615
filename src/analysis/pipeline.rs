//! The whole-scan analysis: both models over every slice, scores, verdicts, mask, volumes.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::assemble::{assemble, model_versions};
use super::cascade::{self, Cascade};
use super::orient::ModelView;
use super::result::AnalysisResult;
use super::result::Labels;
use super::scores::{fuse, label_probabilities, segmenter_max};
pub use super::slice_positions;
use super::status::{allowed_codes, assessed_flags, contributing, label_status, LabelStatus};
use super::tissue;
use crate::model::card::{AnalysisCard, ModelCard};
use crate::model::plan::Plan;
use crate::model::preprocess::{axis, preprocess_slice};
use crate::model::shipped;
use crate::model::validate::ValidatedModel;
use crate::model::ModelRole;
use crate::{Error, Result, Volume};

/// A model and its card. Its tract plan is built (optimised and self-tested with the card's
/// known-answer test vector) at once by [`LoadedModel::load`], or on first use by
/// [`LoadedModel::deferred`]: a model whose output the analysis does not use (the classifier,
/// unless it weighs in the slice score or the cascade runs) then costs nothing.
pub struct LoadedModel {
    pub card: ModelCard,
    plan: OnceLock<Plan>,
    /// The ONNX bytes, kept until the plan is built.
    onnx: Vec<u8>,
}

impl LoadedModel {
    /// Load, optimise and self-test (known-answer test vector) one model.
    pub fn load(card_json: &str, onnx: &[u8]) -> Result<Self> {
        let card = ModelCard::from_json(card_json)?;
        let plan = Plan::load(onnx, &card)?;
        plan.self_test(&card)?;
        Ok(LoadedModel {
            card,
            plan: OnceLock::from(plan),
            onnx: Vec::new(),
        })
    }

    /// Check the card now; build and self-test the plan on first use.
    pub fn deferred(card_json: &str, onnx: &[u8]) -> Result<Self> {
        Ok(LoadedModel {
            card: ModelCard::from_json(card_json)?,
            plan: OnceLock::new(),
            onnx: onnx.to_vec(),
        })
    }

    /// Whether the plan has been built (and passed its self-test).
    pub fn is_built(&self) -> bool {
        self.plan.get().is_some()
    }

    /// The plan, built and self-tested now if it was deferred.
    pub fn plan(&self) -> Result<&Plan> {
        if let Some(p) = self.plan.get() {
            return Ok(p);
        }
        let plan = Plan::load(&self.onnx, &self.card)?;
        plan.self_test(&self.card)?;
        Ok(self.plan.get_or_init(|| plan))
    }
}

impl From<ValidatedModel> for LoadedModel {
    fn from(v: ValidatedModel) -> Self {
        LoadedModel {
            card: v.card,
            plan: OnceLock::from(v.plan),
            onnx: Vec::new(),
        }
    }
}

/// What the cascade did on one volume.
#[derive(Debug, Clone, Default)]
pub struct CascadeStats {
    /// Slices the segmenter ran on.
    pub segmented: usize,
    /// Slices in the volume.
    pub total: usize,
}

/// Both models and the analysis card.
pub struct Analyzer {
    pub classifier: LoadedModel,
    pub segmenter: LoadedModel,
    pub card: AnalysisCard,
}

/// One slice's output.
pub struct SliceOutput {
    /// Slice scores per label (`LABELS` order).
    pub scores: [f32; 6],
    /// Label map on the slice grid (row-major, codes 0..=5).
    pub labels: Vec<u8>,
    pub ms_preprocess: f64,
    pub ms_classifier: f64,
    pub ms_segmenter: f64,
    pub ms_postprocess: f64,
}

#[cfg(not(target_arch = "wasm32"))]
fn now_ms() -> f64 {
    use std::sync::OnceLock;
    static START: OnceLock<std::time::Instant> = OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_secs_f64()
        * 1000.0
}

#[cfg(target_arch = "wasm32")]
fn now_ms() -> f64 {
    js_sys::Date::now()
}

impl Analyzer {
    /// The models compiled into this build (self-tested).
    pub fn shipped() -> Result<Self> {
        Self::new(
            shipped::CLASSIFIER_CARD,
            shipped::CLASSIFIER_ONNX,
            shipped::SEGMENTER_CARD,
            shipped::SEGMENTER_ONNX,
            shipped::ANALYSIS_CARD,
        )
    }

    /// Models from card JSON and ONNX bytes. The segmenter is built and self-tested now; the
    /// classifier too when its slice-score weight is positive, else on first use (the
    /// cascade), so a plain analysis never pays for a model whose output it does not use.
    pub fn new(
        classifier_card: &str,
        classifier_onnx: &[u8],
        segmenter_card: &str,
        segmenter_onnx: &[u8],
        analysis_card: &str,
    ) -> Result<Self> {
        let card = AnalysisCard::from_json(analysis_card)?;
        let classifier = if card.slice_score.classifier_weight > 0.0 {
            LoadedModel::load(classifier_card, classifier_onnx)?
        } else {
            LoadedModel::deferred(classifier_card, classifier_onnx)?
        };
        let segmenter = LoadedModel::load(segmenter_card, segmenter_onnx)?;
        let s = &segmenter.card.onnx.output.shape;
        if s.len() != 4 || s[1] != 6 {
            return Err(Error::Model(format!(
                "the segmenter must output 6 channels (N, 6, H, W), its card says {s:?}"
            )));
        }
        Ok(Analyzer {
            classifier,
            segmenter,
            card,
        })
    }

    /// Replace the classifier or the segmenter by a validated (user) model.
    pub fn replace(&mut self, model: ValidatedModel) {
        match model.role {
            ModelRole::Classifier => self.classifier = model.into(),
            ModelRole::Segmenter => self.segmenter = model.into(),
        }
    }

    /// Which labels this analysis assesses (`cascade`: the classifier chooses the slices).
    pub fn label_status(&self, cascade: bool) -> Labels<LabelStatus> {
        label_status(
            &self.card,
            &contributing(
                &self.classifier.card,
                &self.segmenter.card,
                &self.card,
                cascade,
            ),
        )
    }

    /// Whether the classifier contributes to the slice scores.
    pub fn uses_classifier(&self) -> bool {
        self.card.slice_score.classifier_weight > 0.0
    }

    /// The classifier's per-label probabilities (sigmoid of its logits) for one slice.
    pub fn classify_slice(&self, hu: &[i16], rows: usize, cols: usize) -> Result<[f32; 6]> {
        let x = preprocess_slice(hu, rows, cols, &self.classifier.card.preprocessing)?;
        let logits = self.classifier.plan()?.run(x)?;
        Ok(label_probabilities(&logits))
    }

    /// Analyse one slice (row-major HU, display orientation).
    pub fn analyze_slice(&self, hu: &[i16], rows: usize, cols: usize) -> Result<SliceOutput> {
        self.analyze_slice_given(hu, rows, cols, None)
    }

    /// Analyse one slice whose classifier probabilities may already be known (the cascade ran
    /// the classifier first); the classifier runs here only when it is needed and not given.
    pub fn analyze_slice_given(
        &self,
        hu: &[i16],
        rows: usize,
        cols: usize,
        classified: Option<[f32; 6]>,
    ) -> Result<SliceOutput> {
        let t0 = now_ms();
        let pre = &self.segmenter.card.preprocessing;
        let x = preprocess_slice(hu, rows, cols, pre)?;
        let t1 = now_ms();
        let cls = match classified {
            Some(p) => Some(p),
            None if self.uses_classifier() => {
                let xc = if self.classifier.card.preprocessing == *pre {
                    x.clone()
                } else {
                    preprocess_slice(hu, rows, cols, &self.classifier.card.preprocessing)?
                };
                let logits = self.classifier.plan()?.run(xc)?;
                Some(label_probabilities(&logits))
            }
            None => None,
        };
        let t2 = now_ms();
        let (seg, head) = self.segmenter.plan()?.run_with_slice_output(x)?;
        let t3 = now_ms();
        let shape = &self.segmenter.card.onnx.output.shape;
        let (h, w) = (shape[2], shape[3]);
        let seg_scores = segmenter_max(&seg, 6);
        let head_weight = self.card.slice_score.head_weight;
        // The classifier's probabilities count only with a positive weight (the cascade passes
        // them in to choose slices even when they do not count).
        let scores = match (cls.filter(|_| self.uses_classifier()), head) {
            (Some(c), _) => fuse(
                Some(&c),
                &seg_scores,
                self.card.slice_score.classifier_weight,
            ),
            (None, Some(head)) if head_weight > 0.0 => {
                fuse(Some(&label_probabilities(&head)), &seg_scores, head_weight)
            }
            // a segmenter without the head (a user's) is scored by its maximum alone
            (None, _) => seg_scores,
        };
        let allowed = allowed_codes(&assessed_flags(&self.label_status(false)));
        let labels = upsampled_argmax(&seg, 6, h, w, rows, cols, &allowed);
        let t4 = now_ms();
        Ok(SliceOutput {
            scores,
            labels,
            ms_preprocess: t1 - t0,
            ms_classifier: t2 - t1,
            ms_segmenter: t3 - t2,
            ms_postprocess: t4 - t3,
        })
    }

    /// Analyse every slice of a volume. Returns the result and the label mask on the
    /// volume's grid (i fastest).
    pub fn analyze(&self, volume: &Volume) -> Result<(AnalysisResult, Vec<u8>)> {
        let [nx, ny, nz] = volume.dims;
        let view = ModelView::of(volume)?;
        let (rows, cols) = view.rows_cols();
        let mut mask = Vec::with_capacity(nx * ny * nz);
        let mut scores = Vec::with_capacity(nz);
        let mut t = BTreeMap::<String, f64>::new();
        let start = now_ms();
        let brain = tissue::slices_with_brain(volume);
        for (k, &brain) in brain.iter().enumerate() {
            if !brain {
                mask.resize(mask.len() + nx * ny, 0);
                scores.push(None);
                continue;
            }
            let out = self.analyze_slice(&view.slice(volume, k), rows, cols)?;
            *t.entry("preprocess".into()).or_default() += out.ms_preprocess;
            *t.entry("classifier".into()).or_default() += out.ms_classifier;
            *t.entry("segmenter".into()).or_default() += out.ms_segmenter;
            *t.entry("postprocess".into()).or_default() += out.ms_postprocess;
            mask.extend_from_slice(&view.to_stored(&out.labels));
            scores.push(Some(out.scores));
        }
        t.insert("total".into(), now_ms() - start);
        if nz > 0 {
            t.insert("per_slice".into(), (now_ms() - start) / nz as f64);
        }
        let models = model_versions(&self.classifier.card, &self.segmenter.card, &self.card);
        let status = self.label_status(false);
        let result = assemble(volume, &scores, &mut mask, &self.card, status, models, t)?;
        Ok((result, mask))
    }

    /// Analyse a volume with the cascade: the classifier on every slice, the segmenter only on
    /// the flagged slices and their neighbours.
    pub fn analyze_cascade(
        &self,
        volume: &Volume,
        c: &Cascade,
    ) -> Result<(AnalysisResult, Vec<u8>, CascadeStats)> {
        let [nx, ny, nz] = volume.dims;
        let per = nx * ny;
        let view = ModelView::of(volume)?;
        let (rows, cols) = view.rows_cols();
        let mut t = BTreeMap::<String, f64>::new();
        let start = now_ms();
        let brain = tissue::slices_with_brain(volume);
        let mut cls = Vec::with_capacity(nz);
        for (k, &brain) in brain.iter().enumerate() {
            cls.push(if brain {
                self.classify_slice(&view.slice(volume, k), rows, cols)?
            } else {
                [0.0; 6]
            });
        }
        t.insert("classifier".into(), now_ms() - start);
        let any: Vec<f32> = cls.iter().map(|p| p[0]).collect();
        let keep: Vec<bool> = cascade::select(&any, c)
            .into_iter()
            .zip(&brain)
            .map(|(keep, brain)| keep && *brain)
            .collect();
        let w = self.card.slice_score.classifier_weight;
        let mut mask = vec![0u8; per * nz];
        let mut scores = Vec::with_capacity(nz);
        let mut segmented = 0;
        for k in 0..nz {
            if !brain[k] {
                scores.push(None);
                continue;
            }
            if !keep[k] {
                scores.push(Some(cascade::skipped_scores(&cls[k], w)));
                continue;
            }
            let out = self.analyze_slice_given(&view.slice(volume, k), rows, cols, Some(cls[k]))?;
            *t.entry("preprocess".into()).or_default() += out.ms_preprocess;
            *t.entry("segmenter".into()).or_default() += out.ms_segmenter;
            *t.entry("postprocess".into()).or_default() += out.ms_postprocess;
            mask[k * per..(k + 1) * per].copy_from_slice(&view.to_stored(&out.labels));
            scores.push(Some(out.scores));
            segmented += 1;
        }
        t.insert("total".into(), now_ms() - start);
        if nz > 0 {
            t.insert("per_slice".into(), (now_ms() - start) / nz as f64);
        }
        t.insert("cascade_segmented".into(), segmented as f64);
        let mut models = model_versions(&self.classifier.card, &self.segmenter.card, &self.card);
        // The classifier chose the slices, so it contributed whatever its score weight.
        models.insert(
            self.classifier.card.name.clone(),
            self.classifier.card.version.clone(),
        );
        let status = self.label_status(true);
        let result = assemble(volume, &scores, &mut mask, &self.card, status, models, t)?;
        Ok((
            result,
            mask,
            CascadeStats {
                segmented,
                total: nz,
            },
        ))
    }
}

/// Segmenter logits (channels × h × w) → label map on the slice grid (rows × cols): bilinear
/// half-pixel upsampling of every channel
/// ([`crate::model::preprocess::resize_bilinear`]), then argmax (first maximum
/// wins). Fused: each output row is interpolated per channel from its two source rows, then
/// each pixel's channels are interpolated and compared at once, with the same arithmetic in
/// the same order as that resize, so the labels are identical without materialising
/// the upsampled channels. A class whose `allowed` entry is false never wins (a label the
/// analysis does not assess); channel 0 (background) always may, and an empty `allowed`
/// allows every class.
pub fn upsampled_argmax(
    logits: &[f32],
    channels: usize,
    h: usize,
    w: usize,
    rows: usize,
    cols: usize,
    allowed: &[bool],
) -> Vec<u8> {
    let mut labels = vec![0u8; rows * cols];
    if channels == 0
        || h == 0
        || w == 0
        || rows == 0
        || cols == 0
        || logits.len() < channels * h * w
    {
        return labels;
    }
    let ra = axis(h, rows);
    let ca = axis(w, cols);
    // one output row, rows-interpolated, per channel (channels × w)
    let mut line = vec![0f32; channels * w];
    let mut best = vec![0f32; cols];
    for r in 0..rows {
        let (t, b, l) = (ra.i0[r] * w, ra.i1[r] * w, ra.lam[r]);
        let w0 = 1.0 - l;
        for c in 0..channels {
            let src = &logits[c * h * w..(c + 1) * h * w];
            for (x, o) in line[c * w..(c + 1) * w].iter_mut().enumerate() {
                *o = src[t + x] * w0 + src[b + x] * l;
            }
        }
        let out = &mut labels[r * cols..(r + 1) * cols];
        for c in 0..channels {
            if c > 0 && !allowed.get(c).copied().unwrap_or(true) {
                continue;
            }
            let row = &line[c * w..(c + 1) * w];
            for x in 0..cols {
                let lam = ca.lam[x];
                let v = row[ca.i0[x]] * (1.0 - lam) + row[ca.i1[x]] * lam;
                if c == 0 || v > best[x] {
                    best[x] = v;
                    out[x] = c as u8;
                }
            }
        }
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::preprocess::resize_bilinear;

    /// The plain definition: every channel upsampled, then argmax.
    fn reference(
        logits: &[f32],
        ch: usize,
        h: usize,
        w: usize,
        rows: usize,
        cols: usize,
    ) -> Vec<u8> {
        let up: Vec<Vec<f32>> = (0..ch)
            .map(|c| resize_bilinear(&logits[c * h * w..(c + 1) * h * w], h, w, rows, cols))
            .collect();
        (0..rows * cols)
            .map(|px| {
                let mut best = 0usize;
                for c in 1..ch {
                    if up[c][px] > up[best][px] {
                        best = c;
                    }
                }
                best as u8
            })
            .collect()
    }

    #[test]
    fn fused_upsampled_argmax_equals_upsample_then_argmax() {
        let (ch, h, w) = (6, 13, 11);
        let mut state = 12345u32;
        let logits: Vec<f32> = (0..ch * h * w)
            .map(|_| {
                state = state.wrapping_mul(1664525).wrapping_add(1013904223);
                // coarse values so that ties happen too
                ((state >> 24) % 7) as f32 - 3.0
            })
            .collect();
        for (rows, cols) in [(13, 11), (52, 44), (40, 17), (7, 5), (1, 1)] {
            assert_eq!(
                upsampled_argmax(&logits, ch, h, w, rows, cols, &[]),
                reference(&logits, ch, h, w, rows, cols),
                "{rows} × {cols}"
            );
        }
    }

    #[test]
    fn classifier_probabilities_passed_in_do_not_count_at_weight_0() {
        // the cascade passes the classifier's probabilities in; with weight 0 the slice score
        // stays the segmenter's (with its head), as in a plain analysis
        let a = Analyzer::shipped().unwrap();
        assert!(a.card.slice_score.head_weight > 0.0);
        let (v, _) = crate::phantom::demo_case();
        let k = v.dims[2] / 2;
        let (rows, cols) = (v.dims[1], v.dims[0]);
        let plain = a.analyze_slice(v.slice(k), rows, cols).unwrap();
        let given = a
            .analyze_slice_given(v.slice(k), rows, cols, Some([1.0; 6]))
            .unwrap();
        assert_eq!(plain.scores, given.scores);
        assert_eq!(plain.labels, given.labels);
    }

    #[test]
    fn the_unused_classifier_is_built_only_when_first_needed() {
        let a = Analyzer::shipped().unwrap();
        assert_eq!(a.card.slice_score.classifier_weight, 0.0);
        assert!(a.segmenter.is_built());
        assert!(
            !a.classifier.is_built(),
            "weight 0: no plan, no self-test yet"
        );
        let hu = vec![40i16; 64 * 64];
        a.analyze_slice(&hu, 64, 64).unwrap();
        assert!(
            !a.classifier.is_built(),
            "a plain analysis does not need it"
        );
        let p = a.classify_slice(&hu, 64, 64).unwrap();
        assert!(
            a.classifier.is_built(),
            "the cascade builds it on first use"
        );
        assert!(p.iter().all(|v| (0.0..=1.0).contains(v)));
    }

    #[test]
    fn a_class_that_is_not_allowed_never_wins() {
        let (ch, h, w) = (6, 4, 4);
        // class 1 wins everywhere, class 3 is second, background last
        let mut logits = vec![0f32; ch * h * w];
        for px in 0..h * w {
            logits[px] = -5.0;
            logits[h * w + px] = 5.0;
            logits[3 * h * w + px] = 2.0;
        }
        assert!(upsampled_argmax(&logits, ch, h, w, 8, 8, &[])
            .iter()
            .all(|&c| c == 1));
        let allowed = [true, false, true, true, true, true];
        assert!(upsampled_argmax(&logits, ch, h, w, 8, 8, &allowed)
            .iter()
            .all(|&c| c == 3));
    }
}
