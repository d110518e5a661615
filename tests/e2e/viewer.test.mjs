// End-to-end tests of the viewer in headless Chromium against the release build.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import {
  startServer,
  launchBrowser,
  openApp,
  state,
  waitForStatus,
  canvasPixel,
  screenToCanvas,
  testVolumeFile,
  TEST_VOLUME,
  grey,
  sharedData,
  foreignRequests,
  writeNifti,
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

/** Assert the page logged no errors, no CSP violation, and made only same-origin GETs. */
async function assertCleanAndPrivate(page, log) {
  const cspEvents = await page.evaluate(() => window.__cspViolations);
  assert.deepEqual(cspEvents, [], "CSP violations reported by the page");
  assert.deepEqual(log.csp, [], "CSP messages in the console");
  assert.deepEqual(log.pageErrors, [], "uncaught page errors");
  assert.deepEqual(foreignRequests(log, origin), [], "requests that were not same-origin GETs");
  assert.ok(log.requests.length > 0, "requests were recorded");
}

/** Expected grey of the test volume at voxel (i, j) of slice k, checked on the canvas. */
async function assertVoxelGrey(page, st, i, j, k) {
  const [nx, ny] = TEST_VOLUME.dims;
  // i → patient right and j → anterior: radiological display flips both axes.
  const [cx, cy] = screenToCanvas(st, nx - 1 - i, ny - 1 - j);
  const [r, g, b, a] = await canvasPixel(page, cx, cy);
  const want = grey(TEST_VOLUME.hu(i, j, k), st.window);
  assert.equal(a, 255);
  assert.ok(r === g && g === b, `grey pixel expected at voxel (${i}, ${j}), got ${[r, g, b]}`);
  assert.ok(Math.abs(r - want) <= 1, `voxel (${i}, ${j}, ${k}): grey ${r}, expected ${want}`);
}

test("page starts clean: idle state, privacy line, no CSP violation, same-origin only", async () => {
  const t0 = Date.now();
  const { context, page, log } = await openApp(browser, url);
  console.log(`start-up: ${Date.now() - t0} ms from navigation to an idle app`);
  const st = await state(page);
  assert.equal(st.status, "idle");
  assert.equal(st.volume, undefined);
  const privacy = await page.textContent(".privacy");
  assert.match(privacy, /processed on this device; nothing is uploaded/);
  assert.equal(await page.locator('[data-testid="file-input"]').getAttribute("multiple"), "");
  await assertCleanAndPrivate(page, log);
  assert.deepEqual(log.consoleErrors, []);
  const paths = log.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`);
  console.log(`requests at start-up (${paths.length}): ${paths.join(", ")}`);
  assert.ok(paths.some((p) => p.endsWith("decode_worker_bg.wasm")), "the worker's requests are recorded");
  await context.close();
});

test("files dropped on the page are opened", async () => {
  const { context, page, log } = await openApp(browser, url);
  const bytes = Array.from(testVolumeFile());
  await page.evaluate((bytes) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(bytes)], "dropped.nii"));
    const viewer = document.querySelector('[data-testid="viewer-axial"]');
    viewer.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
    viewer.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, bytes);
  const st = await waitForStatus(page, ["ready", "error"]);
  assert.equal(st.status, "ready", st.error);
  assert.deepEqual(st.volume.dims, TEST_VOLUME.dims);
  await assertCleanAndPrivate(page, log);
  await context.close();
});

test("demo case opens without a file and without network", async () => {
  const { context, page, log } = await openApp(browser, url);
  const t0 = Date.now();
  await page.click('[data-testid="open-demo"]');
  const st = await waitForStatus(page, ["ready", "error"]);
  const wall = Date.now() - t0;
  assert.equal(st.status, "ready", st.error);
  assert.equal(st.volume.dims.length, 3);
  assert.ok(st.volume.dims.every((d) => d > 1));
  assert.equal(st.slice, Math.floor(st.volume.dims[2] / 2));
  assert.deepEqual(st.window, { center: 40, width: 80 });
  console.log(
    `demo case: dims ${st.volume.dims.join("×")}, ${st.timings.load_ms.toFixed(0)} ms in the page ` +
      `(worker ${st.timings.decode_ms.toFixed(0)} ms), ${wall} ms click-to-ready as seen by the test`,
  );
  // The image is not blank: some pixels inside the slice are neither black nor white.
  const r = st.view.image_rect;
  const grid = await page.evaluate(({ x, y, width, height }) => {
    const c = document.querySelector('[data-testid="viewer-axial"] canvas');
    const d = c.getContext("2d").getImageData(x, y, width, height).data;
    let mid = 0;
    for (let p = 0; p < d.length; p += 4) if (d[p] > 10 && d[p] < 245) mid++;
    return mid;
  }, { x: Math.ceil(r.x), y: Math.ceil(r.y), width: Math.floor(r.width) - 1, height: Math.floor(r.height) - 1 });
  assert.ok(grid > 100, "the demo slice shows grey tissue");
  await assertCleanAndPrivate(page, log);
  assert.deepEqual(log.consoleErrors, []);
  await context.close();
});

test("NIfTI through the file input: orientation, pixels, window preset, slice, readout", async () => {
  const { context, page, log } = await openApp(browser, url);
  await page.setInputFiles('[data-testid="file-input"]', {
    name: "test-volume.nii",
    mimeType: "application/octet-stream",
    buffer: testVolumeFile(),
  });
  let st = await waitForStatus(page, ["ready", "error"]);
  assert.equal(st.status, "ready", st.error);
  assert.deepEqual(st.volume.dims, TEST_VOLUME.dims);
  st.volume.spacing_mm.forEach((s, a) => assert.ok(Math.abs(s - TEST_VOLUME.spacing[a]) < 1e-6));
  assert.equal(st.slice, 5);
  assert.deepEqual(st.window, { center: 40, width: 80 });

  // Physical aspect ratio: 64 × 0.5 mm wide, 48 × 1.0 mm high.
  const rect = st.view.image_rect;
  assert.deepEqual(rect.image, [64, 48]);
  assert.ok(Math.abs(rect.width / rect.height - 32 / 48) < 0.01, `aspect ${rect.width / rect.height}`);

  // Orientation letters: anterior up, patient left on screen right.
  const letters = await page.evaluate(() =>
    ["top", "bottom", "left", "right"].map((p) => document.getElementById(`orient-${p}`).textContent),
  );
  assert.deepEqual(letters, ["A", "P", "R", "L"]);

  // The marker (patient left-posterior) is at the bottom-right of the screen.
  const [mx, my] = screenToCanvas(st, 62, 46);
  assert.equal((await canvasPixel(page, mx, my))[0], 255);
  const [ox, oy] = screenToCanvas(st, 1, 1); // anterior-right corner: quadrant D (1000 HU)
  assert.equal((await canvasPixel(page, ox, oy))[0], 255);
  for (const [i, j] of [[2, 2], [10, 10], [40, 10], [10, 30], [40, 30], [31, 23], [32, 24]]) {
    await assertVoxelGrey(page, st, i, j, 5);
  }

  // Window preset by key 4 (bone).
  await page.focus('[data-testid="viewer-axial"]');
  await page.keyboard.press("4");
  st = await state(page);
  assert.deepEqual(st.window, { center: 600, width: 2800 });
  for (const [i, j] of [[10, 10], [40, 10], [10, 30], [40, 30]]) await assertVoxelGrey(page, st, i, j, 5);

  // Next slice by ArrowUp: quadrant A changes with k.
  await page.keyboard.press("ArrowUp");
  st = await state(page);
  assert.equal(st.slice, 6);
  await assertVoxelGrey(page, st, 10, 10, 6);
  await page.keyboard.press("1");
  st = await state(page);
  assert.deepEqual(st.window, { center: 40, width: 80 });
  await assertVoxelGrey(page, st, 10, 10, 6); // 60 HU in the brain window
  await page.keyboard.press("PageDown");
  st = await state(page);
  assert.equal(st.slice, 5);

  // The slider moves slices too.
  await page.locator("#slice-slider").fill("2");
  st = await state(page);
  assert.equal(st.slice, 2);
  await assertVoxelGrey(page, st, 10, 10, 2);

  // HU and voxel coordinates under the cursor.
  const box = await page.locator('[data-testid="viewer-axial"] canvas').boundingBox();
  const [hx, hy] = screenToCanvas(st, 64 - 1 - 10, 48 - 1 - 30); // voxel (10, 30): 40 HU
  await page.mouse.move(box.x + hx, box.y + hy);
  st = await state(page);
  const { ras, ...voxel } = st.cursor;
  assert.deepEqual(voxel, { i: 10, j: 30, k: 2, hu: 40, plane: "axial" });
  // The pointer's position in mm: voxel (10, 30, 2) is at R −11, A 6, S 5 (within a pixel).
  [-11, 6, 5].forEach((v, a) => assert.ok(Math.abs(ras[a] - v) < 0.3, `ras ${ras}`));
  assert.match(await page.textContent('[data-testid="cursor-readout"]'), /40 HU at voxel \(10, 30, 2\)/);

  // Zoom with "+" keeps the aspect ratio and grows the image; wheel changes slice.
  await page.keyboard.press("+");
  st = await state(page);
  assert.ok(st.view.zoom > 1);
  assert.ok(st.view.image_rect.width > rect.width);
  await assertVoxelGrey(page, st, 40, 30, 2);
  await page.keyboard.press("0");
  await page.mouse.wheel(0, -100); // one notch up: next slice
  await page.waitForFunction(() => window.hemoscope.state().slice === 3);
  await page.mouse.wheel(0, 200);
  await page.waitForFunction(() => window.hemoscope.state().slice === 1);

  // Right-drag changes the window.
  await page.mouse.move(box.x + 200, box.y + 200);
  await page.mouse.down({ button: "right" });
  await page.mouse.move(box.x + 300, box.y + 250);
  await page.mouse.up({ button: "right" });
  st = await state(page);
  assert.ok(st.window.width > 80 && st.window.center > 40, JSON.stringify(st.window));

  await assertCleanAndPrivate(page, log);
  assert.deepEqual(log.consoleErrors, []);
  await context.close();
});

test("a 50 MB .nii.gz decodes in the worker while the page stays responsive", async () => {
  // 512 × 512 × 128 int16 (64 MiB raw) of noise: about 50 MB as .nii.gz.
  const [nx, ny, nz] = [512, 512, 128];
  const voxels = new Int16Array(nx * ny * nz);
  let x = 2463534242;
  for (let p = 0; p < voxels.length; p++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    voxels[p] = ((x >>> 0) % 3000) - 1000;
  }
    const file = zlib.gzipSync(
    writeNifti({
      dims: [nx, ny, nz],
      spacing: [0.5, 0.5, 5],
      srow: [[-0.5, 0, 0, 0], [0, -0.5, 0, 0], [0, 0, 5, 0]],
      voxels,
    }),
    { level: 1 },
  );
  const { context, page } = await openApp(browser, url);
  // Progress values the page shows while decoding.
  await page.evaluate(() => {
    window.__progress = [];
    const bar = document.querySelector('[data-testid="progress"]');
    new MutationObserver(() => {
      if (!bar.hidden) window.__progress.push(Number(bar.getAttribute("value")));
    }).observe(bar, { attributes: true });
  });
  // Longest gap between timer ticks on the page's main thread while loading.
  await page.evaluate(() => {
    window.__maxGap = 0;
    let last = performance.now();
    window.__ticker = setInterval(() => {
      const now = performance.now();
      window.__maxGap = Math.max(window.__maxGap, now - last);
      last = now;
    }, 10);
  });
  // From a path: handing Playwright a buffer would decode base64 on the page's thread.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hemoscope-e2e-"));
  const large = path.join(dir, "large.nii.gz");
  fs.writeFileSync(large, file);
  const t0 = Date.now();
  await page.setInputFiles('[data-testid="file-input"]', large);
  const st = await waitForStatus(page, ["ready", "error"], 120_000);
  const wall = Date.now() - t0;
  const maxGap = await page.evaluate(() => (clearInterval(window.__ticker), window.__maxGap));
  assert.equal(st.status, "ready", st.error);
  assert.deepEqual(st.volume.dims, [nx, ny, nz]);
  console.log(
    `large volume: ${(file.length / 2 ** 20).toFixed(1)} MiB gzip, ${wall} ms to ready, ` +
      `worker ${st.timings.decode_ms.toFixed(0)} ms, longest main-thread stall ${maxGap.toFixed(0)} ms`,
  );
  assert.ok(maxGap < 300, `the page froze for ${maxGap} ms`);
  const progress = await page.evaluate(() => window.__progress);
  assert.ok(progress.some((v) => v > 0.1 && v < 0.9), `progress shown: ${progress.slice(0, 20)}`);
  assert.equal(await page.isVisible('[data-testid="progress"]'), false);
  await context.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("real RSNA volume (tilted series) when the shared data are present", async (t) => {
  const data = sharedData();
  const file = data && path.join(data, "rsna-ich", "volumes", "ID_7518324893.nii.gz");
  if (!file || !fs.existsSync(file)) {
    t.skip("shared data not present");
    return;
  }
  const { context, page, log } = await openApp(browser, url, { width: 1280, height: 900 });
  await page.setInputFiles('[data-testid="file-input"]', file);
  let st = await waitForStatus(page, ["ready", "error"], 120_000);
  assert.equal(st.status, "ready", st.error);
  const letters = await page.evaluate(() =>
    ["top", "bottom", "left", "right"].map((p) => document.getElementById(`orient-${p}`).textContent),
  );
  assert.deepEqual(letters, ["A", "P", "R", "L"]);
  const outDir = process.env.HEMOSCOPE_SCREENSHOTS ?? path.join(os.tmpdir(), "hemoscope-e2e");
  fs.mkdirSync(outDir, { recursive: true });
  const shot = path.join(outDir, "rsna-ID_7518324893.png");
  await page.screenshot({ path: shot });
  await page.keyboard.press("4");
  await page.screenshot({ path: path.join(outDir, "rsna-ID_7518324893-bone.png") });
  console.log(`real volume: dims ${st.volume.dims.join("×")}, ${st.volume.source}; screenshot ${shot}`);
  await assertCleanAndPrivate(page, log);
  await context.close();
});
