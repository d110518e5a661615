// First contact: what a new user meets. The console of the page and of every worker stays
// clean (no warning, no error) while the app loads, opens the demo case and analyses it; and
// at the common screen sizes no panel runs past the window (screenshots are written to
// $HEMOSCOPE_SCREENSHOTS when it is set, to look at).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

import { launchBrowser, startServer, waitForStatus } from "./helpers.mjs";

const SIZES = [
  [1280, 720],
  [1366, 768],
  [1440, 900],
  [1400, 900],
  [1920, 1080],
];

let server;
let url;
let browser;

before(async () => {
  ({ server, url } = await startServer());
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** Elements that end right of the window, or panels whose content is wider than they are. */
function overflows(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const out = [];
    if (document.documentElement.scrollWidth > width) {
      out.push(`page: scrollWidth ${document.documentElement.scrollWidth} > ${width}`);
    }
    const name = (e) =>
      e.tagName.toLowerCase() +
      (e.id ? `#${e.id}` : "") +
      (e.getAttribute("data-testid") ? `[data-testid=${e.getAttribute("data-testid")}]` : "") +
      (typeof e.className === "string" && e.className ? `.${e.className.split(" ").join(".")}` : "");
    for (const e of document.body.querySelectorAll("*")) {
      if (e.closest(".visually-hidden, [hidden]")) continue;
      const r = e.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      if (r.right > width + 0.5) out.push(`${name(e)} ends at x = ${r.right.toFixed(1)} > ${width}`);
    }
    for (const sel of [".toolbar", ".workspace", ".side", ".views", ".statusbar"]) {
      for (const e of document.querySelectorAll(sel)) {
        if (e.scrollWidth > e.clientWidth + 1) {
          out.push(`${name(e)}: content ${e.scrollWidth} px wide in ${e.clientWidth} px`);
        }
      }
    }
    return out;
  });
}

test("clean console while loading, opening and analysing; no panel overflows at common sizes", async () => {
  const [w0, h0] = SIZES[0];
  const context = await browser.newContext({ viewport: { width: w0, height: h0 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const messages = [];
  const keep = (where) => (m) => {
    if (m.type() === "warning" || m.type() === "error") messages.push(`${where} ${m.type()}: ${m.text()}`);
  };
  page.on("console", keep("page"));
  page.on("worker", (w) => w.on("console", keep(`worker ${w.url().split("/").pop()}`)));
  page.on("pageerror", (e) => messages.push(`page error: ${e}`));
  try {
    await page.goto(url);
    await page.waitForFunction(() => window.hemoscope && window.hemoscope.state().status === "idle");
    await page.click('[data-testid="open-demo"]');
    await waitForStatus(page, ["ready"], 60_000);
    await page.click('[data-testid="analyze"]');
    const st = await waitForStatus(page, ["done", "error"], 300_000);
    assert.equal(st.status, "done", `analysis failed: ${st.error}`);
    // Let late messages (service worker registration, worker start-up) arrive.
    await page.waitForTimeout(500);
    assert.deepEqual(messages, [], "console warnings or errors during load, open and analysis");

    const shots = process.env.HEMOSCOPE_SCREENSHOTS;
    if (shots) fs.mkdirSync(shots, { recursive: true });
    for (const [w, h] of SIZES) {
      await page.setViewportSize({ width: w, height: h });
      await page.waitForTimeout(150);
      if (shots) await page.screenshot({ path: path.join(shots, `layout-${w}x${h}.png`) });
      assert.deepEqual(await overflows(page), [], `${w}×${h}: something runs past the window`);
      // The results stay readable: every row of the verdict table inside the side panel.
      const [table, side] = await page.evaluate(() => [
        document.querySelector('[data-testid="analysis-results"] table').getBoundingClientRect().right,
        document.querySelector(".side").getBoundingClientRect().right,
      ]);
      assert.ok(table <= side + 0.5, `${w}×${h}: results table ends at ${table}, the side panel at ${side}`);
    }
    assert.deepEqual(messages, [], "console warnings or errors while resizing");
  } finally {
    await context.close();
  }
});
