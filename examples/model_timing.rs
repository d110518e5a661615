//! Native per-slice inference time of the shipped models (median of 10 runs after a warm-up).
//!
//!     cargo run --release --features inference --example model_timing

use std::time::Instant;

use hemoscope::model::plan::Plan;
use hemoscope::model::{shipped, test_vector, ModelCard};

fn main() -> hemoscope::Result<()> {
    for (card, onnx) in [
        (shipped::CLASSIFIER_CARD, shipped::CLASSIFIER_ONNX),
        (shipped::SEGMENTER_CARD, shipped::SEGMENTER_ONNX),
    ] {
        let card = ModelCard::from_json(card)?;
        let t0 = Instant::now();
        let plan = Plan::load(onnx, &card)?;
        let load_ms = t0.elapsed().as_secs_f64() * 1e3;
        let n: usize = card.onnx.input.shape.iter().product();
        let x = test_vector::input(card.test_vector.seed, n);
        plan.run(x.clone())?;
        let mut times: Vec<f64> = (0..10)
            .map(|_| {
                let t = Instant::now();
                let _ = plan.run(x.clone());
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(f64::total_cmp);
        println!(
            "{}: load+optimise {load_ms:.0} ms, per slice median {:.1} ms (min {:.1}, max {:.1})",
            card.name, times[5], times[0], times[9]
        );
    }
    Ok(())
}
