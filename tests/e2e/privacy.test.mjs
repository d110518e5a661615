// Network audit: every request during load, demo decode, file decode (and analysis, where the
// page has it) is a same-origin GET of the app's own static files without a body, and nothing
// at all reaches the network after the first full load (the service worker has cached it all).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  startServer,
  launchBrowser,
  openApp,
  waitForStatus,
  testVolumeFile,
  waitForServiceWorker,
} from "./helpers.mjs";

let server;
let url;
let origin;
let browser;

before(async () => {
  ({ server, url } = await startServer());
  origin = new URL(url).origin;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.close();
});

const STATIC = /^\/(?:[\w.-]+\/)*(?:[\w.-]+\.(?:html|js|mjs|wasm|css|svg|png|ico|json|onnx))?$/;

/** Wait until no request has started for `quietMs`. */
async function settle(list, quietMs = 1000) {
  let n = -1;
  while (n !== list.length) {
    n = list.length;
    await new Promise((r) => setTimeout(r, quietMs));
  }
}

/** Run the analysis if this build has it (hook for the analysis UI). */
async function analyseIfAvailable(page) {
  const button = page.locator('[data-testid="analyze"]');
  if ((await button.count()) === 0 || !(await button.isEnabled())) return false;
  await button.click();
  const st = await waitForStatus(page, ["done", "error"], 300_000);
  assert.equal(st.status, "done", `analysis: ${st.error}`);
  return true;
}

test("network audit: same-origin static GETs only, and nothing after the first full load", async () => {
  const { context, page, log } = await openApp(browser, url);
  const audit = [];
  const record = (phase) => (r) => audit.push({ phase, r });
  let phase = "load";
  context.on("request", (r) => record(phase)(r));
  await waitForServiceWorker(page);
  await settle(audit);
  const loadCount = log.requests.length;

  phase = "demo";
  await page.click('[data-testid="open-demo"]');
  await waitForStatus(page, ["ready"]);
  phase = "file";
  await page.locator('[data-testid="file-input"]').setInputFiles({
    name: "case.nii",
    mimeType: "application/octet-stream",
    buffer: testVolumeFile(),
  });
  await waitForStatus(page, ["ready"]);
  phase = "analysis";
  const analysed = await analyseIfAvailable(page);
  await settle(audit, 500);

  // Every request of the whole run (recorded from navigation on by openApp).
  for (const q of log.requests) {
    const u = new URL(q.url);
    assert.equal(u.origin, origin, `foreign request ${q.url}`);
    assert.ok(q.method === "GET", `${q.method} ${q.url}`);
    assert.equal(q.body, null, `request with a body: ${q.url}`);
    assert.match(u.pathname, STATIC, `not a static file: ${u.pathname}`);
  }
  // After the first full load nothing reaches the network: requests the page makes then must be
  // answered by the service worker's cache, and the worker itself must fetch nothing.
  const late = [];
  for (const { phase: p, r } of audit.filter((a) => a.phase !== "load")) {
    const fromSw = r.serviceWorker() !== null;
    const resp = await r.response().catch(() => null);
    const fromCache = resp ? resp.fromServiceWorker() : false;
    if (fromSw || !fromCache) late.push(`${p}: ${r.method()} ${new URL(r.url()).pathname}${fromSw ? " (service worker)" : ""}`);
  }
  assert.deepEqual(late, [], "network requests after the first full load");

  // The service worker fetches the app shell while it installs (from the first load on).
  const swRequests = log.requests.filter((q) => q.sw).length;
  const byPhase = {};
  for (const a of audit) byPhase[a.phase] = (byPhase[a.phase] ?? 0) + 1;
  assert.ok(swRequests > 0, "the service worker's own requests are recorded too");
  const paths = log.requests.slice(0, loadCount).map((q) => `${q.method} ${new URL(q.url).pathname}`);
  console.log(
    `requests: ${log.requests.length} in all; first load ${loadCount} (${swRequests} by the service worker); ` +
      `per phase ${JSON.stringify(byPhase)}; analysis ${analysed ? "run" : "not in this build"}\n  ${paths.join("\n  ")}`,
  );
  assert.deepEqual(log.pageErrors, []);
  await context.close();
});
