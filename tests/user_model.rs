//! A user's own model (ONNX + card) is validated before it replaces a shipped one: each bad
//! card or ONNX file written here is refused with a message naming the field or op at fault,
//! natively (`validate_model`) and through `hemoscope check-model` / `analyze --segmenter`.
#![cfg(feature = "inference")]

use std::path::PathBuf;
use std::process::Command;

use hemoscope::model::shipped;
use hemoscope::model::validate::validate_model;
use hemoscope::model::ModelRole;
use prost::Message;
use serde_json::Value;
use tract_onnx::pb;
use tract_onnx::prelude::Framework;

fn card(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn seg_card() -> Value {
    card(shipped::SEGMENTER_CARD)
}

fn refuse(role: ModelRole, card: &Value, onnx: &[u8]) -> String {
    match validate_model(role, &card.to_string(), onnx) {
        Ok(v) => panic!("{} was accepted", v.card.name),
        Err(e) => e.to_string(),
    }
}

fn seg_proto() -> pb::ModelProto {
    tract_onnx::onnx()
        .proto_model_for_read(&mut &shipped::SEGMENTER_ONNX[..])
        .unwrap()
}

/// The shipped segmenter with its declared input shape changed to `dims`.
fn segmenter_with_input(dims: &[i64]) -> Vec<u8> {
    use pb::tensor_shape_proto::dimension::Value as Dim;
    use pb::type_proto::Value as Ty;
    let mut proto = seg_proto();
    let graph = proto.graph.as_mut().unwrap();
    let Some(Ty::TensorType(t)) = graph.input[0].r#type.as_mut().unwrap().value.as_mut() else {
        panic!("input is not a tensor");
    };
    let shape = t.shape.as_mut().unwrap();
    shape.dim = dims
        .iter()
        .map(|&d| pb::tensor_shape_proto::Dimension {
            value: Some(Dim::DimValue(d)),
            ..Default::default()
        })
        .collect();
    proto.encode_to_vec()
}

/// A card for a user model: no sha256 / size (those are only checked when given).
fn user_card(mut c: Value) -> Value {
    let o = c.as_object_mut().unwrap();
    o.remove("sha256");
    o.remove("size_bytes");
    c
}

#[test]
fn a_model_identical_to_the_shipped_one_is_accepted_without_a_sha256() {
    let c = user_card(seg_card());
    let v = validate_model(
        ModelRole::Segmenter,
        &c.to_string(),
        shipped::SEGMENTER_ONNX,
    )
    .unwrap();
    // The only warning: the card, like the shipped one, does not validate epidural.
    assert_eq!(v.warnings.len(), 1, "{:?}", v.warnings);
    assert!(
        v.warnings[0].contains("does not list epidural in validated_labels"),
        "{:?}",
        v.warnings
    );
}

#[test]
fn a_card_without_validated_labels_is_accepted_with_a_warning_naming_every_label() {
    let mut c = user_card(seg_card());
    c.as_object_mut().unwrap().remove("validated_labels");
    let v = validate_model(
        ModelRole::Segmenter,
        &c.to_string(),
        shipped::SEGMENTER_ONNX,
    )
    .unwrap();
    assert!(
        v.warnings.iter().any(|w| w.contains(
            "does not list any, epidural, intraparenchymal, intraventricular, subarachnoid, \
             subdural in validated_labels"
        )),
        "{:?}",
        v.warnings
    );
}

#[test]
fn validated_labels_must_be_known_labels() {
    let mut c = user_card(seg_card());
    c["validated_labels"] = serde_json::json!(["any", "edh"]);
    let e = validate_model(
        ModelRole::Segmenter,
        &c.to_string(),
        shipped::SEGMENTER_ONNX,
    )
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("validated_labels has \"edh\""), "{e}");
}

#[test]
fn card_schema_errors_name_the_field() {
    let mut c = seg_card();
    c["onnx"]["input"]["shape"] = Value::from("256x256");
    let e = refuse(ModelRole::Segmenter, &c, shipped::SEGMENTER_ONNX);
    assert!(e.contains("onnx.input.shape"), "{e}");

    let mut c = seg_card();
    c.as_object_mut().unwrap().remove("preprocessing");
    let e = refuse(ModelRole::Segmenter, &c, shipped::SEGMENTER_ONNX);
    assert!(e.contains("preprocessing"), "{e}");

    let mut c = seg_card();
    c["labels"] = serde_json::json!(["any", "edh"]);
    let e = refuse(ModelRole::Segmenter, &c, shipped::SEGMENTER_ONNX);
    assert!(e.contains("labels"), "{e}");
}

#[test]
fn a_segmenter_must_output_six_classes() {
    let mut c = seg_card();
    c["onnx"]["output"]["shape"] = serde_json::json!([1, 2, 128, 128]);
    let e = refuse(ModelRole::Segmenter, &c, shipped::SEGMENTER_ONNX);
    assert!(
        e.contains("onnx.output.shape") && e.contains("6 classes"),
        "{e}"
    );
}

#[test]
fn an_onnx_input_shape_that_differs_from_the_card_is_refused() {
    let onnx = segmenter_with_input(&[1, 1, 64, 64]);
    let e = refuse(ModelRole::Segmenter, &user_card(seg_card()), &onnx);
    assert!(e.contains("wrong input shape"), "{e}");
    assert!(
        e.contains("[1, 1, 64, 64]") && e.contains("[1, 3, 256, 256]"),
        "{e}"
    );
}

#[test]
fn a_card_whose_input_size_the_model_cannot_take_is_refused() {
    // The card promises 128×128 inputs and a 128×128 output grid; the U-Net halves its input.
    let mut c = user_card(seg_card());
    c["onnx"]["input"]["shape"] = serde_json::json!([1, 3, 128, 128]);
    c["preprocessing"]["input_size"] = serde_json::json!([128, 128]);
    c.as_object_mut().unwrap().remove("test_vector");
    let onnx = segmenter_with_input(&[1, 3, 128, 128]);
    let e = refuse(ModelRole::Segmenter, &c, &onnx);
    assert!(e.contains("output of shape [1, 6, 64, 64]"), "{e}");
}

#[test]
fn an_op_tract_does_not_know_is_named() {
    let mut proto = seg_proto();
    let node = &mut proto.graph.as_mut().unwrap().node[5];
    node.op_type = "FancyUnknownOp".into();
    let name = node.name.clone();
    let e = refuse(
        ModelRole::Segmenter,
        &user_card(seg_card()),
        &proto.encode_to_vec(),
    );
    assert!(e.contains("`FancyUnknownOp`"), "{e}");
    assert!(e.contains(&name), "{e}");
}

#[test]
fn sha256_and_test_vector_are_checked_when_given() {
    let mut bad = shipped::SEGMENTER_ONNX.to_vec();
    bad[2000] ^= 0x55;
    let e = refuse(ModelRole::Segmenter, &seg_card(), &bad);
    assert!(e.contains("sha256"), "{e}");

    let mut c = user_card(seg_card());
    c["test_vector"]["output_channel_means"][1] = Value::from(3.0);
    let e = refuse(ModelRole::Segmenter, &c, shipped::SEGMENTER_ONNX);
    assert!(e.contains("test_vector"), "{e}");

    let mut c = user_card(seg_card());
    c.as_object_mut().unwrap().remove("test_vector");
    let v = validate_model(
        ModelRole::Segmenter,
        &c.to_string(),
        shipped::SEGMENTER_ONNX,
    )
    .unwrap();
    assert!(
        v.warnings.iter().any(|w| w.contains("no test_vector")),
        "{:?}",
        v.warnings
    );
}

#[test]
fn not_an_onnx_file() {
    let e = refuse(
        ModelRole::Classifier,
        &user_card(card(shipped::CLASSIFIER_CARD)),
        b"this is not a protobuf at all \xff\xff\xff",
    );
    assert!(e.contains("not an ONNX model") || e.contains("ONNX"), "{e}");
}

fn tmp(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("user_model_{}_{name}", std::process::id()))
}

#[test]
fn cli_check_model_and_analyze_with_a_user_segmenter() {
    let bin = env!("CARGO_BIN_EXE_hemoscope");
    let onnx = tmp("seg.onnx");
    let good = tmp("seg.json");
    let bad = tmp("seg-bad.json");
    std::fs::write(&onnx, shipped::SEGMENTER_ONNX).unwrap();
    let mut c = user_card(seg_card());
    c["name"] = Value::from("my-segmenter");
    std::fs::write(&good, c.to_string()).unwrap();
    c["onnx"]["input"]["shape"] = serde_json::json!([1, 3, 128, 128]);
    std::fs::write(&bad, c.to_string()).unwrap();

    let out = Command::new(bin)
        .args(["check-model", "--role", "segmenter"])
        .arg(&onnx)
        .arg(&good)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ok: my-segmenter"));

    let out = Command::new(bin)
        .args(["check-model", "--role", "segmenter"])
        .arg(&onnx)
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("onnx.input.shape"), "{err}");

    // analyze with the user segmenter: its name is in the result's models.
    let vol = tmp("demo.nii.gz");
    let json = tmp("result.json");
    let st = Command::new(bin)
        .args(["phantom", "-o"])
        .arg(&vol)
        .status()
        .unwrap();
    assert!(st.success());
    let out = Command::new(bin)
        .arg("analyze")
        .arg(&vol)
        .arg("--json")
        .arg(&json)
        .arg("--segmenter")
        .arg(&onnx)
        .arg("--segmenter-card")
        .arg(&good)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert!(r["models"]["my-segmenter"].is_string(), "{}", r["models"]);
    for p in [onnx, good, bad, vol, json] {
        let _ = std::fs::remove_file(p);
    }
}
