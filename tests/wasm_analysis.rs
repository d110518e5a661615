//! Browser tests (headless Chromium, wasm-bindgen-test) of the analysis worker's side:
//! every page ↔ worker message survives its JS form, the shipped models pass their cards'
//! known-answer self-tests in wasm, a corrupted or mis-shaped model is refused with the right
//! message, and a slice job sent as a message returns what the analysis gives directly.
//!
//! Run: `cargo test --target wasm32-unknown-unknown --features inference --test wasm_analysis`
//! (scripts/test.sh sets CHROMEDRIVER and WASM_BINDGEN_TEST_WEBDRIVER_JSON for Debian's
//! chromium).
#![cfg(all(target_arch = "wasm32", feature = "inference"))]

use hemoscope::analysis::pipeline::{Analyzer, LoadedModel};
use hemoscope::model::{integrity, shipped, ModelCard, ModelRole};
use hemoscope::ui::core::analysis_info::WorkerStart;
use hemoscope::ui::workers::analysis as analysis_worker;
use hemoscope::ui::workers::analysis_protocol::{FromWorker, ModelVerdict, SliceMode, ToWorker};
use js_sys::{Int16Array, Uint8Array};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn round_to(msg: &ToWorker) -> ToWorker {
    let (js, _) = msg.to_js().unwrap();
    ToWorker::from_js(&js).unwrap()
}

fn round_from(msg: &FromWorker) -> FromWorker {
    let (js, _) = msg.to_js().unwrap();
    FromWorker::from_js(&js).unwrap()
}

#[wasm_bindgen_test]
fn page_to_worker_messages_round_trip() {
    let voxels: Vec<i16> = (0..12).map(|v| v * 100 - 500).collect();
    let hu = Int16Array::from(voxels.as_slice());
    for (mode, classified) in [
        (SliceMode::Full, None),
        (SliceMode::Classify, None),
        (SliceMode::Full, Some([0.5, 0.1, 0.2, 0.3, 0.4, 0.25])),
    ] {
        let m = ToWorker::Slice {
            job: 7,
            k: 3,
            rows: 3,
            cols: 4,
            hu: hu.clone(),
            mode,
            classified,
        };
        match round_to(&m) {
            ToWorker::Slice {
                job,
                k,
                rows,
                cols,
                hu,
                mode: m2,
                classified: c2,
            } => {
                assert_eq!((job, k, rows, cols, m2, c2), (7, 3, 3, 4, mode, classified));
                assert_eq!(hu.to_vec(), voxels);
            }
            other => panic!("{other:?}"),
        }
    }
    let m = ToWorker::Model {
        role: ModelRole::Segmenter,
        card: "{\"name\": \"x\"}".into(),
        onnx: Uint8Array::from(&[1u8, 2, 3][..]),
    };
    match round_to(&m) {
        ToWorker::Model { role, card, onnx } => {
            assert_eq!(role, ModelRole::Segmenter);
            assert_eq!(card, "{\"name\": \"x\"}");
            assert_eq!(onnx.to_vec(), [1, 2, 3]);
        }
        other => panic!("{other:?}"),
    }
    // A slice whose voxel count does not match rows × cols is refused.
    let bad = ToWorker::Slice {
        job: 1,
        k: 0,
        rows: 5,
        cols: 5,
        hu: Int16Array::from(voxels.as_slice()),
        mode: SliceMode::Full,
        classified: None,
    };
    let (js, _) = bad.to_js().unwrap();
    assert!(ToWorker::from_js(&js).unwrap_err().contains("voxels"));
}

#[wasm_bindgen_test]
fn the_loaders_read_request_names_each_file_with_its_cache_key() {
    let files = vec![("segmenter.onnx".to_string(), "ab12".to_string())];
    let (js, transfer) = ToWorker::read_shipped(&files).to_js().unwrap();
    assert_eq!(transfer.length(), 0);
    let get = |o: &wasm_bindgen::JsValue, k: &str| js_sys::Reflect::get(o, &k.into()).unwrap();
    assert_eq!(get(&js, "type").as_string().unwrap(), "read");
    assert_eq!(get(&js, "cache").as_string().unwrap(), "hemoscope-models");
    let list = js_sys::Array::from(&get(&js, "files"));
    assert_eq!(list.length(), 1);
    let f = list.get(0);
    assert_eq!(
        get(&f, "key").as_string().unwrap(),
        "models/segmenter.onnx?sha256=ab12"
    );
    assert_eq!(get(&f, "url").as_string().unwrap(), "models/segmenter.onnx");
    // should the module see it (it arrived late), it is understood and does nothing
    assert!(matches!(
        ToWorker::from_js(&js).unwrap(),
        ToWorker::Read { files } if files.is_empty()
    ));
}

#[wasm_bindgen_test]
fn worker_to_page_messages_round_trip() {
    let start = WorkerStart {
        compile_ms: 300.5,
        read_ms: 40.25,
        build_ms: 650.0,
    };
    match round_from(&FromWorker::Ready {
        downloaded_bytes: 8.8e6,
        simd: true,
        relaxed_simd: true,
        start,
    }) {
        FromWorker::Ready {
            downloaded_bytes,
            simd,
            relaxed_simd,
            start: back,
        } => {
            assert_eq!((downloaded_bytes, simd, relaxed_simd), (8.8e6, true, true));
            assert_eq!(back, start);
        }
        other => panic!("{other:?}"),
    }
    match round_from(&FromWorker::Fatal {
        message: "no models".into(),
    }) {
        FromWorker::Fatal { message } => assert_eq!(message, "no models"),
        other => panic!("{other:?}"),
    }
    let scores = [0.9, 0.01, 0.8, 0.02, 0.03, 0.04];
    match round_from(&FromWorker::Slice {
        job: 2,
        k: 9,
        mode: SliceMode::Full,
        scores,
        labels: Uint8Array::from(&[0u8, 2, 2, 5][..]),
        ms: [1.0, 2.0, 3.0, 4.0],
    }) {
        FromWorker::Slice {
            job,
            k,
            mode,
            scores: s,
            labels,
            ms,
        } => {
            assert_eq!(
                (job, k, mode, s, ms),
                (2, 9, SliceMode::Full, scores, [1.0, 2.0, 3.0, 4.0])
            );
            assert_eq!(labels.to_vec(), [0, 2, 2, 5]);
        }
        other => panic!("{other:?}"),
    }
    match round_from(&FromWorker::Error {
        job: 4,
        k: 1,
        message: "bad slice".into(),
    }) {
        FromWorker::Error { job, k, message } => {
            assert_eq!((job, k, message.as_str()), (4, 1, "bad slice"))
        }
        other => panic!("{other:?}"),
    }
    match round_from(&FromWorker::Model(ModelVerdict {
        role: ModelRole::Classifier,
        ok: true,
        name: "mine".into(),
        version: "2".into(),
        warnings: vec!["no test_vector".into()],
        message: String::new(),
    })) {
        FromWorker::Model(ModelVerdict {
            role,
            ok,
            name,
            version,
            warnings,
            ..
        }) => {
            assert_eq!(
                (role, ok, name.as_str(), version.as_str()),
                (ModelRole::Classifier, true, "mine", "2")
            );
            assert_eq!(warnings, ["no test_vector"]);
        }
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test]
fn shipped_models_pass_their_self_tests_in_wasm_and_corruption_is_refused() {
    // LoadedModel::load runs the card's known-answer test vector (tolerance 1e-4).
    LoadedModel::load(shipped::CLASSIFIER_CARD, shipped::CLASSIFIER_ONNX).unwrap();
    let seg = LoadedModel::load(shipped::SEGMENTER_CARD, shipped::SEGMENTER_ONNX).unwrap();
    assert!(seg.card.test_vector.as_ref().unwrap().tolerance <= 1e-4);

    let card = ModelCard::from_json(shipped::CLASSIFIER_CARD).unwrap();
    let mut bad = shipped::CLASSIFIER_ONNX.to_vec();
    bad[1000] ^= 0xff;
    let e = integrity::verify(&bad, &card).unwrap_err().to_string();
    assert!(e.contains("sha256"), "{e}");
}

#[wasm_bindgen_test]
fn a_slice_job_equals_the_direct_analysis_and_user_models_are_checked() {
    analysis_worker::load_shipped_for_tests().unwrap();
    let (volume, _) = hemoscope::phantom::demo_case();
    let [nx, ny, nz] = volume.dims;
    let k = nz / 2;
    let request = ToWorker::Slice {
        job: 1,
        k: k as u32,
        rows: ny as u32,
        cols: nx as u32,
        hu: Int16Array::from(volume.slice(k)),
        mode: SliceMode::Full,
        classified: None,
    };
    let ToWorker::Slice {
        hu,
        rows,
        cols,
        mode,
        classified,
        ..
    } = round_to(&request)
    else {
        panic!("not a slice");
    };
    let (scores, labels, _) =
        analysis_worker::analyze(&hu.to_vec(), rows as usize, cols as usize, mode, classified)
            .unwrap();
    let reply = round_from(&FromWorker::Slice {
        job: 1,
        k: k as u32,
        mode,
        scores,
        labels,
        ms: [0.0; 4],
    });
    let FromWorker::Slice { scores, labels, .. } = reply else {
        panic!("not a slice result");
    };
    let direct = Analyzer::shipped()
        .unwrap()
        .analyze_slice(volume.slice(k), ny, nx)
        .unwrap();
    for (a, b) in scores.iter().zip(direct.scores) {
        assert!((a - b).abs() <= 1e-4, "{scores:?} vs {:?}", direct.scores);
    }
    assert_eq!(labels.to_vec(), direct.labels);

    // The classifier pass of the cascade returns the classifier's probabilities.
    let (p, empty, _) =
        analysis_worker::analyze(volume.slice(k), ny, nx, SliceMode::Classify, None).unwrap();
    assert_eq!(empty.length(), 0);
    assert!(p.iter().all(|v| (0.0..=1.0).contains(v)));

    // A user model through the worker's message handler: corrupted bytes fail the card's
    // sha256; a card with the wrong input shape is refused; the shipped segmenter is accepted.
    let mut bad = shipped::SEGMENTER_ONNX.to_vec();
    bad[3000] ^= 0x0f;
    match analysis_worker::use_model(
        ModelRole::Segmenter,
        shipped::SEGMENTER_CARD,
        &Uint8Array::from(bad.as_slice()),
    ) {
        FromWorker::Model(ModelVerdict { ok, message, .. }) => {
            assert!(!ok);
            assert!(message.contains("sha256"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let mut card: serde_json::Value = serde_json::from_str(shipped::SEGMENTER_CARD).unwrap();
    card["onnx"]["input"]["shape"] = serde_json::json!([1, 1, 256, 256]);
    match analysis_worker::use_model(
        ModelRole::Segmenter,
        &card.to_string(),
        &Uint8Array::from(shipped::SEGMENTER_ONNX),
    ) {
        FromWorker::Model(ModelVerdict { ok, message, .. }) => {
            assert!(!ok);
            assert!(message.contains("onnx.input.shape"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    match analysis_worker::use_model(
        ModelRole::Segmenter,
        shipped::SEGMENTER_CARD,
        &Uint8Array::from(shipped::SEGMENTER_ONNX),
    ) {
        FromWorker::Model(ModelVerdict { ok, name, .. }) => {
            assert!(ok && name == "hemoscope-segmenter")
        }
        other => panic!("{other:?}"),
    }
}
