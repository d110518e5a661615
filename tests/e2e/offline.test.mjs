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
  const names = await cacheNames(page);
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
  const [first] = await cacheNames(page);
  assert.match(first, /^hemoscope-/);

  const html = fs.readFileSync(path.join(root, "index.html"), "utf8");
  const wasm = fs.readdirSync(root).find((f) => /^app-.*_bg\.wasm$/.test(f));
  const renamed = wasm.replace(/_bg\.wasm$/, "0_bg.wasm");
  fs.copyFileSync(path.join(root, wasm), path.join(root, renamed));
  fs.writeFileSync(path.join(root, "index.html"), html.replaceAll(wasm, renamed));

  await page.reload();
  await page.waitForFunction(() => window.hemoscope && window.hemoscope.state().status === "idle");
  // The new build's worker installs, activates and deletes the old cache.
  const want = [first.replace(/_bg$/, "0_bg")];
  for (let i = 0; i < 150 && JSON.stringify(await cacheNames(page)) !== JSON.stringify(want); i++) {
    await new Promise((r) => setTimeout(r, 200));
  }
  const names = await cacheNames(page);
  assert.deepEqual(names, want);
  assert.equal((await state(page)).status, "idle");
  await context.close();
}
