//! Model timing in the browser for the benchmark pages (`bench/`, `scripts/bench.sh`): loads a
//! model from its card and ONNX bytes exactly as the analysis worker does ([`Plan::load`]) and
//! runs it on the card's test-vector input, so the page can time tract against other runtimes on
//! the same file and the same input. Natively it only explains itself.

#[cfg(target_arch = "wasm32")]
mod web {
    use hemoscope::model::plan::Plan;
    use hemoscope::model::{test_vector, ModelCard};
    use wasm_bindgen::prelude::*;

    fn js_err(e: impl std::fmt::Display) -> JsError {
        JsError::new(&e.to_string())
    }

    fn now() -> f64 {
        js_sys::Reflect::get(&js_sys::global(), &"performance".into())
            .ok()
            .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
            .map(|p| p.now())
            .unwrap_or(0.0)
    }

    /// A loaded, optimised model and its test-vector input.
    #[wasm_bindgen]
    pub struct BenchModel {
        plan: Plan,
        input: Vec<f32>,
    }

    #[wasm_bindgen]
    impl BenchModel {
        /// Load the model (`card_json`: its card; `onnx`: the file's bytes).
        #[wasm_bindgen(constructor)]
        pub fn new(card_json: &str, onnx: &[u8]) -> Result<BenchModel, JsError> {
            let card = ModelCard::from_json(card_json).map_err(js_err)?;
            let plan = Plan::load(onnx, &card).map_err(js_err)?;
            let n: usize = card.onnx.input.shape.iter().product();
            let seed = card.test_vector.as_ref().map_or(0, |t| t.seed);
            let input = test_vector::input(seed, n);
            Ok(BenchModel { plan, input })
        }

        /// The input every run uses (flat NCHW), to give other runtimes the same tensor.
        pub fn input(&self) -> Vec<f32> {
            self.input.clone()
        }

        /// Run once on the test-vector input; returns the flat output.
        pub fn run(&self) -> Result<Vec<f32>, JsError> {
            self.plan.run(self.input.clone()).map_err(js_err)
        }

        /// The optimised graph, one line per node (operator and tract's description).
        pub fn describe(&self) -> Vec<String> {
            self.plan.describe()
        }

        /// Time every node of one run: JSON `{op: [ms, calls]}`.
        pub fn profile(&self) -> Result<String, JsError> {
            let t = self
                .plan
                .profile(self.input.clone(), &now)
                .map_err(js_err)?;
            serde_json::to_string(&t).map_err(js_err)
        }
    }

    /// Whether this module was built with wasm SIMD (`simd128`).
    #[wasm_bindgen]
    pub fn built_with_simd() -> bool {
        cfg!(target_feature = "simd128")
    }

    /// Whether this module was built with relaxed SIMD.
    #[wasm_bindgen]
    pub fn built_with_relaxed_simd() -> bool {
        cfg!(target_feature = "relaxed-simd")
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("bench_models runs in the browser: scripts/bench.sh builds and drives it");
    std::process::exit(2);
}
