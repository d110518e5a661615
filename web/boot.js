// Starts the app. Kept as a same-origin file (not an inline script) so the page's
// Content-Security-Policy can forbid inline scripts. trunk writes the hashed names of the
// wasm-bindgen module and the wasm file into this script tag's data attributes.
const boot = document.querySelector("script[data-hemoscope-boot]");

function fail(message) {
  window.hemoscope = { state: () => ({ status: "error", error: message }) };
  const el = document.getElementById("error");
  if (el) {
    el.textContent = message;
    el.hidden = false;
  }
  console.error(message);
}

try {
  const { default: init } = await import(boot.dataset.js);
  await init({ module_or_path: boot.dataset.wasm });
} catch (e) {
  fail(
    "The app could not start in this browser (WebAssembly failed to load): " +
      (e && e.message ? e.message : String(e)),
  );
}
