// Starts the analysis_worker module in its Web Worker (the page starts workers from this file). The
// wasm-bindgen module is loaded as a classic script and initialised with a single options
// object, the form wasm-bindgen asks for.
//
// The page's first message ({type: "read", cache, files: [{key, url}]}) names the model files:
// they are read here (the model cache first, else the network) while the module compiles, and
// the module takes them from self.hemoscopeRead. Their sha256 is computed here too, by the
// browser's WebCrypto where the page is a secure context (it is much faster than the module's
// own code while that is still being compiled); src/ui/workers/analysis.rs compares it (or,
// without it, the digest it computes itself) with the model card. A failed read here only
// means the module reads the file again itself.
// The module replaces this message handler with its own when it starts.
self.hemoscopeRead = {};
self.onmessage = (e) => {
  const m = e.data;
  if (!m || m.type !== "read" || !Array.isArray(m.files)) return;
  for (const { key, url } of m.files) {
    const read = readModel(m.cache, key, url);
    read.catch(() => {}); // the module reads the file itself then
    self.hemoscopeRead[key] = read;
  }
};

async function readModel(cacheName, key, url) {
  try {
    const hit = await (await caches.open(cacheName)).match(key);
    if (hit) return withDigest({ bytes: await hit.arrayBuffer(), cached: true });
  } catch (_) {
    // no model cache in this context: the network
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return withDigest({ bytes: await response.arrayBuffer(), cached: false });
}

async function withDigest(read) {
  if (self.crypto && self.crypto.subtle) {
    const digest = new Uint8Array(await self.crypto.subtle.digest("SHA-256", read.bytes));
    read.sha256 = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  return read;
}

// Which build: the page names the worker "relaxed-simd" where the browser validates wasm relaxed
// SIMD (src/ui/web/analysis.rs); that build (scripts/build-relaxed-worker.sh) is loaded then,
// and trunk's plain SIMD build otherwise, or when the relaxed one cannot be loaded. The module
// reports which one runs (its ready message, `relaxed_simd`).
let build = "analysis_worker";
if (self.name === "relaxed-simd") {
  try {
    importScripts("./analysis_worker_relaxed.js");
    build = "analysis_worker_relaxed";
  } catch (_) {
    // not in this build of the app: the plain SIMD build
  }
}
if (build === "analysis_worker") importScripts("./analysis_worker.js");
wasm_bindgen({ module_or_path: `./${build}_bg.wasm` }).catch((e) => {
  // The module could not be fetched or compiled (e.g. the network went away while it loaded):
  // the page shows this instead of results rather than waiting on a worker that never starts.
  self.postMessage({
    type: "fatal",
    message: `its engine could not be loaded (${build}_bg.wasm: ${e && e.message ? e.message : e})`,
  });
});
