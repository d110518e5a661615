// Starts the app. Kept as a same-origin file (not an inline script) so the page's
// Content-Security-Policy can forbid inline scripts. trunk writes the hashed names of the
// wasm-bindgen module and the wasm file into this script tag's data attributes.
//
// It also owns the error panel (shown after a panic or a WebAssembly trap, even when the wasm
// can no longer run) and registers the service worker that lets the app work offline.
const boot = document.querySelector("script[data-hemoscope-boot]");
const bootStarted = performance.now();
let wasmStartMs = null;

/** Whether this browser validates a module using WebAssembly SIMD (v128). */
function simdSupported() {
  try {
    return WebAssembly.validate(
      new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]),
    );
  } catch {
    return false;
  }
}

/**
 * The text "Copy diagnostics" puts on the clipboard: browser, features, versions, timings and
 * the kind of error. Never file names, image data, or anything else read from a file.
 */
function diagnostics(reason) {
  const version = (window.hemoscope && window.hemoscope.version) || "unknown";
  return [
    `Hemoscope ${version}`,
    `Browser: ${navigator.userAgent}`,
    `WebAssembly: ${typeof WebAssembly === "object" ? "yes" : "no"}; SIMD: ${simdSupported() ? "yes" : "no"}`,
    `Cores: ${navigator.hardwareConcurrency ?? "unknown"}; device memory: ${navigator.deviceMemory ?? "unknown"} GB`,
    `Service worker: ${navigator.serviceWorker && navigator.serviceWorker.controller ? "active" : "none"}`,
    `Timings: app start ${wasmStartMs === null ? "not finished" : `${Math.round(wasmStartMs)} ms`}; ` +
      `error after ${Math.round(performance.now() - bootStarted)} ms`,
    `Error: ${reason}`,
  ].join("\n");
}

let fatalShown = false;

/**
 * Show the error panel. `shown` is the message for the person in front of the screen; `reason`
 * goes into the diagnostics and must not hold data read from a file.
 */
function showFatal(shown, reason) {
  const panel = document.getElementById("fatal");
  if (!panel) return;
  if (!fatalShown) {
    document.getElementById("fatal-text").textContent = shown;
    document.getElementById("diagnostics").textContent = diagnostics(reason);
  }
  fatalShown = true;
  panel.hidden = false;
}
// Called by the app's panic hook (src/ui/panic.rs).
window.hemoscopeFatal = showFatal;

document.getElementById("copy-diagnostics")?.addEventListener("click", async () => {
  const text = document.getElementById("diagnostics").textContent;
  const result = document.getElementById("copy-result");
  try {
    await navigator.clipboard.writeText(text);
    result.textContent = "Copied.";
  } catch {
    // No clipboard permission: select the text so that Ctrl+C copies it.
    const range = document.createRange();
    range.selectNodeContents(document.getElementById("diagnostics"));
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    result.textContent = "Selected: press Ctrl+C to copy.";
  }
});
document.getElementById("fatal-reload")?.addEventListener("click", () => location.reload());

// A trap in the page's wasm (out of memory, unreachable) surfaces here, not in the panic hook.
window.addEventListener("error", (e) => {
  const name = e.error && e.error.name ? e.error.name : "Error";
  if (name === "RuntimeError" || /wasm|WebAssembly|unreachable/i.test(String(e.message))) {
    showFatal(`Internal error: ${e.message}`, `${name} (uncaught)`);
  }
});

function fail(message) {
  window.hemoscope = { state: () => ({ status: "error", error: message }) };
  const el = document.getElementById("error");
  if (el) {
    el.textContent = message;
    el.hidden = false;
  }
  console.error(message);
}

/** Register the offline cache (web/sw.js); its version is the build's wasm file name. */
function registerServiceWorker() {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  const version = (boot.dataset.wasm || "").split("/").pop().replace(/\.wasm$/, "");
  navigator.serviceWorker
    .register(`./sw.js?v=${encodeURIComponent(version)}`, { scope: "./" })
    .catch((e) => console.warn(`offline cache unavailable: ${e && e.message ? e.message : e}`));
}

try {
  const { default: init } = await import(boot.dataset.js);
  await init({ module_or_path: boot.dataset.wasm });
  wasmStartMs = performance.now() - bootStarted;
  registerServiceWorker();
} catch (e) {
  fail(
    "The app could not start in this browser (WebAssembly failed to load): " +
      (e && e.message ? e.message : String(e)),
  );
}
