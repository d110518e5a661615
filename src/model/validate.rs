//! Validation of a user's own model (an `.onnx` file and its model card) before it replaces a
//! shipped model: card schema, shapes against the card and against what the analysis needs,
//! ops tract supports, loading and optimising with tract, the card's sha256 and size when
//! given, and the card's known-answer test vector (a warning when the card has none).
//!
//! The page (in an analysis worker) and the CLI (`hemoscope check-model`, `analyze
//! --classifier ...`) both call [`validate_model`]; each failure is one specific message that
//! names the card field or the ONNX op at fault.

use tract_onnx::pb;
use tract_onnx::prelude::*;

use super::card::{ModelCard, ModelRole};
use super::integrity;
use super::plan::Plan;
use crate::{Error, Result};

/// A model that passed every check, ready to run.
pub struct ValidatedModel {
    pub role: ModelRole,
    pub card: ModelCard,
    pub plan: Plan,
    /// Checks that could not be made (no test vector, ...), for the user to see.
    pub warnings: Vec<String>,
}

/// Run every check on a user model for `role`. The first failure is returned.
pub fn validate_model(role: ModelRole, card_json: &str, onnx: &[u8]) -> Result<ValidatedModel> {
    let card = ModelCard::from_json(card_json)?;
    card.check_role(role)?;
    integrity::verify_given(onnx, &card)?;
    let mut warnings = Vec::new();
    let proto = tract_onnx::onnx()
        .proto_model_for_read(&mut &onnx[..])
        .map_err(|e| {
            Error::Model(format!(
                "the file is not an ONNX model (its protobuf could not be read): {e}"
            ))
        })?;
    check_ops(&proto)?;
    check_io(&proto, &card, &mut warnings)?;
    let plan = Plan::load(onnx, &card)?;
    match &card.test_vector {
        Some(_) => plan.self_test(&card).map_err(|e| {
            Error::Model(format!(
                "{}: the card's test_vector does not match: {e}",
                card.name
            ))
        })?,
        None => warnings.push(format!(
            "the card of {} has no test_vector: its outputs could not be checked against \
             known answers",
            card.name
        )),
    }
    let validated = card.validated_labels.as_deref().unwrap_or_default();
    let unvalidated: Vec<&str> = crate::model::card::LABELS
        .into_iter()
        .filter(|l| !validated.iter().any(|v| v == l))
        .collect();
    if !unvalidated.is_empty() {
        warnings.push(format!(
            "the card of {} does not list {} in validated_labels: where its outputs are used, \
             those labels are shown as not assessed",
            card.name,
            unvalidated.join(", ")
        ));
    }
    Ok(ValidatedModel {
        role,
        card,
        plan,
        warnings,
    })
}

/// Every node's op must be one tract's ONNX front-end knows.
pub fn check_ops(proto: &pb::ModelProto) -> Result<()> {
    let graph = proto
        .graph
        .as_ref()
        .ok_or_else(|| Error::Model("the ONNX file has no graph".into()))?;
    let onnx = tract_onnx::onnx();
    let mut missing: Vec<String> = Vec::new();
    for node in &graph.node {
        if !onnx.op_register.0.contains_key(&node.op_type) {
            let what = format!("`{}` (node `{}`)", node.op_type, node.name);
            if !missing
                .iter()
                .any(|m| m.starts_with(&format!("`{}`", node.op_type)))
            {
                missing.push(what);
            }
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::Model(format!(
        "the ONNX graph uses op {} that tract does not support: export the model without it",
        missing.join(", ")
    )))
}

/// A value's declared dims: `Some(n)` for a fixed size, `None` for a symbolic one.
fn dims(v: &pb::ValueInfoProto) -> Option<Vec<Option<usize>>> {
    use pb::tensor_shape_proto::dimension::Value as Dim;
    use pb::type_proto::Value;
    let Some(Value::TensorType(t)) = v.r#type.as_ref()?.value.as_ref() else {
        return None;
    };
    let shape = t.shape.as_ref()?;
    Some(
        shape
            .dim
            .iter()
            .map(|d| match &d.value {
                Some(Dim::DimValue(n)) if *n > 0 => Some(*n as usize),
                _ => None,
            })
            .collect(),
    )
}

fn show(d: &[Option<usize>]) -> String {
    let parts: Vec<String> = d
        .iter()
        .map(|x| x.map(|n| n.to_string()).unwrap_or_else(|| "?".into()))
        .collect();
    format!("[{}]", parts.join(", "))
}

/// A declared shape agrees with the card when it has the same rank and every fixed dimension
/// is equal (symbolic ones, such as a batch dimension, are fixed from the card).
fn agrees(declared: &[Option<usize>], card: &[usize]) -> bool {
    declared.len() == card.len()
        && declared
            .iter()
            .zip(card)
            .all(|(d, c)| d.is_none_or(|d| d == *c))
}

/// The graph's one input and first output against the card's `onnx.input` / `onnx.output`.
pub fn check_io(
    proto: &pb::ModelProto,
    card: &ModelCard,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let graph = proto
        .graph
        .as_ref()
        .ok_or_else(|| Error::Model("the ONNX file has no graph".into()))?;
    let inits: std::collections::HashSet<&str> =
        graph.initializer.iter().map(|t| t.name.as_str()).collect();
    let inputs: Vec<&pb::ValueInfoProto> = graph
        .input
        .iter()
        .filter(|i| !inits.contains(i.name.as_str()))
        .collect();
    let [input] = inputs.as_slice() else {
        let names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
        return Err(Error::Model(format!(
            "the ONNX graph has {} inputs ({}); the analysis feeds exactly one image tensor",
            names.len(),
            names.join(", ")
        )));
    };
    if let Some(d) = dims(input) {
        if !agrees(&d, &card.onnx.input.shape) {
            return Err(Error::Model(format!(
                "wrong input shape: the ONNX input `{}` is {}, the card's onnx.input.shape is \
                 {:?} (from preprocessing: {} windows, input_size {:?})",
                input.name,
                show(&d),
                card.onnx.input.shape,
                card.preprocessing.windows.len(),
                card.preprocessing.input_size
            )));
        }
    }
    if input.name != card.onnx.input.name {
        warnings.push(format!(
            "the ONNX input is named `{}`, the card's onnx.input.name says `{}`",
            input.name, card.onnx.input.name
        ));
    }
    let output = graph
        .output
        .first()
        .ok_or_else(|| Error::Model("the ONNX graph has no output".into()))?;
    if let Some(d) = dims(output) {
        if !agrees(&d, &card.onnx.output.shape) {
            return Err(Error::Model(format!(
                "wrong output shape: the ONNX output `{}` is {}, the card's onnx.output.shape is \
                 {:?}",
                output.name,
                show(&d),
                card.onnx.output.shape
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::shipped;

    #[test]
    fn the_shipped_models_pass_as_user_models() {
        let v = validate_model(
            ModelRole::Classifier,
            shipped::CLASSIFIER_CARD,
            shipped::CLASSIFIER_ONNX,
        )
        .unwrap();
        // the shipped cards do not validate epidural, and say so
        assert_eq!(v.warnings.len(), 1, "{:?}", v.warnings);
        assert!(v.warnings[0].contains("epidural"), "{:?}", v.warnings);
        assert_eq!(v.card.name, "hemoscope-classifier");
    }

    #[test]
    fn a_classifier_card_is_not_a_segmenter() {
        let e = validate_model(
            ModelRole::Segmenter,
            shipped::CLASSIFIER_CARD,
            shipped::CLASSIFIER_ONNX,
        )
        .err()
        .unwrap()
        .to_string();
        assert!(e.contains("onnx.output.shape"), "{e}");
        assert!(e.contains("6 classes"), "{e}");
    }
}
