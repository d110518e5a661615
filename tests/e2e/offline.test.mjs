// Offline: after one visit the app loads, opens the demo case and analyses it with the network
// off (and the server stopped), and a new build replaces the old cache.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { serve } from "../../scripts/static-server.mjs";
import { distDir, launchBrowser, openApp, waitForStatus, waitForServiceWorker, state } from "./helpers.mjs";

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** Stop a server now, dropping kept-alive connections. */
function stop(server) {
  if (!server.listening) return Promise.resolve();
  server.closeAllConnections?.();
  return new Promise((r) => server.close(() => r()));
}

const cacheNames = (page) => page.evaluate(() => caches.keys());
// The analysis workers' model cache (keyed by sha256, kept across builds) is not a build's cache.
const MODELS_CACHE = "hemoscope-models";
const buildCaches = async (page) => (await cacheNames(page)).filter((n) => n !== MODELS_CACHE);
const modelKeys = (page) =>
  page.evaluate(async (name) => {
    if (!(await caches.has(name))) return [];
    const keys = await (await caches.open(name)).keys();
    return keys.map((r) => new URL(r.url).pathname.replace(/^.*\/models\//, "models/") + new URL(r.url).search).sort();
  }, MODELS_CACHE);

test("after one visit the app works offline: the demo case opens and is analysed", async () => {
  const { server, url } = await serve(distDir(), "127.0.0.1", 0);
  try {
    await worksOffline(server, url);
  } finally {
    await stop(server);
  }
});

async function worksOffline(server, url) {
  const { context, page, log } = await openApp(browser, url);
  await waitForServiceWorker(page);
  const names = await buildCaches(page);
  assert.equal(names.length, 1, `one versioned cache: ${names}`);
  assert.match(names[0], /^hemoscope-app-[0-9a-f]+_bg$/);
  // Network off: the browser's offline mode and no server at all.
  await context.setOffline(true);
  await stop(server);
  await page.reload();
  await page.waitForFunction(() => window.hemoscope && window.hemoscope.state().status === "idle");
  await page.click('[data-testid="open-demo"]');
  const st = await waitForStatus(page, ["ready", "error"]);
  assert.equal(st.status, "ready", `demo offline: ${st.error}`);
  assert.ok(st.volume.dims.every((d) => d > 1));
  // Analysis offline: the workers start from the cache and read the models from it.
  await page.click('[data-testid="analyze"]');
  const done = await waitForStatus(page, ["done", "error"], 300_000);
  assert.equal(done.status, "done", `analysis offline: ${done.error}`);
  assert.ok(done.results && done.results.slices.length === st.volume.dims[2], "a result per slice");
  assert.equal(typeof done.results.verdict.any, "boolean", "a verdict");
  assert.ok(Number.isFinite(done.results.volumes_ml.any), "volumes");
  assert.notEqual(await page.evaluate(() => window.hemoscope.mask()), null, "an overlay mask");
  assert.deepEqual(log.pageErrors, [], "no page errors");
  const jsErrors = log.consoleErrors.filter((m) => /TypeError|ReferenceError|Uncaught/.test(m));
  assert.deepEqual(jsErrors, [], "no script errors in the console");
  // A new tab in the same profile also starts offline.
  const second = await context.newPage();
  await second.goto(url);
  await second.waitForFunction(() => window.hemoscope && window.hemoscope.state().status === "idle");
  await context.close();
}

test("a new build replaces the old cache", async () => {
  // Two builds: a copy of the app whose wasm file has another hashed name.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "hemoscope-sw-"));
  fs.cpSync(distDir(), root, { recursive: true });
  const { server, url } = await serve(root, "127.0.0.1", 0);
  try {
    await newBuildReplacesCache(root, url);
  } finally {
    await stop(server);
    fs.rmSync(root, { recursive: true, force: true });
  }
});

async function newBuildReplacesCache(root, url) {
  const { context, page } = await openApp(browser, url);
  await waitForServiceWorker(page);
  const [first] = await buildCaches(page);
  assert.match(first, /^hemoscope-app-/);
  // The first analysis worker starts with the page and stores both model files in its cache.
  let shipped = [];
  for (let i = 0; i < 600 && shipped.length < 2; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 200));
    shipped = await modelKeys(page);
  }
  assert.ok(shipped.some((k) => /^models\/segmenter\.onnx\?sha256=[0-9a-f]{64}$/.test(k)), `${shipped}`);
  // An entry another app might have left (kept) and an older version of a shipped model (pruned).
  await page.evaluate(async (name) => {
    const cache = await caches.open(name);
    await cache.put("models/marker.bin", new Response("kept"));
    await cache.put("models/segmenter.onnx?sha256=0000", new Response("old weights"));
  }, MODELS_CACHE);

  const html = fs.readFileSync(path.join(root, "index.html"), "utf8");
  const wasm = fs.readdirSync(root).find((f) => /^app-.*_bg\.wasm$/.test(f));
  const renamed = wasm.replace(/_bg\.wasm$/, "0_bg.wasm");
  fs.copyFileSync(path.join(root, wasm), path.join(root, renamed));
  fs.writeFileSync(path.join(root, "index.html"), html.replaceAll(wasm, renamed));

  await page.reload();
  await page.waitForFunction(() => window.hemoscope && window.hemoscope.state().status === "idle");
  // The new build's worker installs, activates and deletes the old build's cache, and only it.
  const want = [first.replace(/_bg$/, "0_bg")];
  for (let i = 0; i < 150 && JSON.stringify(await buildCaches(page)) !== JSON.stringify(want); i++) {
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.deepEqual(await buildCaches(page), want);
  // The models' cache survived the new build; the reloaded page's worker pruned the old version.
  const wantModels = [...shipped, "models/marker.bin"].sort();
  for (let i = 0; i < 150 && JSON.stringify(await modelKeys(page)) !== JSON.stringify(wantModels); i++) {
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.deepEqual(await modelKeys(page), wantModels);
  assert.equal((await state(page)).status, "idle");
  await context.close();
}
