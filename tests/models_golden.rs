//! The shipped ONNX files, run natively through tract, reproduce their cards' known-answer
//! test vectors within the card tolerance (1e-4), and match their cards' sha256.
#![cfg(feature = "inference")]

use hemoscope::model::plan::{widen_f16_initializers, Plan};
use hemoscope::model::shipped;
use hemoscope::model::test_vector;
use hemoscope::model::ModelCard;
use sha2::{Digest, Sha256};

fn check(card_json: &str, onnx: &[u8]) {
    let card = ModelCard::from_json(card_json).unwrap();
    let hex: String = Sha256::digest(onnx)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        hex,
        card.sha256.clone().unwrap(),
        "{}: sha256 of the ONNX file differs from the card",
        card.name
    );
    assert_eq!(Some(onnx.len() as u64), card.size_bytes);
    let plan = Plan::load(onnx, &card).unwrap();
    let tv = card.test_vector.as_ref().unwrap();
    let n: usize = tv.input_shape.iter().product();
    let out = plan.run(test_vector::input(tv.seed, n)).unwrap();
    assert!(tv.tolerance <= 1e-4);
    test_vector::check(tv, &out).unwrap();
    // a perturbed output must fail the check (the test can fail)
    let mut bad = out.clone();
    let i = tv.output_samples.flat_index[3];
    bad[i] += 1e-2;
    assert!(test_vector::check(tv, &bad).is_err());
}

#[test]
fn classifier_matches_its_test_vector() {
    check(shipped::CLASSIFIER_CARD, shipped::CLASSIFIER_ONNX);
}

#[test]
fn segmenter_matches_its_test_vector() {
    check(shipped::SEGMENTER_CARD, shipped::SEGMENTER_ONNX);
}

#[test]
fn f16_weights_are_widened_before_optimising() {
    use tract_onnx::prelude::Framework;
    let mut proto = tract_onnx::onnx()
        .proto_model_for_read(&mut &shipped::SEGMENTER_ONNX[..])
        .unwrap();
    let n = widen_f16_initializers(&mut proto).unwrap();
    assert!(n > 50, "only {n} tensors widened");
    let g = proto.graph.as_ref().unwrap();
    assert!(g
        .node
        .iter()
        .all(|n| n.op_type != "Cast" || !n.name.ends_with("_widen")));
    assert!(
        g.initializer.iter().all(|t| t.data_type != 10),
        "no f16 initializer left"
    );
}
