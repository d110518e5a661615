// Compressed DICOM in the browser: pydicom's bundled JPEG 2000 CT files (taken from the pydicom
// wheel by tests/fixtures/pydicom_reference.py, which scripts/test.sh runs first) and the
// generated 12-bit JPEG Extended and JPEG Lossless files of the same script open in the page and
// decode to exactly the voxels the native CLI writes with `hemoscope convert`. This guards the
// wasm32 allocator shims the pure-Rust OpenJPEG port needs (see src/io/dicom/wasm_libc.rs).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { execFileSync } from "node:child_process";
import { startServer, launchBrowser, openApp, waitForStatus, repoRoot } from "./helpers.mjs";

let server;
let url;
let browser;
let tmp;
let refDir;

function cliPath() {
  if (process.env.HEMOSCOPE_CLI) return process.env.HEMOSCOPE_CLI;
  const target = process.env.CARGO_TARGET_DIR ?? path.join(repoRoot, "target");
  return path.join(target, "release", "hemoscope");
}

/** An int16 NIfTI (.nii.gz) written by the CLI: dims and voxels. */
function readNifti(file) {
  const buf = zlib.gunzipSync(fs.readFileSync(file));
  const dims = [1, 2, 3].map((n) => buf.readInt16LE(40 + 2 * n));
  assert.equal(buf.readInt16LE(70), 4, "int16 datatype");
  const offset = Math.round(buf.readFloatLE(108));
  const n = dims[0] * dims[1] * dims[2];
  const voxels = new Int16Array(n);
  for (let i = 0; i < n; i++) voxels[i] = buf.readInt16LE(offset + 2 * i);
  return { dims, voxels };
}

before(async () => {
  refDir = process.env.HEMOSCOPE_PYDICOM_REF ?? path.join(repoRoot, ".cache", "pydicom-ref");
  if (!fs.existsSync(path.join(refDir, "J2K_pixelrep_mismatch.dcm.json"))) {
    execFileSync("python3", ["tests/fixtures/pydicom_reference.py", refDir], { cwd: repoRoot, stdio: "inherit" });
  }
  ({ server, url } = await startServer());
  browser = await launchBrowser();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hemoscope-j2k-"));
});

after(async () => {
  await browser?.close();
  server?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const FILES = [
  ["J2K_pixelrep_mismatch.dcm", "1.2.840.10008.1.2.4.90"],
  ["693_J2KI.dcm", "1.2.840.10008.1.2.4.91"],
  ["generated__ct_jpeg_extended_12bit_q95.dcm", "1.2.840.10008.1.2.4.51"],
  ["generated__ct_jpeg_lossless_p6_12bit.dcm", "1.2.840.10008.1.2.4.57"],
];

for (const [name, syntax] of FILES) {
  test(`${name} (${syntax}) decodes in the page exactly as natively`, async () => {
    const info = JSON.parse(fs.readFileSync(path.join(refDir, `${name}.json`), "utf8"));
    assert.equal(info.transfer_syntax, syntax);
    const out = path.join(tmp, `${name}.nii.gz`);
    execFileSync(cliPath(), ["convert", info.path, "-o", out]);
    const native = readNifti(out);
    assert.deepEqual(native.dims, [info.columns, info.rows, 1]);

    const { page, context } = await openApp(browser, url);
    await page.setInputFiles('[data-testid="file-input"]', info.path);
    const st = await waitForStatus(page, ["ready", "error"]);
    assert.equal(st.status, "ready", st.error);
    assert.deepEqual(st.volume.dims, native.dims);
    const voxels = await page.evaluate(() => Array.from(window.hemoscope.voxels()));
    assert.equal(voxels.length, native.voxels.length);
    let differing = 0;
    for (let i = 0; i < voxels.length; i++) if (voxels[i] !== native.voxels[i]) differing++;
    assert.equal(differing, 0, "voxels differing from the native decode");
    // Not a blank image: the CT has air and tissue.
    const min = voxels.reduce((a, b) => Math.min(a, b));
    const max = voxels.reduce((a, b) => Math.max(a, b));
    assert.ok(max - min > 500, `value range ${min}..${max}`);
    await context.close();
  });
}
