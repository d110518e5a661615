//! Browser shell (wasm only): DOM, canvas and events over the library layers.

pub fn start() {}
