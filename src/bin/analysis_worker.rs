//! The analysis worker (built by trunk as a Web Worker with the `inference` feature): runs
//! both models on slices sent by the page. Natively it only explains itself.

#[cfg(target_arch = "wasm32")]
fn main() {
    hemoscope::ui::workers::analysis::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "the analysis worker runs in the browser: use scripts/serve.sh (native: hemoscope analyze)"
    );
    std::process::exit(2);
}
