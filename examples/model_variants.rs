//! Times variants of the shipped segmenter (e.g. the int8 files written by
//! `bench/quantize.py`) against the shipped file, natively with tract, on the card's
//! test-vector input: load time, median run time (runs interleaved with the shipped model's),
//! and the largest logit difference from the shipped model.
//!
//!     cargo run --release --features inference --example model_variants -- a.onnx b.onnx
//!
//! Built for wasm32-wasip1 it runs tract's wasm kernels in V8 (`bench/wasi_variants.mjs`).

use std::time::Instant;

use hemoscope::model::plan::Plan;
use hemoscope::model::{shipped, test_vector, ModelCard};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> hemoscope::Result<()> {
    let card = ModelCard::from_json(shipped::SEGMENTER_CARD)?;
    let n: usize = card.onnx.input.shape.iter().product();
    let x = test_vector::input(card.test_vector.as_ref().map_or(0, |t| t.seed), n);
    let shipped_plan = Plan::load(shipped::SEGMENTER_ONNX, &card)?;
    let reference = shipped_plan.run(x.clone())?;
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1e3;
    for path in std::env::args().skip(1) {
        let bytes =
            std::fs::read(&path).map_err(|e| hemoscope::Error::Other(format!("{path}: {e}")))?;
        let t = Instant::now();
        let plan = match Plan::load(&bytes, &card) {
            Ok(p) => p,
            Err(e) => {
                println!("{path}: tract cannot run it: {e}");
                continue;
            }
        };
        let load_ms = ms(t);
        let y = plan.run(x.clone())?;
        let worst = y
            .iter()
            .zip(&reference)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        let (mut variant, mut base) = (Vec::new(), Vec::new());
        for _ in 0..11 {
            let t = Instant::now();
            shipped_plan.run(x.clone())?;
            base.push(ms(t));
            let t = Instant::now();
            plan.run(x.clone())?;
            variant.push(ms(t));
        }
        println!(
            "{path}: {:.1} MB, load {load_ms:.0} ms, run {:.1} ms (shipped {:.1} ms), max |Δ logit| {worst:.3}",
            bytes.len() as f64 / 1e6,
            median(variant),
            median(base)
        );
    }
    Ok(())
}
