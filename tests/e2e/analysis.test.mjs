// End-to-end tests of the in-browser analysis: the worker pool against the native CLI
// (`hemoscope analyze --json --mask`) on the same volume, the overlay, Cancel, the model cache
// and privacy. Needs the native CLI built with `--features inference` (scripts/test.sh does it;
// HEMOSCOPE_CLI overrides its path).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { execFileSync } from "node:child_process";
import {
  repoRoot,
  startServer,
  launchBrowser,
  openApp,
  state,
  waitForStatus,
  foreignRequests,
} from "./helpers.mjs";

const LABELS = ["any", "epidural", "intraparenchymal", "intraventricular", "subarachnoid", "subdural"];
/** Overlay colours per mask code (render::overlay::OKABE_ITO). */
const PALETTE = [null, [0x00, 0x72, 0xb2], [0xd5, 0x5e, 0x00], [0x00, 0x9e, 0x73], [0xf0, 0xe4, 0x42], [0xcc, 0x79, 0xa7]];

let server;
let url;
let origin;
let browser;
let tmp;
let phantomFile;
let native; // { result, mask: Uint8Array, dims }

function cliPath() {
  if (process.env.HEMOSCOPE_CLI) return process.env.HEMOSCOPE_CLI;
  const target = process.env.CARGO_TARGET_DIR ?? path.join(repoRoot, "target");
  return path.join(target, "release", "hemoscope");
}

/** A uint8 NIfTI (.nii.gz) written by the CLI: dims and voxels. */
function readLabelsNifti(file) {
  const buf = zlib.gunzipSync(fs.readFileSync(file));
  const dims = [1, 2, 3].map((n) => buf.readInt16LE(40 + 2 * n));
  assert.equal(buf.readInt16LE(70), 2, "mask datatype is uint8");
  const offset = Math.round(buf.readFloatLE(108));
  const n = dims[0] * dims[1] * dims[2];
  return { dims, mask: new Uint8Array(buf.subarray(offset, offset + n)) };
}

before(async () => {
  const cli = cliPath();
  if (!fs.existsSync(cli)) {
    throw new Error(`${cli} is missing: build it with cargo build --release --features inference --bin hemoscope`);
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hemoscope-analysis-"));
  phantomFile = path.join(tmp, "phantom.nii.gz");
  execFileSync(cli, ["phantom", "-o", phantomFile]);
  const jsonFile = path.join(tmp, "native.json");
  const maskFile = path.join(tmp, "native-mask.nii.gz");
  execFileSync(cli, ["analyze", phantomFile, "--json", jsonFile, "--mask", maskFile]);
  native = { result: JSON.parse(fs.readFileSync(jsonFile, "utf8")), ...readLabelsNifti(maskFile) };
  ({ server, url } = await startServer());
  origin = new URL(url).origin;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function assertPrivate(log) {
  assert.deepEqual(log.pageErrors, [], "uncaught page errors");
  assert.deepEqual(foreignRequests(log, origin), [], "requests that were not same-origin GETs");
}

/** The page's results equal the CLI's: same shape, probabilities within 1e-3, verdicts, volumes. */
function assertSameAsNative(web, mask, ref = native) {
  const nat = ref.result;
  assert.deepEqual(Object.keys(web).sort(), Object.keys(nat).sort(), "same JSON fields as the CLI");
  assert.deepEqual(web.models, nat.models);
  assert.deepEqual(web.thresholds, nat.thresholds);
  assert.equal(web.slices.length, nat.slices.length);
  let worst = 0;
  web.slices.forEach((s, k) => {
    assert.equal(s.index, k);
    assert.equal(Boolean(s.no_brain), Boolean(nat.slices[k].no_brain), `slice ${k}: the same "no brain" judgement`);
    for (const l of LABELS) {
      const d = Math.abs(s.probabilities[l] - nat.slices[k].probabilities[l]);
      worst = Math.max(worst, d);
      assert.ok(d <= 1e-3, `slice ${k} ${l}: web ${s.probabilities[l]}, native ${nat.slices[k].probabilities[l]}`);
    }
  });
  assert.deepEqual(web.verdict, nat.verdict, "scan verdicts");
  for (const l of LABELS) {
    const a = web.volumes_ml[l];
    const b = nat.volumes_ml[l];
    assert.ok(Math.abs(a - b) <= 0.001 * Math.max(1, b) + 0.05, `volume ${l}: web ${a} mL, native ${b} mL`);
  }
  assert.equal(web.abc2_ml === null, nat.abc2_ml === null, "ABC/2 present in both or neither");
  assert.equal(mask.length, ref.mask.length, "mask size");
  let same = 0;
  for (let n = 0; n < mask.length; n++) if (mask[n] === ref.mask[n]) same++;
  const agreement = same / mask.length;
  assert.ok(agreement >= 0.999, `mask agreement ${agreement}`);
  return { worst, agreement };
}

async function analyze(page) {
  await page.click('[data-testid="analyze"]');
  const st = await waitForStatus(page, ["done", "error"], 300_000);
  assert.equal(st.status, "done", `analysis failed: ${st.error}`);
  return st;
}

const webMask = (page) => page.evaluate(() => Array.from(window.hemoscope.mask() ?? []));

test("demo case: Analyze gives the CLI's numbers, overlay drawn where the mask is", async () => {
  const { context, page, log } = await openApp(browser, url);
  try {
    assert.equal(await page.isDisabled('[data-testid="analyze"]'), true, "nothing to analyse yet");
    await page.click('[data-testid="open-demo"]');
    await waitForStatus(page, ["ready"]);
    const seen = [];
    const poll = setInterval(async () => {
      try {
        const s = await state(page);
        seen.push(s.status);
      } catch {}
    }, 100);
    const st = await analyze(page);
    clearInterval(poll);
    assert.ok(seen.includes("analyzing"), `status went through analyzing: ${[...new Set(seen)]}`);
    const { worst, agreement } = assertSameAsNative(st.results, await webMask(page));
    console.log(`demo: max |Δp| ${worst.toExponential(2)}, mask agreement ${agreement}, ` +
      `timings ${JSON.stringify(st.results.timings_ms)}`);

    // Results panel: verdict per label, volumes, ABC/2, research-use note, models.
    const panel = await page.textContent('[data-testid="analysis-results"]');
    assert.match(panel, /Research use — not for diagnosis/);
    assert.match(panel, /Intraparenchymal/);
    assert.match(panel, /mL/);
    // Epidural has too few training cases: the panel and the strip say "not assessed".
    assert.match(await page.textContent('[data-testid="analysis-results"] tr[data-label="1"]'), /not assessed \(.*training cases\)/);
    assert.equal(await page.getAttribute('[data-testid="analysis-results"] tr[data-label="1"]', "data-assessed"), "false");
    assert.match(await page.textContent("#strip-labels li:nth-child(2)"), /EDH — not assessed/);
    assert.equal(st.results.label_status.epidural.assessed, false);
    assert.equal(st.results.verdict.epidural, false);
    assert.match(await page.textContent('[data-testid="models-info"]'), /hemoscope-classifier .*MB/);

    // Overlay: go to the slice with the most blood, opaque fill, and compare the canvas.
    const [nx, ny, nz] = native.dims;
    let best = 0;
    let bestCount = -1;
    for (let k = 0; k < nz; k++) {
      let c = 0;
      for (let n = k * nx * ny; n < (k + 1) * nx * ny; n++) if (native.mask[n]) c++;
      if (c > bestCount) [best, bestCount] = [k, c];
    }
    assert.ok(bestCount > 0, "the phantom has blood on some slice");
    await page.$eval('[data-testid="overlay-opacity"]', (el) => {
      el.value = "100";
      el.dispatchEvent(new Event("input"));
    });
    await page.$eval("#slice-slider", (el, k) => {
      el.value = String(k);
      el.dispatchEvent(new Event("input"));
    }, best);
    const view = await page.evaluate(() => {
      const st = window.hemoscope.state();
      const r = st.view.image_rect;
      const c = document.querySelector('[data-testid="viewer-axial"] canvas');
      const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      const [w, h] = r.image;
      const codes = [];
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const cx = Math.floor(r.x + ((x + 0.5) * r.width) / w);
          const cy = Math.floor(r.y + ((y + 0.5) * r.height) / h);
          const o = (cy * c.width + cx) * 4;
          codes.push([data[o], data[o + 1], data[o + 2]]);
        }
      return { w, h, codes, slice: st.slice };
    });
    assert.equal(view.slice, best);
    const screenCodes = view.codes.map(([r, g, b]) => {
      const code = PALETTE.findIndex((p) => p && p[0] === r && p[1] === g && p[2] === b);
      return code < 0 ? 0 : code;
    });
    const pageMask = await webMask(page);
    const sliceMask = pageMask.slice(best * nx * ny, (best + 1) * nx * ny);
    // The view may flip or swap axes: one of the 8 mappings must match exactly.
    let matched = false;
    for (const swap of [false, true])
      for (const fx of [false, true])
        for (const fy of [false, true]) {
          if ((swap ? ny : nx) !== view.w) continue;
          let ok = true;
          for (let y = 0; y < view.h && ok; y++)
            for (let x = 0; x < view.w && ok; x++) {
              const u = fx ? view.w - 1 - x : x;
              const v = fy ? view.h - 1 - y : y;
              const [i, j] = swap ? [v, u] : [u, v];
              if (screenCodes[y * view.w + x] !== sliceMask[i + nx * j]) ok = false;
            }
          matched ||= ok;
        }
    assert.ok(matched, "overlay colours on the canvas match the mask of the slice");
    assert.ok(screenCodes.some((c) => c !== 0), "overlay pixels are drawn");

    // Hiding every subtype removes the colour.
    for (const t of await page.$$("input[data-label]")) await t.uncheck();
    const hidden = await page.evaluate(() => {
      const c = document.querySelector('[data-testid="viewer-axial"] canvas');
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let coloured = 0;
      for (let o = 0; o < d.length; o += 4) if (d[o] !== d[o + 1] || d[o + 1] !== d[o + 2]) coloured++;
      return coloured;
    });
    assert.equal(hidden, 0, "no coloured pixel with every subtype hidden");

    // The strip: clicking its first column goes to slice 0.
    const strip = page.locator('[data-testid="prob-strip"]');
    await strip.click({ position: { x: 1, y: 36 } });
    assert.equal((await state(page)).slice, 0);
    const box = await strip.boundingBox();
    await strip.click({ position: { x: box.width - 2, y: 36 } });
    assert.equal((await state(page)).slice, nz - 1);
    assertPrivate(log);
    assert.ok(log.requests.some((r) => r.url.endsWith("/models/segmenter.onnx")), "models come from the origin");
  } finally {
    await context.close();
  }
});

test("while the analysis runs, each slice's labels are on the overlay as soon as it is back", async () => {
  const { context, page, log } = await openApp(browser, url);
  try {
    await page.click('[data-testid="open-demo"]');
    await waitForStatus(page, ["ready"]);
    await page.$eval('[data-testid="overlay-opacity"]', (el) => {
      el.value = "100";
      el.dispatchEvent(new Event("input"));
    });
    const [nx, ny, nz] = native.dims;
    const blood = [];
    for (let k = 0; k < nz; k++) {
      let c = 0;
      for (let n = k * nx * ny; n < (k + 1) * nx * ny; n++) if (native.mask[n]) c++;
      blood.push(c);
    }
    await page.click('[data-testid="analyze"]');
    // One task per look: go to a slice already back that has blood (at least 100 voxels in the
    // CLI's mask), render, read the canvas and
    // the status together, so no worker reply can come in between.
    let seen = null;
    const started = Date.now();
    while (!seen && Date.now() - started < 120_000) {
      const look = await page.evaluate(({ blood, palette }) => {
        const before = window.hemoscope.state();
        if (before.status !== "analyzing") return { status: before.status };
        const k = (before.labelled_slices ?? []).find((k) => blood[k] >= 100);
        if (k === undefined) return { status: before.status };
        const slider = document.querySelector("#slice-slider");
        slider.value = String(k);
        slider.dispatchEvent(new Event("input"));
        const st = window.hemoscope.state(); // renders what is pending
        const c = document.querySelector('[data-testid="viewer-axial"] canvas');
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        let coloured = 0;
        for (let o = 0; o < d.length; o += 4)
          if (palette.some((p) => p && p[0] === d[o] && p[1] === d[o + 1] && p[2] === d[o + 2])) coloured++;
        return { status: st.status, k, slice: st.slice, coloured, labelled: st.labelled_slices,
                 mask: window.hemoscope.mask() === null ? null : "set" };
      }, { blood, palette: PALETTE });
      if (look.k !== undefined) seen = look;
      else if (look.status !== "analyzing" && look.status !== "ready") break;
      else await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(seen, "a slice with blood came back while the analysis was still running");
    assert.equal(seen.status, "analyzing");
    assert.equal(seen.slice, seen.k);
    // The view scales the 256² image (about one canvas pixel per voxel at this window size).
    assert.ok(seen.coloured >= 0.5 * blood[seen.k],
      `slice ${seen.k} shows its labels before the end: ${seen.coloured} px for ${blood[seen.k]} voxels`);
    assert.ok(seen.labelled.length < nz, "not every slice was back yet");
    assert.equal(seen.mask, null, "mask() stays null until the analysis is done");
    const st = await waitForStatus(page, ["done", "error"], 300_000);
    assert.equal(st.status, "done", st.error);
    assert.equal(st.labelled_slices, undefined, "the result replaces the slices shown so far");
    assert.ok(st.renders.count > 0 && st.renders.total_ms >= 0 && st.renders.max_ms <= st.renders.total_ms,
      `render counts: ${JSON.stringify(st.renders)}`);
    assertSameAsNative(st.results, await webMask(page));
    console.log(`streamed: slice ${seen.k} (${blood[seen.k]} voxels) shown with ${seen.coloured} overlay px while ${seen.labelled.length} of ${nz} slices were back`);
    assertPrivate(log);
  } finally {
    await context.close();
  }
});

test("NIfTI written by the CLI: automatic analysis equals the CLI; models come from the cache", async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  try {
    // First visit fills the cache.
    const first = await context.newPage();
    await first.goto(url);
    await first.waitForFunction(() => window.hemoscope && window.hemoscope.state().status === "idle");
    await first.check('[data-testid="auto-analyze"]');
    await first.setInputFiles('[data-testid="file-input"]', phantomFile);
    const st = await waitForStatus(first, ["done", "error"], 300_000);
    assert.equal(st.status, "done", `analysis failed: ${st.error}`);
    assertSameAsNative(st.results, await webMask(first));
    await first.close();

    // Second visit: no model download.
    const requests = [];
    context.on("request", (r) => requests.push(r.url()));
    const second = await context.newPage();
    await second.goto(url);
    await second.waitForFunction(() => window.hemoscope && window.hemoscope.state().status === "idle");
    await second.click('[data-testid="open-demo"]');
    await waitForStatus(second, ["ready"]);
    const st2 = await analyze(second);
    assert.ok(st2.results.slices.length > 0);
    assert.deepEqual(requests.filter((u) => u.endsWith(".onnx")), [], "models were read from the cache");
    assert.match(await second.textContent('[data-testid="models-info"]'), /browser cache/);
    assert.ok(requests.every((u) => u.startsWith(origin)), "same origin only");
  } finally {
    await context.close();
  }
});

test("the models load while the page waits for a scan: the first Analyze does not wait for them", async () => {
  const { context, page, log } = await openApp(browser, url);
  try {
    await page.waitForFunction(
      () => /downloaded|browser cache/.test(document.querySelector('[data-testid="models-info"]').textContent),
      null,
      { timeout: 120_000 },
    );
    const idle = await state(page);
    assert.equal(idle.status, "idle", "nothing was opened");
    assert.equal(idle.volume, undefined);
    assert.ok(log.requests.some((r) => r.url.endsWith("/models/segmenter.onnx")), "fetched from the origin");
    await page.click('[data-testid="open-demo"]');
    await waitForStatus(page, ["ready"]);
    await page.click('[data-testid="analyze"]');
    const started = await state(page);
    assert.ok(
      ["analyzing", "done"].includes(started.status) && !/Loading the models/.test(started.message),
      `Analyze went straight to the slices: ${started.status} ${started.message}`,
    );
    const st = await waitForStatus(page, ["done", "error"], 300_000);
    assert.equal(st.status, "done", `analysis failed: ${st.error}`);
    assertPrivate(log);
  } finally {
    await context.close();
  }
});

test("Cancel stops the analysis: status back to ready, no results, and analysis works again", async () => {
  const { context, page, log } = await openApp(browser, url);
  try {
    await page.click('[data-testid="open-demo"]');
    await waitForStatus(page, ["ready"]);
    await page.click('[data-testid="analyze"]');
    await waitForStatus(page, ["analyzing"]);
    assert.equal(await page.isVisible('[data-testid="cancel-analysis"]'), true);
    await page.click('[data-testid="cancel-analysis"]');
    let st = await state(page);
    assert.equal(st.status, "ready");
    assert.equal(st.results, undefined);
    await page.waitForTimeout(1500);
    st = await state(page);
    assert.equal(st.status, "ready", "nothing arrives after Cancel");
    assert.equal(st.results, undefined);
    assert.equal(await page.evaluate(() => window.hemoscope.mask()), null);
    st = await analyze(page);
    assert.equal(st.results.slices.length, native.dims[2]);
    assertPrivate(log);
  } finally {
    await context.close();
  }
});

test("a model that does not match its card gives a clear error instead of results", async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  try {
    await context.route("**/models/classifier.onnx", async (route) => {
      const response = await route.fetch();
      const body = Buffer.from(await response.body());
      body[1000] ^= 0xff;
      await route.fulfill({ response, body });
    });
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => window.hemoscope && window.hemoscope.state().status === "idle");
    await page.click('[data-testid="open-demo"]');
    await waitForStatus(page, ["ready"]);
    await page.waitForFunction(
      () => document.querySelector('[data-testid="analysis-results"]').textContent.includes("unavailable"),
      null,
      { timeout: 120_000 },
    );
    assert.match(await page.textContent('[data-testid="analysis-results"]'), /sha256/);
    assert.equal(await page.isDisabled('[data-testid="analyze"]'), true);
    assert.equal((await state(page)).results, undefined);
  } finally {
    await context.close();
  }
});

test("the workers run the relaxed-SIMD build where the browser has it, the plain SIMD build with ?relaxed=0; both give the CLI's numbers", async () => {
  for (const [query, engine] of [["", "wasm relaxed SIMD"], ["?relaxed=0", "wasm SIMD"]]) {
    const { context, page, log } = await openApp(browser, `${url}${query}`);
    try {
      await page.click('[data-testid="open-demo"]');
      await waitForStatus(page, ["ready"]);
      const st = await analyze(page);
      assert.equal(st.analysis.engine, engine, `engine with "${query}"`);
      assert.match(await page.textContent('[data-testid="engine"]'), new RegExp(engine));
      const { worst, agreement } = assertSameAsNative(st.results, await webMask(page));
      console.log(`${engine}: max |Δp| ${worst.toExponential(2)}, mask agreement ${agreement}, ` +
        `segmenter ms per slice ${JSON.stringify(st.results.timings_ms)}`);
      assertPrivate(log);
    } finally {
      await context.close();
    }
  }
});

test("an analysis engine that cannot be fetched: the panel says so, viewing goes on", async () => {
  const context = await browser.newContext();
  // every build of the analysis worker's wasm fails to arrive (as when the network goes away)
  await context.route(/analysis_worker(_relaxed)?_bg\.wasm$/, (route) => route.abort("connectionfailed"));
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  try {
    await page.goto(url);
    await page.waitForFunction(() => window.hemoscope && window.hemoscope.state().status === "idle");
    await page.click('[data-testid="open-demo"]');
    await waitForStatus(page, ["ready"]);
    await page.waitForFunction(
      () => /engine could not be loaded/.test(document.querySelector('[data-testid="analysis-results"]')?.textContent ?? ""),
      null,
      { timeout: 60_000 },
    );
    assert.match(await page.textContent('[data-testid="analysis-results"]'), /analysis is unavailable: its engine could not be loaded \(analysis_worker(_relaxed)?_bg\.wasm/);
    assert.equal(await page.isDisabled('[data-testid="analyze"]'), true);
    const s = await state(page);
    assert.equal(s.status, "ready", "the scan stays open");
    assert.deepEqual(s.volume.dims, [256, 256, 32]);
    assert.deepEqual(errors, [], "no uncaught error");
  } finally {
    await context.close();
  }
});

test("without wasm SIMD (?simd=0 acts as such a browser) the page says why analysis is unavailable and still views", async () => {
  const simd = await openApp(browser, url);
  const plain = await openApp(browser, `${url}?simd=0`);
  try {
    assert.match((await state(simd.page)).analysis.engine, /^wasm (relaxed )?SIMD$/, "this Chromium runs wasm SIMD");
    await plain.page.click('[data-testid="open-demo"]');
    await waitForStatus(plain.page, ["ready"]);
    const s = await state(plain.page);
    assert.equal(s.analysis.engine, "unavailable (no wasm SIMD)");
    assert.deepEqual(s.volume.dims, [256, 256, 32], "viewing works without SIMD");
    assert.match(
      await plain.page.textContent('[data-testid="analysis-results"]'),
      /needs WebAssembly SIMD/,
    );
    assert.equal(await plain.page.isDisabled('[data-testid="analyze"]'), true);
    assert.equal(s.results, undefined);
    // (The service worker still precaches the worker's files for offline use; none is started.)
    assert.equal(s.status, "ready");
    assertPrivate(plain.log);
  } finally {
    await simd.context.close();
    await plain.context.close();
  }
});

test("a DICOM series analysed in the page equals hemoscope analyze on the same files", async () => {
  const dir = path.join(tmp, "dicom");
  execFileSync("cargo", ["run", "--quiet", "--example", "phantom_dicom", "--", dir], {
    cwd: repoRoot,
    stdio: ["ignore", "inherit", "inherit"],
  });
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".dcm")).sort().map((f) => path.join(dir, f));
  const jsonFile = path.join(tmp, "dicom.json");
  const maskFile = path.join(tmp, "dicom-mask.nii.gz");
  execFileSync(cliPath(), ["analyze", ...files, "--json", jsonFile, "--mask", maskFile]);
  const ref = { result: JSON.parse(fs.readFileSync(jsonFile, "utf8")), ...readLabelsNifti(maskFile) };
  const { context, page, log } = await openApp(browser, url);
  try {
    await page.setInputFiles('[data-testid="file-input"]', files);
    const ready = await waitForStatus(page, ["ready", "error"], 60_000);
    assert.equal(ready.status, "ready", `opened: ${ready.error}`);
    assert.match(ready.volume.source, /DICOM/i);
    assert.deepEqual(ready.volume.dims, ref.dims);
    const st = await analyze(page);
    const { worst, agreement } = assertSameAsNative(st.results, await webMask(page), ref);
    assert.ok(
      ref.result.slices.some((s) => s.sop_instance_uid),
      "the CLI's result names the DICOM instances",
    );
    console.log(`# DICOM series: max |Δp| ${worst.toExponential(2)}, mask agreement ${agreement}`);
    assertPrivate(log);
  } finally {
    await context.close();
  }
});

test("slices without brain: the page skips the slices the CLI skips, and says so", async () => {
  // The demo case with its first two and last slices emptied (air, as above a head).
  const buf = zlib.gunzipSync(fs.readFileSync(phantomFile));
  const dims = [1, 2, 3].map((n) => buf.readInt16LE(40 + 2 * n));
  assert.equal(buf.readInt16LE(70), 4, "the demo case is int16");
  const slope = buf.readFloatLE(112) || 1;
  const inter = buf.readFloatLE(116);
  const offset = Math.round(buf.readFloatLE(108));
  const per = dims[0] * dims[1];
  const air = Math.round((-1000 - inter) / slope);
  for (const k of [0, 1, dims[2] - 1]) {
    for (let n = 0; n < per; n++) buf.writeInt16LE(air, offset + 2 * (k * per + n));
  }
  const file = path.join(tmp, "phantom-air.nii.gz");
  fs.writeFileSync(file, zlib.gzipSync(buf));
  const jsonFile = path.join(tmp, "air.json");
  const maskFile = path.join(tmp, "air-mask.nii.gz");
  execFileSync(cliPath(), ["analyze", file, "--json", jsonFile, "--mask", maskFile], { stdio: "ignore" });
  const ref = { result: JSON.parse(fs.readFileSync(jsonFile, "utf8")), ...readLabelsNifti(maskFile) };
  const skipped = ref.result.slices.filter((s) => s.no_brain).map((s) => s.index);
  // Also the demo case's own top of the skull cap (bone and scalp, no brain).
  for (const k of [0, 1, dims[2] - 1]) assert.ok(skipped.includes(k), `the CLI skips slice ${k}: ${skipped}`);
  assert.ok(skipped.length < dims[2] / 2, `the slices through the brain are analysed: ${skipped}`);
  const { context, page, log } = await openApp(browser, url);
  try {
    await page.setInputFiles('[data-testid="file-input"]', file);
    await waitForStatus(page, ["ready"], 60_000);
    const st = await analyze(page);
    assertSameAsNative(st.results, await webMask(page), ref);
    assert.match(await page.textContent('[data-testid="no-brain"]'), new RegExp(`^${skipped.length} of ${dims[2]} slices hold no brain`));
    assertPrivate(log);
  } finally {
    await context.close();
  }
});
