//! Browser shell: DOM, canvas and events over the library layers, in layers that import only
//! downwards (checked by `tests/ui_layers.rs`):
//! - `core`: the ui's decisions as plain Rust, compiled and tested natively (no web-sys);
//! - `view`: the page's elements and what they show, from plain data;
//! - `app`: the viewer's state (`App`) and its changes, over `core` and `view`;
//! - `web`: the glue (events, workers, storage, automation), the only part that sends messages;
//! - `workers`: the code that runs inside the Web Workers, and the messages they exchange.
//!
//! All but `core` are wasm only. The page markup lives in `index.html`; this layer finds its elements,
//! keeps the viewer state, draws slices produced by [`crate::render`] and hands files to a
//! decode worker (`src/bin/decode_worker.rs`) so large volumes never block the page.

pub mod core;

/// Items of the web shell: compiled for wasm32 only.
macro_rules! web {
    ($($item:item)*) => { $( #[cfg(target_arch = "wasm32")] $item )* };
}

web! {
    pub mod app;
    pub mod view;
    pub mod web;
    pub mod workers;

    pub use web::start;
}
