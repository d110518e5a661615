//! The decode worker (built by trunk as a Web Worker): decodes files and generates the demo
//! case off the page's main thread. Natively it only explains itself.

#[cfg(target_arch = "wasm32")]
fn main() {
    hemoscope::ui::workers::decode::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the decode worker runs in the browser: use scripts/serve.sh");
    std::process::exit(2);
}
