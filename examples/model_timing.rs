//! Native per-slice inference time of the shipped models (median of the runs after a warm-up).
//!
//!     cargo run --release --features inference --example model_timing [-- --runs N --json]
//!
//! With `--json` it prints one JSON object per model (every run's time, the load time, the
//! matrix-product kernels tract chose and a per-operator profile of one run): scripts/bench.sh
//! reads that.

use std::time::Instant;

use hemoscope::model::plan::Plan;
use hemoscope::model::{shipped, test_vector, ModelCard};

fn main() -> hemoscope::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let json = args.iter().any(|a| a == "--json");
    let runs = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(10)
        .max(1);
    let clock = Instant::now();
    let now = move || clock.elapsed().as_secs_f64() * 1e3;
    for (card, onnx) in [
        (shipped::CLASSIFIER_CARD, shipped::CLASSIFIER_ONNX),
        (shipped::SEGMENTER_CARD, shipped::SEGMENTER_ONNX),
    ] {
        let card = ModelCard::from_json(card)?;
        let t0 = Instant::now();
        let plan = Plan::load(onnx, &card)?;
        let load_ms = t0.elapsed().as_secs_f64() * 1e3;
        let n: usize = card.onnx.input.shape.iter().product();
        // The shipped cards carry a test vector; its seed gives a repeatable input.
        let seed = card.test_vector.as_ref().map_or(0, |t| t.seed);
        let x = test_vector::input(seed, n);
        plan.run(x.clone())?;
        let mut times: Vec<f64> = (0..runs)
            .map(|_| {
                let t = Instant::now();
                let _ = plan.run(x.clone());
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        if json {
            let profile = plan.profile(x.clone(), &now)?;
            let mut kernels = std::collections::BTreeMap::<String, usize>::new();
            for line in plan.describe() {
                for word in line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                    let known = ["wasm_", "generic_", "fma_", "avx", "arm64", "arm32"];
                    let is_kernel = known.iter().any(|p| word.starts_with(p))
                        && word.rsplit('_').next().is_some_and(|t| {
                            t.split_once('x').is_some_and(|(a, b)| {
                                a.parse::<u32>().is_ok() && b.parse::<u32>().is_ok()
                            })
                        });
                    if is_kernel {
                        *kernels.entry(word.to_string()).or_default() += 1;
                    }
                }
            }
            let line = serde_json::json!({
                "model": card.name,
                "load_ms": load_ms,
                "times": times,
                "kernels": kernels,
                "profile": profile,
            });
            println!("{line}");
            continue;
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{}: load+optimise {load_ms:.0} ms, per slice median {:.1} ms (min {:.1}, max {:.1})",
            card.name,
            times[times.len() / 2],
            times[0],
            times[times.len() - 1]
        );
    }
    Ok(())
}
