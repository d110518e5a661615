// Shared helpers for the end-to-end tests: the static server, Chromium, and NIfTI files
// written here from known voxel values (so expected pixels can be computed exactly).
import path from "node:path";
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serve } from "../../scripts/static-server.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, "../..");

/** Folder of the built app (scripts/test.sh sets HEMOSCOPE_DIST). */
export function distDir() {
  const dir = process.env.HEMOSCOPE_DIST ?? path.join(repoRoot, "dist");
  if (!fs.existsSync(path.join(dir, "index.html"))) {
    throw new Error(`no built app in ${dir}: run scripts/test.sh (or trunk build --release)`);
  }
  return dir;
}

/** Flags that keep Chromium from contacting any outside host (see TOOLCHAIN notes). */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  "--disable-quic",
  "--disable-default-apps",
  "--disable-extensions",
];

export async function startServer() {
  return serve(distDir(), "127.0.0.1", 0);
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
    headless: true,
  });
}

/**
 * Open the app in a fresh page and record everything the privacy and error checks need:
 * every request, console errors, page errors and CSP violations.
 */
export async function openApp(browser, url, viewport = { width: 1200, height: 800 }) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const log = { requests: [], consoleErrors: [], pageErrors: [], csp: [] };
  // Every request of the context: the page's and its workers'.
  context.on("request", (r) =>
    log.requests.push({ url: r.url(), method: r.method(), body: r.postData(), sw: r.serviceWorker() !== null }),
  );
  page.on("console", (m) => {
    if (m.type() === "error") log.consoleErrors.push(m.text());
    if (/Content[- ]Security[- ]Policy/i.test(m.text())) log.csp.push(m.text());
  });
  page.on("pageerror", (e) => log.pageErrors.push(String(e)));
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  await page.goto(url);
  await page.waitForFunction(() => window.hemoscope && window.hemoscope.state().status === "idle");
  return { context, page, log };
}

export const state = (page) => page.evaluate(() => window.hemoscope.state());

/** Wait until state().status is one of `statuses`; returns the state. */
export async function waitForStatus(page, statuses, timeout = 60_000) {
  await page.waitForFunction(
    (s) => s.includes(window.hemoscope.state().status),
    statuses,
    { timeout },
  );
  return state(page);
}

/** RGBA of the canvas backing-store pixel at (x, y). */
export function canvasPixel(page, x, y) {
  return page.evaluate(
    ([x, y]) => {
      const c = document.querySelector('[data-testid="viewer-axial"] canvas');
      return Array.from(c.getContext("2d").getImageData(x, y, 1, 1).data);
    },
    [Math.floor(x), Math.floor(y)],
  );
}

/** Canvas pixel at the centre of screen pixel (sx, sy) of the slice image. */
export function screenToCanvas(st, sx, sy) {
  const r = st.view.image_rect;
  return [r.x + ((sx + 0.5) * r.width) / r.image[0], r.y + ((sy + 0.5) * r.height) / r.image[1]];
}

/**
 * A NIfTI-1 file (.nii, int16) with the given voxels (i fastest) and a 3×4 voxel→RAS sform.
 */
export function writeNifti({ dims, spacing, srow, voxels, slope = 0, inter = 0 }) {
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  if (voxels.length !== n) throw new Error("voxel count does not match dims");
  const buf = Buffer.alloc(352 + 2 * n);
  buf.writeInt32LE(348, 0);
  [3, nx, ny, nz, 1, 1, 1, 1].forEach((v, i) => buf.writeInt16LE(v, 40 + 2 * i));
  buf.writeInt16LE(4, 70); // datatype: int16
  buf.writeInt16LE(16, 72); // bitpix
  [1, spacing[0], spacing[1], spacing[2], 0, 0, 0, 0].forEach((v, i) => buf.writeFloatLE(v, 76 + 4 * i));
  buf.writeFloatLE(352, 108); // vox_offset
  buf.writeFloatLE(slope, 112);
  buf.writeFloatLE(inter, 116);
  buf.writeUInt8(2 | 8, 123); // xyzt_units: mm, s
  buf.writeInt16LE(0, 252); // qform_code
  buf.writeInt16LE(1, 254); // sform_code: scanner
  srow.forEach((row, r) => row.forEach((v, c) => buf.writeFloatLE(v, 280 + 16 * r + 4 * c)));
  buf.write("n+1\0", 344, "latin1");
  for (let i = 0; i < n; i++) buf.writeInt16LE(voxels[i], 352 + 2 * i);
  return buf;
}

/**
 * The test volume: 64 × 48 × 10 voxels of 0.5 × 1.0 × 2.5 mm, i → patient right, j → anterior
 * (so radiological display flips both axes). Four quadrants with known HU; quadrant A's value
 * depends on the slice; a 4 × 4 marker of 2000 HU at voxels i, j < 4 (patient left-posterior).
 */
export const TEST_VOLUME = {
  dims: [64, 48, 10],
  spacing: [0.5, 1.0, 2.5],
  srow: [
    [0.5, 0, 0, -16],
    [0, 1.0, 0, -24],
    [0, 0, 2.5, 0],
  ],
  hu(i, j, k) {
    if (i < 4 && j < 4) return 2000;
    if (i < 32 && j < 24) return 10 * k; // A
    if (j < 24) return 80; // B
    if (i < 32) return 40; // C
    return 1000; // D
  },
};

export function testVolumeFile() {
  const [nx, ny, nz] = TEST_VOLUME.dims;
  const voxels = new Int16Array(nx * ny * nz);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) voxels[i + nx * (j + ny * k)] = TEST_VOLUME.hu(i, j, k);
  return writeNifti({ ...TEST_VOLUME, voxels });
}

/** The grey level of `hu` in a window (same formula as the render layer). */
export function grey(hu, { center, width }) {
  const w = Math.max(width, 1);
  const g = Math.round(((hu - (center - w / 2)) * 255) / w);
  return Math.min(255, Math.max(0, g));
}

/** Shared data folder with real scans, or null when absent. */
export function sharedData() {
  const dir = process.env.HEMOSCOPE_SHARED_DATA ?? path.join(repoRoot, "..", "shared", "data");
  return fs.existsSync(dir) ? dir : null;
}

/** Every recorded request is a same-origin GET without a body. */
export function foreignRequests(log, origin) {
  return log.requests.filter(
    (r) => !(r.url.startsWith(origin) && (r.method === "GET" || r.method === "HEAD") && !r.body),
  );
}

/**
 * The bad-input corpus (tests/support/corpus.rs) on disk: HEMOSCOPE_BAD_CORPUS if set, else
 * written once by `cargo run --example bad_corpus`. Returns { dir, cases } (see the manifest).
 */
export async function badCorpus() {
  let dir = process.env.HEMOSCOPE_BAD_CORPUS;
  if (!dir || !fs.existsSync(path.join(dir, "manifest.json"))) {
    const { execFileSync } = await import("node:child_process");
    const os = await import("node:os");
    dir = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "hemoscope-bad-"));
    execFileSync("cargo", ["run", "--quiet", "--example", "bad_corpus", "--", dir], {
      cwd: repoRoot,
      stdio: ["ignore", "inherit", "inherit"],
    });
  }
  const cases = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
  return { dir, cases };
}

/** Files of a corpus case as Playwright setInputFiles payloads. */
export function caseFiles(dir, c) {
  return c.files.map((f) => ({
    name: path.basename(f),
    mimeType: "application/octet-stream",
    buffer: fs.readFileSync(path.join(dir, f)),
  }));
}

/** Wait until the service worker controls the page and has finished installing. */
export async function waitForServiceWorker(page) {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) =>
        navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }),
      );
    }
  });
}

/**
 * The demo case as a DICOM CT series on disk (examples/phantom_dicom.rs): PHANTOM_DICOM_BIN
 * (a built example) if set, else `cargo run --example phantom_dicom`. Returns the folder; the
 * series UID is `${PHANTOM_DICOM_ROOT}.1`, slice k's SOP Instance UID `${PHANTOM_DICOM_ROOT}.${k + 1}`.
 */
export const PHANTOM_DICOM_ROOT = "1.2.826.0.1.3680043.8.498.4242";

export async function phantomDicom() {
  const { execFileSync } = await import("node:child_process");
  const os = await import("node:os");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hemoscope-phantom-dicom-"));
  const bin = process.env.PHANTOM_DICOM_BIN;
  const [cmd, args] = bin ? [bin, [dir]] : ["cargo", ["run", "--quiet", "--example", "phantom_dicom", "--", dir]];
  execFileSync(cmd, args, { cwd: repoRoot, stdio: ["ignore", "inherit", "inherit"] });
  return dir;
}
