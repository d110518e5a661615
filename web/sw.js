// Offline cache for the app (registered by boot.js as sw.js?v=<build>).
//
// - install: caches the app shell: the page, every file it names (boot script, wasm-bindgen
//   module, wasm, CSS, icon), the decode worker's files and the analysis worker build this
//   browser loads, and the models
//   (listed by models/index.json, or the known names; missing files are skipped). The cache name carries the build, so each build has
//   its own cache.
// - activate: deletes every other build's cache, then takes control of open pages. The
//   analysis workers' model cache (MODELS_CACHE, keyed by each file's sha256, pruned by the
//   workers; src/ui/core/model_cache.rs) is not a build's cache and stays.
// - fetch: same-origin GETs only. Pages (navigations) go to the network first so that a new
//   build is seen, and fall back to the cache offline; every other file comes from the cache
//   first and is added to it when fetched; requests made with cache "no-store" (dataset
//   files) are left to the browser. Nothing else is touched: the app sends no data.
const VERSION = new URL(self.location.href).searchParams.get("v") || "dev";
const CACHE = `hemoscope-${VERSION}`;
const PREFIX = "hemoscope-";
const MODELS_CACHE = "hemoscope-models";

/** Files the page names: src/href attributes and boot.js's data-js / data-wasm. */
function shellFiles(html) {
  const found = new Set(["./", "boot.js", "sw.js"]);
  for (const m of html.matchAll(/\b(?:src|href|data-js|data-wasm)="([^"#?]+)"/g)) {
    const u = new URL(m[1], self.registration.scope);
    if (u.origin === self.location.origin) found.add(u.href);
  }
  // The decode and analysis workers are started from the app's code, not named in the page;
  // of the analysis worker's two builds, the one this browser loads (the page's check:
  // src/ui/web/analysis.rs; `?relaxed=0` asks for the other, which is then cached when fetched).
  const analysis = relaxedSimd() ? "analysis_worker_relaxed" : "analysis_worker";
  found.add("analysis_worker_loader.js");
  for (const f of ["decode_worker_loader.js", "decode_worker.js", "decode_worker_bg.wasm", `${analysis}.js`, `${analysis}_bg.wasm`]) {
    found.add(f);
  }
  return [...found].map((f) => new URL(f, self.registration.scope).href);
}

/** Whether this browser validates wasm relaxed SIMD (the same 36-byte module as the page's check). */
function relaxedSimd() {
  try {
    return WebAssembly.validate(new Uint8Array([
      0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0, 65, 0, 253,
      15, 65, 0, 253, 15, 253, 128, 2, 11,
    ]));
  } catch {
    return false;
  }
}

/** The models' files: models/index.json (a list of names) if there is one, else the known names. */
const KNOWN_MODEL_FILES = ["analysis.json", "classifier.json", "classifier.onnx", "segmenter.json", "segmenter.onnx"];
async function modelFiles() {
  let files = KNOWN_MODEL_FILES;
  try {
    const r = await fetch(new URL("models/index.json", self.registration.scope), { cache: "no-cache" });
    if (r.ok) {
      const list = await r.json();
      files = Array.isArray(list) ? list : list.files || files;
    }
  } catch {
    /* no index: the known names */
  }
  return files.map((f) => new URL(`models/${f}`, self.registration.scope).href);
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      const page = await fetch(self.registration.scope, { cache: "no-cache" });
      const html = await page.clone().text();
      await cache.put(self.registration.scope, page);
      const files = [...shellFiles(html), ...(await modelFiles())];
      // One missing optional file must not prevent the offline cache.
      await Promise.all(
        files.map(async (url) => {
          if (await cache.match(url)) return;
          try {
            const r = await fetch(url, { cache: "no-cache" });
            if (r.ok) await cache.put(url, r);
          } catch {
            /* offline or missing: cached later when fetched */
          }
        }),
      );
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && name !== CACHE && name !== MODELS_CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin) return;
  // Dataset files (gallery) are fetched with cache: "no-store": not kept here, so a large
  // dataset never fills the app's cache and edited cases are seen at once.
  if (req.cache === "no-store") return;
  if (req.mode === "navigate") {
    event.respondWith(
      (async () => {
        try {
          const fresh = await fetch(req);
          if (fresh.ok) (await caches.open(CACHE)).put(self.registration.scope, fresh.clone());
          return fresh;
        } catch {
          const cached = await caches.match(self.registration.scope, { cacheName: CACHE, ignoreSearch: true });
          return cached || Response.error();
        }
      })(),
    );
    return;
  }
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      const hit = await cache.match(req, { ignoreSearch: true });
      if (hit) return hit;
      const r = await fetch(req);
      if (r.ok && r.type === "basic") cache.put(req, r.clone());
      return r;
    })(),
  );
});
