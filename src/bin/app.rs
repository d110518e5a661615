//! The browser entry point (built by trunk for wasm32). Natively it only explains itself.

#[cfg(target_arch = "wasm32")]
fn main() {
    hemoscope::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the app binary runs in the browser: use scripts/serve.sh");
    std::process::exit(2);
}
