// DICOM intake in the page: a series as several files, as a folder (directory picker) and as
// a zip opens in the viewer; the real RSNA series (when ../shared/data is present) too, with
// the time from choosing the folder to the first slice on screen printed (not asserted).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  startServer,
  launchBrowser,
  openApp,
  waitForStatus,
  badCorpus,
  caseFiles,
  sharedData,
  foreignRequests,
} from "./helpers.mjs";

let server;
let url;
let origin;
let browser;
let corpus;

before(async () => {
  ({ server, url } = await startServer());
  origin = new URL(url).origin;
  browser = await launchBrowser();
  corpus = await badCorpus();
});

after(async () => {
  await browser?.close();
  server?.close();
});

const byName = (name) => {
  const c = corpus.cases.find((c) => c.name === name);
  assert.ok(c, `corpus case ${name}`);
  return c;
};

async function expectSeries(page, slices, log) {
  const st = await waitForStatus(page, ["ready", "error"], 60_000);
  assert.equal(st.status, "ready", `opened: ${st.error}`);
  assert.equal(st.volume.dims[2], slices, "every slice kept");
  assert.match(st.volume.source, /DICOM/i);
  // The slice is drawn: the canvas is not blank (bone window: the tiny synthetic series lies
  // around 0 HU, below the brain window).
  await page.click('button[data-preset="3"]');
  const lit = await page.evaluate(() => {
    const c = document.querySelector('[data-testid="viewer-axial"] canvas');
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  });
  assert.ok(lit > 0, "the DICOM slice is on the canvas");
  assert.deepEqual(foreignRequests(log, origin), [], "no request left the origin");
  return st;
}

test("a DICOM series opens from several files, from a folder and from a zip", async () => {
  const { page, log, context } = await openApp(browser, url);
  const series = byName("dcm_good_series");
  await page.setInputFiles('[data-testid="file-input"]', caseFiles(corpus.dir, series));
  await expectSeries(page, series.files.length, log);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hemoscope-dicom-folder-"));
  for (const f of series.files) {
    fs.copyFileSync(path.join(corpus.dir, f), path.join(dir, path.basename(f)));
  }
  await page.setInputFiles('[data-testid="folder-input"]', dir);
  await expectSeries(page, series.files.length, log);

  // The corpus's zip holds its own 3-slice series (tests/support/corpus.rs, zip_dicom_series).
  await page.setInputFiles('[data-testid="file-input"]', caseFiles(corpus.dir, byName("zip_dicom_series")));
  await expectSeries(page, 3, log);
  await context.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("the real 33-file RSNA series opens from its folder", async (t) => {
  const data = sharedData();
  const dir = data && path.join(data, "rsna-ich/dicom/ID_44cfc8e964");
  if (!dir || !fs.existsSync(dir)) {
    t.skip("../shared/data is not present");
    return;
  }
  const { page, log, context } = await openApp(browser, url);
  const t0 = Date.now();
  await page.setInputFiles('[data-testid="folder-input"]', dir);
  const st = await expectSeries(page, 33, log);
  console.log(`# real 33-file DICOM series: ${Date.now() - t0} ms from choosing the folder to ready`);
  assert.deepEqual(st.volume.dims, [512, 512, 33]);
  await context.close();
});
