// Exports in the page: after Analyze, each export button downloads a valid file (mask NIfTI,
// report JSON and CSV, PNG of the view; DICOM SEG for a DICOM series), with no request leaving
// the page while exporting (downloads are blob URLs).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import {
  startServer,
  launchBrowser,
  openApp,
  state,
  waitForStatus,
  phantomDicom,
  PHANTOM_DICOM_ROOT,
} from "./helpers.mjs";

let server;
let url;
let browser;
let dicomDir;

before(async () => {
  ({ server, url } = await startServer());
  browser = await launchBrowser();
  dicomDir = await phantomDicom();
});

after(async () => {
  await browser?.close();
  server?.close();
  if (dicomDir) fs.rmSync(dicomDir, { recursive: true, force: true });
});

async function analyze(page) {
  await page.click('[data-testid="analyze"]');
  const st = await waitForStatus(page, ["done", "error"], 300_000);
  assert.equal(st.status, "done", `analysis failed: ${st.error}`);
  return st;
}

/** Click an export button (keyboard: focus + Enter) and return the download's name and bytes. */
async function exportFile(page, testid, log) {
  const before = log.requests.length;
  await page.focus(`[data-testid="${testid}"]`);
  const [download] = await Promise.all([
    page.waitForEvent("download", { timeout: 60_000 }),
    page.keyboard.press("Enter"),
  ]);
  const file = await download.path();
  const bytes = fs.readFileSync(file);
  // Give any stray request a moment to show up.
  await page.waitForTimeout(200);
  const during = log.requests.slice(before).filter((r) => !r.url.startsWith("blob:"));
  assert.deepEqual(during, [], `requests while exporting ${testid}`);
  return { name: download.suggestedFilename(), bytes };
}

function niftiHeader(gz) {
  const buf = zlib.gunzipSync(gz);
  return {
    dims: [1, 2, 3].map((n) => buf.readInt16LE(40 + 2 * n)),
    datatype: buf.readInt16LE(70),
    qform: buf.readInt16LE(252),
    sform: buf.readInt16LE(254),
    magic: buf.toString("latin1", 344, 347),
    srow: [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => buf.readFloatLE(280 + 16 * r + 4 * c))),
  };
}

test("demo case: mask, reports and PNG download locally; DICOM SEG is disabled for NIfTI", async () => {
  const { context, page, log } = await openApp(browser, url);
  try {
    assert.equal(await page.isDisabled('[data-testid="export-mask"]'), true, "nothing to export before analysis");
    await page.click('[data-testid="open-demo"]');
    await waitForStatus(page, ["ready"]);
    const st = await analyze(page);
    assert.equal(await page.isDisabled('[data-testid="export-seg"]'), true, "SEG needs DICOM input");
    for (const id of ["export-mask", "export-report-json", "export-report-csv", "export-png"]) {
      assert.equal(await page.isDisabled(`[data-testid="${id}"]`), false, `${id} enabled`);
      assert.ok((await page.getAttribute(`[data-testid="${id}"]`, "aria-label")).length > 0, `${id} labelled`);
    }

    const mask = await exportFile(page, "export-mask", log);
    assert.match(mask.name, /^hemoscope-mask-\d{8}-\d{6}\.nii\.gz$/);
    const h = niftiHeader(mask.bytes);
    assert.deepEqual(h.dims, st.volume.dims, "mask dims = volume dims");
    assert.equal(h.datatype, 2, "uint8");
    assert.equal(h.magic, "n+1");
    assert.equal(h.sform, 1);
    assert.equal(h.qform, 1, "rigid affine: qform set too");
    const pageMask = await page.evaluate(() => Array.from(window.hemoscope.mask()));
    const body = zlib.gunzipSync(mask.bytes).subarray(352);
    assert.equal(body.length, pageMask.length);
    assert.ok(body.every((v, n) => v === pageMask[n]), "the file holds the page's mask");

    const json = await exportFile(page, "export-report-json", log);
    assert.match(json.name, /\.json$/);
    const report = JSON.parse(json.bytes.toString("utf8"));
    for (const key of Object.keys(st.results)) assert.ok(key in report, `report has ${key}`);
    assert.deepEqual(report.verdict, st.results.verdict);
    // A label the models cannot assess is said so, never reported (epidural: too few cases).
    assert.equal(report.label_status.epidural.assessed, false);
    assert.match(report.label_status.epidural.reason, /training cases/);
    assert.equal(report.verdict.epidural, false);
    assert.equal(report.volumes_ml.epidural, 0);
    assert.equal(report.report.software, "hemoscope");
    assert.match(report.report.analysed_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(report.report.notice, "Research use — not for diagnosis");
    assert.equal(report.report.patient, undefined);
    const after = await state(page);
    assert.deepEqual(Object.keys(after.results).sort(), Object.keys(st.results).sort(), "state().results unchanged");

    const csv = await exportFile(page, "export-report-csv", log);
    const lines = csv.bytes.toString("utf8").split("\n");
    assert.match(lines[0], /^slice,position_mm,sop_instance_uid,p_any,p_epidural,/);
    assert.equal(lines.filter((l) => /^\d+,/.test(l)).length, st.volume.dims[2], "one row per slice");
    assert.match(lines[0], /,predicted_subdural,no_brain$/);
    const skipped = lines.filter((l) => /^\d+,/.test(l) && l.endsWith(",1")).map((l) => Number(l.split(",")[0]));
    assert.deepEqual(skipped, st.results.slices.filter((x) => x.no_brain).map((x) => x.index), "CSV marks the slices without brain");
    assert.ok(lines.some((l) => l.startsWith("notice,Research use")));
    assert.ok(lines.some((l) => /^epidural,,not assessed \(.*training cases\),$/.test(l)), "CSV: epidural not assessed");

    const png = await exportFile(page, "export-png", log);
    assert.deepEqual([...png.bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "PNG magic");
    const width = png.bytes.readUInt32BE(16);
    const height = png.bytes.readUInt32BE(20);
    assert.ok(width >= st.view.canvas[0] && height > st.view.canvas[1], `PNG ${width}×${height} holds the view and legend`);
    // What the user sees: all three views of the layout side by side, not the axial one alone.
    const views = await page.$eval("#views", (e) => e.getBoundingClientRect());
    assert.ok(width >= Math.round(views.width) && height > Math.round(views.height), `PNG ${width}×${height} holds the three views (${views.width}×${views.height})`);
    assert.match(await page.textContent('[data-testid="export-status"]'), /Saved hemoscope-view-/);
    assert.deepEqual(log.pageErrors, []);
  } finally {
    await context.close();
  }
});

test("DICOM series: the SEG downloads and refers to the source series; patient only when asked", async () => {
  const { context, page, log } = await openApp(browser, url);
  try {
    const files = fs.readdirSync(dicomDir).sort().map((f) => path.join(dicomDir, f));
    await page.setInputFiles('[data-testid="file-input"]', files);
    const opened = await waitForStatus(page, ["ready", "error"], 120_000);
    assert.equal(opened.status, "ready", `opened: ${opened.error}`);
    assert.equal(opened.volume.dims[2], files.length);
    await analyze(page);
    assert.equal(await page.isDisabled('[data-testid="export-seg"]'), false, "SEG enabled for DICOM");
    const seg = await exportFile(page, "export-seg", log);
    assert.match(seg.name, /^hemoscope-seg-\d{8}-\d{6}\.dcm$/);
    assert.equal(seg.bytes.toString("latin1", 128, 132), "DICM");
    const text = seg.bytes.toString("latin1");
    assert.ok(text.includes("1.2.840.10008.5.1.4.1.1.66.4"), "Segmentation Storage SOP class");
    assert.ok(text.includes(`${PHANTOM_DICOM_ROOT}.1`), "refers to the source series");
    // The last slice's instance (its UID is no prefix of another).
    assert.ok(text.includes(`${PHANTOM_DICOM_ROOT}.${files.length}`), "refers to the source instances");

    const plain = JSON.parse((await exportFile(page, "export-report-json", log)).bytes.toString("utf8"));
    assert.equal(plain.report.input_format, "DICOM");
    assert.equal(plain.report.series_instance_uid, `${PHANTOM_DICOM_ROOT}.1`);
    assert.equal(plain.report.patient, undefined, "no patient data unless asked");
    await page.check('[data-testid="export-include-patient"]');
    const withPatient = JSON.parse((await exportFile(page, "export-report-json", log)).bytes.toString("utf8"));
    assert.deepEqual(withPatient.report.patient, { name: "Phantom^Test", id: "PHANTOM-1" });
    const csv = (await exportFile(page, "export-report-csv", log)).bytes.toString("utf8");
    assert.match(csv, /\npatient_id,PHANTOM-1\n/);
    assert.deepEqual(log.pageErrors, []);
  } finally {
    await context.close();
  }
});
