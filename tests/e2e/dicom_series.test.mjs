// DICOM series in the page: the series list of a drop with two series (choosing the other one
// opens it from the files the decoder already holds), and the early first slice of a larger
// series, with the time to the first image printed for a generated 36-slice 512² series and
// for the real series when ../shared/data is present.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { startServer, launchBrowser, openApp, waitForStatus, sharedData, state } from "./helpers.mjs";
import { dicomSeries } from "./dicom_writer.mjs";

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

const HEAD = { uid: "1.2.826.0.1.3680043.8.498.11", description: "HEAD 5mm", number: 2, slices: 12, rows: 64, cols: 64 };
const BONE = { uid: "1.2.826.0.1.3680043.8.498.12", description: "BONE 2mm", number: 3, slices: 4, rows: 32, cols: 48, step: 2 };
const headHu = (i, j, k) => (i < 32 ? 40 : 80) + k;
const boneHu = (i, j, k) => 300 + 10 * k + i - j;

/**
 * Record the first early slice from inside the page: every change of the status line (a
 * mutation observer runs right after the task that changed it) reads state().
 */
async function watchEarlySlice(page) {
  await page.evaluate(() => {
    window.__early = null;
    const t0 = performance.now();
    const status = document.querySelector('[data-testid="status"]');
    const observer = new MutationObserver(() => {
      const st = window.hemoscope.state();
      if (st.partial && !window.__early) {
        window.__early = { ...st.partial, dims: st.volume.dims, status: st.status, message: st.message, at: performance.now() - t0 };
      }
      if (st.status === "ready" || st.status === "error") observer.disconnect();
    });
    observer.observe(status, { childList: true, characterData: true, subtree: true });
  });
}

test("a drop with two series lists both; choosing the other shows it", async () => {
  const { page, context } = await openApp(browser, url);
  const files = [...dicomSeries({ ...HEAD, hu: headHu }), ...dicomSeries({ ...BONE, hu: boneHu })];
  await page.setInputFiles('[data-testid="file-input"]', files);
  let st = await waitForStatus(page, ["ready", "error"]);
  assert.equal(st.status, "ready", st.error);
  assert.deepEqual(st.volume.dims, [64, 64, 12], "the head series opens first");
  assert.equal(st.series.length, 2);
  const head = st.series.find((s) => s.uid === HEAD.uid);
  const bone = st.series.find((s) => s.uid === BONE.uid);
  assert.deepEqual(
    [head.description, head.slices, head.thickness_mm, head.opened],
    ["HEAD 5mm", 12, 5, true],
  );
  assert.deepEqual([bone.description, bone.slices, bone.opened], ["BONE 2mm", 4, false]);

  // The list in the page: both series, labelled, the opened one marked.
  const list = page.getByTestId("series-list");
  assert.ok(await list.isVisible(), "series list shown");
  const items = page.getByTestId("series-item");
  assert.equal(await items.count(), 2);
  const headItem = page.locator(`[data-testid="series-item"][data-series-uid="${HEAD.uid}"]`);
  const boneItem = page.locator(`[data-testid="series-item"][data-series-uid="${BONE.uid}"]`);
  assert.equal(await headItem.getAttribute("aria-current"), "true");
  assert.match(await boneItem.getAttribute("aria-label"), /BONE 2mm: CT, 4 slices, 2\.0 mm, axial, 32×48/);

  // Keyboard: focus the other series and press Enter.
  await boneItem.focus();
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => window.hemoscope.state().volume?.dims[2] === 4, null, { timeout: 30_000 });
  st = await waitForStatus(page, ["ready", "error"]);
  assert.equal(st.status, "ready", st.error);
  assert.deepEqual(st.volume.dims, [48, 32, 4], "the viewer shows the chosen series");
  assert.deepEqual(
    st.series.map((s) => [s.uid, s.opened]),
    [
      [HEAD.uid, false],
      [BONE.uid, true],
    ],
  );
  assert.equal(await boneItem.getAttribute("aria-current"), "true");
  // Exact values of the chosen series (i = column, j = row, k ascending).
  const vox = await page.evaluate(() => Array.from(window.hemoscope.voxels()));
  for (const [i, j, k] of [[0, 0, 0], [47, 31, 3], [10, 20, 2]]) {
    assert.equal(vox[i + 48 * (j + 32 * k)], boneHu(i, j, k), `HU at ${i},${j},${k}`);
  }

  // And back to the first one by mouse.
  await headItem.click();
  await page.waitForFunction(() => window.hemoscope.state().volume?.dims[2] === 12, null, { timeout: 30_000 });
  st = await waitForStatus(page, ["ready", "error"]);
  assert.deepEqual(st.volume.dims, [64, 64, 12]);

  // A NIfTI or a single-series drop hides the list.
  await page.setInputFiles('[data-testid="file-input"]', dicomSeries({ ...BONE, hu: boneHu }));
  st = await waitForStatus(page, ["ready", "error"]);
  assert.equal(st.series.length, 1);
  assert.equal(await list.isVisible(), false);
  await context.close();
});

test("the first slice of a 36-slice 512² series shows before the whole series", async () => {
  const { page, context } = await openApp(browser, url);
  const files = dicomSeries({
    uid: "1.2.826.0.1.3680043.8.498.13",
    description: "BIG",
    slices: 36,
    rows: 512,
    cols: 512,
    hu: (i, j, k) => ((i * 3 + j * 5 + k * 7) % 200) - 100,
  });
  await watchEarlySlice(page);
  const t0 = Date.now();
  await page.setInputFiles('[data-testid="file-input"]', files);
  await page.waitForFunction(() => window.__early !== null || window.hemoscope.state().status === "ready", null, {
    timeout: 60_000,
  });
  const firstWall = Date.now() - t0;
  const st = await waitForStatus(page, ["ready", "error"]);
  const wall = Date.now() - t0;
  assert.equal(st.status, "ready", st.error);
  assert.deepEqual(st.volume.dims, [512, 512, 36]);
  const early = await page.evaluate(() => window.__early);
  assert.ok(early, "an early slice was shown while loading");
  assert.deepEqual([early.k, early.slices, early.status], [18, 36, "loading"]);
  assert.deepEqual(early.dims, [512, 512, 1]);
  assert.match(early.message, /Loading \d+\/36 slices/);
  assert.ok(st.timings.first_image_ms < st.timings.load_ms, JSON.stringify(st.timings));
  assert.equal(st.slice, 18, "the full volume opens on the slice shown early");
  console.log(
    `# generated 36×512² DICOM: first image ${st.timings.first_image_ms.toFixed(0)} ms, ` +
      `whole volume ${st.timings.load_ms.toFixed(0)} ms (page clock, from the request); ` +
      `wall: first ${firstWall} ms, ready ${wall} ms`,
  );
  await context.close();
});

test("the real series shows its first slice early", async (t) => {
  const data = sharedData();
  const dir = data && path.join(data, "rsna-ich/dicom/ID_44cfc8e964");
  if (!dir || !fs.existsSync(dir)) {
    t.skip("../shared/data is not present");
    return;
  }
  const { page, context } = await openApp(browser, url);
  await watchEarlySlice(page);
  const t0 = Date.now();
  await page.setInputFiles('[data-testid="folder-input"]', dir);
  const st = await waitForStatus(page, ["ready", "error"]);
  const wall = Date.now() - t0;
  assert.equal(st.status, "ready", st.error);
  assert.deepEqual(st.volume.dims, [512, 512, 33]);
  assert.ok(st.timings.first_image_ms < st.timings.load_ms, JSON.stringify(st.timings));
  console.log(
    `# real 33-slice series: first image ${st.timings.first_image_ms.toFixed(0)} ms, ` +
      `whole volume ${st.timings.load_ms.toFixed(0)} ms (page clock); wall to ready ${wall} ms`,
  );
  await context.close();
});
