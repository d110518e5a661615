//! Per-slice outputs → the whole-scan [`AnalysisResult`]. Shared by the native pipeline (which
//! runs the slices in order) and the web app (whose workers run them in any order), so both
//! produce the same JSON from the same slice outputs.

use std::collections::BTreeMap;

use super::components::{abc_over_2_ml, largest};
use super::context::with_neighbours;
use super::reconcile::follow_slices;
use super::result::{AnalysisResult, Labels, SliceResult};
use super::scores::{predict, verdict};
use super::status::{allowed_codes, assessed_flags, clear_disallowed, LabelStatus};
use super::volumes::volumes_ml;
use crate::model::card::{AnalysisCard, ModelCard};
use crate::{Error, Result, Volume};

/// Model name → version of the models that contributed (the classifier only when its slice
/// score weight is positive), plus the analysis card.
pub fn model_versions(
    classifier: &ModelCard,
    segmenter: &ModelCard,
    card: &AnalysisCard,
) -> BTreeMap<String, String> {
    let mut models = BTreeMap::new();
    if card.slice_score.classifier_weight > 0.0 {
        models.insert(classifier.name.clone(), classifier.version.clone());
    }
    models.insert(segmenter.name.clone(), segmenter.version.clone());
    models.insert(card.name.clone(), card.version.clone());
    models
}

/// Build the result from every slice's scores (`LABELS` order, k order; `None` for a slice
/// the models did not run on because it holds no brain, see [`super::tissue`]; each read with
/// its neighbours', see [`super::context`], before its thresholds) and the label
/// mask on the volume's grid (i fastest), which is made to agree with the slice predictions
/// ([`super::reconcile`]). `timings_ms` is passed through. Labels that `status` marks
/// not assessed get no predicted slice and no verdict, and any of their codes left in the mask
/// are cleared (the segmenter's argmax already leaves them out).
pub fn assemble(
    volume: &Volume,
    scores: &[Option<[f32; 6]>],
    mask: &mut [u8],
    card: &AnalysisCard,
    status: Labels<LabelStatus>,
    models: BTreeMap<String, String>,
    timings_ms: BTreeMap<String, f64>,
) -> Result<AnalysisResult> {
    let nz = volume.dims[2];
    if scores.len() != nz || mask.len() != volume.voxels.len() {
        return Err(Error::Model(format!(
            "analysis output does not match the volume: {} slice scores and {} mask voxels for \
             dimensions {:?}",
            scores.len(),
            mask.len(),
            volume.dims
        )));
    }
    let thresholds = card.threshold_array();
    let assessed = assessed_flags(&status);
    clear_disallowed(mask, &allowed_codes(&assessed));
    let positions = super::slice_positions(volume);
    let scores = with_neighbours(
        scores,
        &positions,
        card.slice_score.neighbour_sigma_mm,
        card.slice_score.neighbour_flags(),
    );
    let mut predicted = Vec::with_capacity(nz);
    let mut slice_scores = Vec::with_capacity(nz);
    let mut slices = Vec::with_capacity(nz);
    for (k, s) in scores.iter().enumerate() {
        let no_brain = s.is_none();
        let s = s.unwrap_or([0.0; 6]);
        let p = predict(&s, &thresholds, &assessed);
        predicted.push(p);
        slice_scores.push(s);
        slices.push(SliceResult {
            index: k,
            position_mm: positions[k],
            sop_instance_uid: volume
                .sop_instance_uids
                .as_ref()
                .and_then(|u| u.get(k).cloned()),
            probabilities: Labels::from_array(s),
            predicted: Labels::from_array(p),
            no_brain,
        });
    }
    let v = verdict(&predicted, card.series_verdict.min_slices);
    follow_slices(
        mask,
        volume.dims[0] * volume.dims[1],
        &predicted,
        &slice_scores,
    );
    let vol = volumes_ml(mask, volume.voxel_volume_ml());
    let abc2 =
        largest(mask, volume.dims, 2).map(|c| abc_over_2_ml(&c, volume.dims, volume.spacing_mm()));
    Ok(AnalysisResult {
        slices,
        thresholds: Labels::from_array(thresholds),
        verdict: Labels::from_array(v),
        label_status: status,
        volumes_ml: Labels::from_array(vol),
        abc2_ml: abc2,
        models,
        timings_ms,
    })
}
