// The bad-input corpus in Chromium: each file dropped through the file input gives a readable
// error in the page (or opens with its warning), nothing throws, and the next good file loads.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import {
  startServer,
  launchBrowser,
  openApp,
  state,
  waitForStatus,
  testVolumeFile,
  TEST_VOLUME,
  badCorpus,
  caseFiles,
} from "./helpers.mjs";

let server;
let url;
let browser;
let corpus;

before(async () => {
  corpus = await badCorpus();
  ({ server, url } = await startServer());
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.close();
});

// A representative subset over every family; each is dropped, then a good file.
const SUBSET = [
  "nii_empty",
  "nii_trunc_200",
  "nii_trunc_mid_data",
  "niigz_trunc_tail",
  "nii_wrong_magic",
  "nii_dims_32767_cubed",
  "nii_dims_negative",
  "nii_pixdim_nan",
  "nii_scl_slope_inf",
  "nii_datatype_rgb24",
  "nifti2_header",
  "niigz_corrupt_deflate",
  "niigz_bad_crc",
  "niigz_cut_trailer_4",
  "gzip_bomb_zeros",
  "gzip_bomb_huge_header",
  "nii_4d_two_volumes",
  "dcm_trunc_mid_header",
  "dcm_no_pixel_data",
  "dcm_unsupported_transfer_syntax",
  "dcm_rgb",
  "dcm_noise_after_magic",
  "zip_truncated",
  "zip_dotdot_only",
  "zip_corrupt_deflate",
  "zip_bomb",
];

/** An error a person can read: one line, not a raw exception or a crash. */
function assertReadable(name, error) {
  assert.equal(typeof error, "string", `${name}: state().error is set`);
  assert.ok(error.length >= 15 && error.length < 700, `${name}: error length ${error.length}: ${error}`);
  assert.ok(!error.includes("\n"), `${name}: one line: ${error}`);
  assert.doesNotMatch(error, /panicked|RuntimeError|unreachable|Internal error|undefined|\[object/i, `${name}: ${error}`);
}

test("every bad file gives a readable error, no page error, and a good file loads after each", async () => {
  const byName = new Map(corpus.cases.map((c) => [c.name, c]));
  const cases = SUBSET.map((n) => byName.get(n)).filter(Boolean);
  assert.ok(cases.length >= 20, `subset found in the corpus: ${cases.length}`);
  assert.ok(new Set(cases.map((c) => c.family)).size === 3, "NIfTI, DICOM and zip cases");
  const { context, page, log } = await openApp(browser, url);
  const input = page.locator('[data-testid="file-input"]');
  const good = { name: "good.nii", mimeType: "application/octet-stream", buffer: testVolumeFile() };
  const seen = [];
  for (const c of cases) {
    await input.setInputFiles(caseFiles(corpus.dir, c));
    const st = await waitForStatus(page, ["error", "ready"], 120_000);
    if (c.expect === "error") {
      assert.equal(st.status, "error", `${c.name}: must fail, got ${JSON.stringify(st.volume)}`);
      assertReadable(c.name, st.error);
      // A single file is named in its message (what the status line says around it, and that
      // the previous volume stays, is decided natively: ui::core::viewer).
      if (c.files.length === 1) {
        const file = path.basename(c.files[0]);
        assert.ok(st.error.includes(file), `${c.name}: "${file}" named in ${st.error}`);
      }
      // The NIfTI reader's and the zip intake's messages are the same in the page and natively
      // (skipped zip entries are named with the reason).
      if ((c.family === "nifti" && c.name !== "nii_empty") || c.family === "zip") {
        for (const f of c.fragments) {
          assert.ok(st.error.toLowerCase().includes(f.toLowerCase()), `${c.name}: "${f}" in ${st.error}`);
        }
      }
      assert.equal(await page.locator('[data-testid="error"]').isVisible(), true, `${c.name}: error shown`);
      seen.push(`${c.name}: ${st.error}`);
    } else if (st.status === "error") {
      // DICOM and zip open only where the page accepts them; the message must still be readable.
      assert.notEqual(c.family, "nifti", `${c.name}: must open: ${st.error}`);
      assertReadable(c.name, st.error);
    } else if (c.expect === "warn") {
      const w = st.volume.warnings.join(" ").toLowerCase();
      assert.ok(w.includes(c.fragments[0].toLowerCase()), `${c.name}: warning ${c.fragments[0]} in ${w}`);
    }
    assert.equal(await page.locator('[data-testid="fatal-panel"]').isVisible(), false, `${c.name}: no crash panel`);
    // The page keeps working: the next good file loads normally.
    await input.setInputFiles(good);
    const ok = await waitForStatus(page, ["ready", "error"], 60_000);
    assert.equal(ok.status, "ready", `${c.name}: good file after it: ${ok.error}`);
    assert.deepEqual(ok.volume.dims, TEST_VOLUME.dims);
    assert.equal(ok.error, undefined, `${c.name}: error cleared`);
  }
  console.log(`bad files dropped: ${cases.length}\n  ${seen.join("\n  ")}`);
  assert.deepEqual(log.pageErrors, [], "uncaught page errors");
  await context.close();
});

test("a panic shows the error panel with diagnostics that hold no file data", async () => {
  const { context, page } = await openApp(browser, url);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(url).origin });
  // Open a file first, so the diagnostics could leak its name if they were careless.
  await page.locator('[data-testid="file-input"]').setInputFiles({
    name: "Doe_John_1970.nii",
    mimeType: "application/octet-stream",
    buffer: testVolumeFile(),
  });
  await waitForStatus(page, ["ready"]);
  const threw = await page.evaluate(() => {
    try {
      window.hemoscope.panicForTests();
      return null;
    } catch (e) {
      return String(e);
    }
  });
  assert.ok(threw, "the panic surfaced as an exception");
  const panel = page.locator('[data-testid="fatal-panel"]');
  await panel.waitFor({ state: "visible" });
  assert.match(await page.textContent('[data-testid="fatal-text"]'), /Internal error/);
  await page.click('[data-testid="copy-diagnostics"]');
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  const shown = await page.textContent('[data-testid="diagnostics"]');
  assert.equal(copied, shown);
  assert.match(copied, /Hemoscope \d+\.\d+\.\d+/);
  assert.match(copied, /Browser: Mozilla\/5\.0 .*Chrome/);
  assert.match(copied, /SIMD: yes/);
  assert.match(copied, /Timings: app start \d+ ms/);
  assert.match(copied, /panic at src\/ui\/web\/panic\.rs:\d+: deliberate panic/);
  assert.doesNotMatch(copied, /Doe|John|\.nii/);
  const st = await state(page);
  assert.equal(st.status, "error");
  console.log(`diagnostics:\n${copied}`);
  await context.close();
});
