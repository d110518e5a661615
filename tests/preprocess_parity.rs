//! The Rust preprocessing gives the same tensors as `models/train/preprocess.py` (fixture
//! written by `models/train/make_fixtures.py` from synthetic slices).

use hemoscope::model::preprocess::preprocess_slice;
use hemoscope::model::Preprocessing;

/// Mirror of `preprocess.synthetic_slice` (integer arithmetic only).
fn synthetic_slice(rows: usize, cols: usize) -> Vec<i16> {
    let (r, c) = (rows as i64, cols as i64);
    let full = r * r * c * c;
    let mut out = Vec::with_capacity(rows * cols);
    for j in 0..r {
        for i in 0..c {
            let dy = 2 * j - r;
            let dx = 2 * i - c;
            let r2 = dx * dx * r * r + dy * dy * c * c;
            let tex = (j * 131 + i * 71 + (j * i) % 97) % 41 - 20;
            let v = if 100 * r2 >= 64 * full {
                -1024
            } else if 100 * r2 >= 49 * full {
                1000 + tex
            } else {
                let bx = 2 * i - (c * 13) / 10;
                let by = 2 * j - (r * 8) / 10;
                if 100 * (bx * bx * r * r + by * by * c * c) < 4 * full {
                    70 + tex.div_euclid(4)
                } else {
                    35 + tex
                }
            };
            out.push(v as i16);
        }
    }
    out
}

#[test]
fn rust_preprocessing_matches_python_within_1e_5() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/preprocess_parity.json"
    ))
    .expect("fixture");
    let fx: serde_json::Value = serde_json::from_str(&text).expect("json");
    let base: Preprocessing = serde_json::from_value(fx["preprocessing"].clone()).expect("pre");
    let cases = fx["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 3);
    for case in cases {
        let rows = case["rows"].as_u64().unwrap() as usize;
        let cols = case["cols"].as_u64().unwrap() as usize;
        let size: [usize; 2] = serde_json::from_value(case["input_size"].clone()).unwrap();
        let pre = Preprocessing {
            input_size: size,
            ..base.clone()
        };
        let t = preprocess_slice(&synthetic_slice(rows, cols), rows, cols, &pre).unwrap();
        assert_eq!(t.len(), 3 * size[0] * size[1]);
        let per = size[0] * size[1];
        for (c, s) in case["channel_sums"].as_array().unwrap().iter().enumerate() {
            let sum: f64 = t[c * per..(c + 1) * per].iter().map(|&v| v as f64).sum();
            let want = s.as_f64().unwrap();
            assert!(
                (sum - want).abs() <= 1e-5 * per as f64,
                "case {rows}x{cols} channel {c}: {sum} vs {want}"
            );
        }
        let pairs: Vec<(usize, f64)> = if let Some(v) = case.get("values") {
            v.as_array()
                .unwrap()
                .iter()
                .enumerate()
                .map(|(i, x)| (i, x.as_f64().unwrap()))
                .collect()
        } else {
            let idx = case["sample_index"].as_array().unwrap();
            let val = case["sample_value"].as_array().unwrap();
            idx.iter()
                .zip(val)
                .map(|(i, v)| (i.as_u64().unwrap() as usize, v.as_f64().unwrap()))
                .collect()
        };
        assert!(pairs.len() > 100);
        for (i, want) in pairs {
            let got = t[i] as f64;
            assert!(
                (got - want).abs() <= 1e-5,
                "case {rows}x{cols} index {i}: {got} vs {want}"
            );
        }
    }
}
