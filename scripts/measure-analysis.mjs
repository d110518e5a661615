// Whole-scan analysis time in headless Chromium (from the Analyze click to the overlays on
// screen), next to the native CLI on the same file. Not part of the tests.
//
//   node scripts/measure-analysis.mjs [volume.nii.gz ...]     (no file: the demo case)
//
// Needs a release build in $HEMOSCOPE_DIST (default dist/) and, for the native figures, the CLI
// at $HEMOSCOPE_CLI (default $CARGO_TARGET_DIR/release/hemoscope, built with --features inference).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { repoRoot, startServer, launchBrowser, openApp, waitForStatus } from "../tests/e2e/helpers.mjs";

const cli =
  process.env.HEMOSCOPE_CLI ??
  path.join(process.env.CARGO_TARGET_DIR ?? path.join(repoRoot, "target"), "release", "hemoscope");
const runs = Number(process.env.RUNS ?? 3);
const files = process.argv.slice(2);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hemoscope-measure-"));
if (files.length === 0 && fs.existsSync(cli)) {
  const demo = path.join(tmp, "demo.nii.gz");
  execFileSync(cli, ["phantom", "-o", demo]);
  files.push(demo);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const { server, url } = await startServer();
const browser = await launchBrowser();
for (const file of files) {
  const { context, page } = await openApp(browser, url);
  await page.setInputFiles('[data-testid="file-input"]', file);
  const loaded = await waitForStatus(page, ["ready", "error"], 300_000);
  const nz = loaded.volume.dims[2];
  const walls = [];
  let last;
  for (let r = 0; r < runs; r++) {
    const t = await page.evaluate(async () => {
      const t0 = performance.now();
      document.querySelector('[data-testid="analyze"]').click();
      while (!["done", "error"].includes(window.hemoscope.state().status))
        await new Promise((res) => setTimeout(res, 5));
      await new Promise((res) => requestAnimationFrame(() => res()));
      return performance.now() - t0;
    });
    walls.push(t);
    last = (await page.evaluate(() => window.hemoscope.state())).results;
  }
  const tm = last.timings_ms;
  const line = {
    file: path.basename(file),
    dims: loaded.volume.dims,
    decode_ms: Math.round(loaded.timings.decode_ms),
    workers: tm.workers,
    analyze_to_overlay_ms: { median: Math.round(median(walls)), min: Math.round(Math.min(...walls)), max: Math.round(Math.max(...walls)) },
    wasm_per_slice_ms: {
      preprocess: +(tm.preprocess / nz).toFixed(1),
      classifier: +(tm.classifier / nz).toFixed(1),
      segmenter: +(tm.segmenter / nz).toFixed(1),
      postprocess: +(tm.postprocess / nz).toFixed(1),
    },
  };
  if (fs.existsSync(cli)) {
    const out = path.join(tmp, "native.json");
    const t0 = Date.now();
    execFileSync(cli, ["analyze", file, "--json", out]);
    const wall = Date.now() - t0;
    const n = JSON.parse(fs.readFileSync(out, "utf8")).timings_ms;
    line.native = {
      wall_ms_incl_model_load: wall,
      analysis_ms: Math.round(n.total),
      per_slice_ms: {
        preprocess: +(n.preprocess / nz).toFixed(1),
        classifier: +(n.classifier / nz).toFixed(1),
        segmenter: +(n.segmenter / nz).toFixed(1),
        postprocess: +(n.postprocess / nz).toFixed(1),
      },
    };
  }
  console.log(JSON.stringify(line));
  await context.close();
}
await browser.close();
server.close();
fs.rmSync(tmp, { recursive: true, force: true });
