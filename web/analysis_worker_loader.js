// Starts the analysis_worker module in its Web Worker (the page starts workers from this file). The
// wasm-bindgen module is loaded as a classic script and initialised with a single options
// object, the form wasm-bindgen asks for.
importScripts("./analysis_worker.js");
wasm_bindgen({ module_or_path: "./analysis_worker_bg.wasm" });
