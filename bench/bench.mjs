// Benchmark page logic (bench/index.html), driven by bench/run.mjs through window.bench:
// tract (our wasm builds) and onnxruntime-web on the same ONNX files and the same input, and
// the JavaScript DICOM / NIfTI readers a web developer would pick, on the same files.
import * as nifti from "nifti-reader-js";
import { Decoder } from "./node_modules/jpeg-lossless-decoder-js/release/lossless.js";

const fetchBytes = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());
const frame = () => new Promise((r) => requestAnimationFrame(() => r()));

/** The model cards' test-vector input (same formula as src/model/test_vector.rs). */
function testInput(seed, n) {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = ((i * 2654435761 + seed) % 4294967296) / 4294967296;
  return x;
}

// Loaded engines by handle, so that the driver can alternate them run by run (a fair
// comparison on a machine whose load changes).
const engines = [];

/** Load tract in wasm (variant: a folder under wasm/ built by scripts/bench.sh). */
async function loadTract({ variant, model }) {
  const mod = await import(`./wasm/${variant}/bench_models.js?v=${variant}`);
  await mod.default();
  const card = await (await fetch(`./models/${model}.json`)).text();
  const onnx = await fetchBytes(`./models/${model}.onnx`);
  const t0 = performance.now();
  const m = new mod.BenchModel(card, onnx);
  const load_ms = performance.now() - t0;
  // Which matrix-product kernels tract chose (the names in its node descriptions).
  const kernels = {};
  for (const line of m.describe()) {
    for (const k of line.matchAll(/\b((?:wasm|generic|fma|avx2|avx512|arm64simd|arm64fp16|arm32)_[a-z0-9_]*?\d+x\d+)\b/g)) {
      kernels[k[1]] = (kernels[k[1]] ?? 0) + 1;
    }
  }
  engines.push({ run: async () => m.run(), profile: () => JSON.parse(m.profile()) });
  return {
    handle: engines.length - 1,
    load_ms,
    kernels,
    simd: mod.built_with_simd(),
    relaxed_simd: mod.built_with_relaxed_simd(),
  };
}

/** Load onnxruntime-web, wasm backend (SIMD), `threads` threads (one setting per page). */
async function loadOrt({ model, threads }) {
  const ortmod = await import("./node_modules/onnxruntime-web/dist/ort.wasm.min.mjs");
  ortmod.env.wasm.numThreads = threads;
  ortmod.env.wasm.wasmPaths = new URL("./node_modules/onnxruntime-web/dist/", import.meta.url).href;
  const card = await (await fetch(`./models/${model}.json`)).json();
  const onnx = await fetchBytes(`./models/${model}.onnx`);
  const t0 = performance.now();
  const session = await ortmod.InferenceSession.create(onnx, {
    executionProviders: ["wasm"],
    graphOptimizationLevel: "all",
  });
  const load_ms = performance.now() - t0;
  const shape = card.onnx.input.shape;
  const input = testInput(card.test_vector.seed, shape.reduce((a, b) => a * b, 1));
  const feeds = { [session.inputNames[0]]: new ortmod.Tensor("float32", input, shape) };
  engines.push({
    run: async () => (await session.run(feeds))[session.outputNames[0]].data,
  });
  return { handle: engines.length - 1, load_ms, isolated: crossOriginIsolated, threads };
}

/** Run an engine once; returns the time in ms (and keeps the output for `output`). */
async function runOnce(handle) {
  const e = engines[handle];
  const t = performance.now();
  e.last = await e.run();
  return performance.now() - t;
}

const output = (handle) => Array.from(engines[handle].last);
const profile = (handle) => engines[handle].profile();

/** Brain-window the HU slice into the canvas (what a viewer does to show it). */
function draw(hu, cols, rows) {
  const canvas = document.getElementById("view");
  canvas.width = cols;
  canvas.height = rows;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(cols, rows);
  const px = new Uint32Array(img.data.buffer);
  const lut = new Uint32Array(4096);
  for (let v = 0; v < 4096; v++) {
    const g = Math.max(0, Math.min(255, Math.round(((v - 1024 - 0) * 255) / 80)));
    lut[v] = 0xff000000 | (g << 16) | (g << 8) | g;
  }
  for (let i = 0; i < hu.length; i++) px[i] = lut[Math.max(0, Math.min(4095, hu[i] + 1024))];
  ctx.putImageData(img, 0, 0);
}

/** One DICOM slice → HU (Int16Array), with dicom-parser and, for JPEG lossless, its decoder. */
function dicomSlice(ds) {
  const rows = ds.uint16("x00280010");
  const cols = ds.uint16("x00280011");
  const slope = ds.floatString("x00281053") ?? 1;
  const inter = ds.floatString("x00281052") ?? 0;
  const signed = ds.uint16("x00280103") === 1;
  const el = ds.elements.x7fe00010;
  let stored;
  if (el.encapsulatedPixelData) {
    const bytes = dicomParser.readEncapsulatedImageFrame(ds, el, 0);
    const ts = ds.string("x00020010");
    if (!ts.startsWith("1.2.840.10008.1.2.4.70") && !ts.startsWith("1.2.840.10008.1.2.4.57")) {
      throw new Error(`no JavaScript codec here for ${ts}`);
    }
    const out = new Decoder().decode(bytes.buffer, bytes.byteOffset, bytes.length, 2);
    stored = signed ? new Int16Array(out.buffer, out.byteOffset, rows * cols) : new Uint16Array(out.buffer, out.byteOffset, rows * cols);
  } else {
    const T = signed ? Int16Array : Uint16Array;
    const off = el.dataOffset;
    stored =
      off % 2 === 0
        ? new T(ds.byteArray.buffer, ds.byteArray.byteOffset + off, rows * cols)
        : new T(ds.byteArray.slice(off, off + 2 * rows * cols).buffer);
  }
  const hu = new Int16Array(rows * cols);
  for (let i = 0; i < hu.length; i++) hu[i] = stored[i] * slope + inter;
  return { hu, rows, cols };
}

/** Sort position of a slice along the normal of its orientation. */
function position(ds) {
  const iop = ds.string("x00200037").split("\\").map(Number);
  const ipp = ds.string("x00200032").split("\\").map(Number);
  const n = [iop[1] * iop[5] - iop[2] * iop[4], iop[2] * iop[3] - iop[0] * iop[5], iop[0] * iop[4] - iop[1] * iop[3]];
  return n[0] * ipp[0] + n[1] * ipp[1] + n[2] * ipp[2];
}

/** JavaScript DICOM reader: read, parse and sort every file, show the middle slice, decode all. */
async function jsDicom(files, t0) {
  const buffers = await Promise.all(files.map((f) => f.arrayBuffer()));
  const sets = buffers.map((b) => dicomParser.parseDicom(new Uint8Array(b)));
  sets.sort((a, b) => position(a) - position(b));
  const mid = Math.floor(sets.length / 2);
  const first = dicomSlice(sets[mid]);
  draw(first.hu, first.cols, first.rows);
  await frame();
  const first_image_ms = performance.now() - t0;
  const vol = new Int16Array(first.rows * first.cols * sets.length);
  sets.forEach((ds, k) => vol.set(k === mid ? first.hu : dicomSlice(ds).hu, k * first.rows * first.cols));
  return { first_image_ms, all_decoded_ms: performance.now() - t0, slices: sets.length };
}

/** JavaScript NIfTI reader (nifti-reader-js, gzip through its fflate). */
async function jsNifti(file, t0) {
  let data = await file.arrayBuffer();
  if (nifti.isCompressed(data)) data = nifti.decompress(data);
  const header = nifti.readHeader(data);
  const image = nifti.readImage(header, data);
  const [nx, ny, nz] = [header.dims[1], header.dims[2], header.dims[3]];
  const raw = new Int16Array(image);
  const slope = header.scl_slope || 1;
  const inter = header.scl_inter || 0;
  const vol = new Int16Array(raw.length);
  for (let i = 0; i < raw.length; i++) vol[i] = raw[i] * slope + inter;
  const all_decoded_ms = performance.now() - t0;
  const k = Math.floor(nz / 2);
  draw(vol.subarray(k * nx * ny, (k + 1) * nx * ny), nx, ny);
  await frame();
  return { first_image_ms: performance.now() - t0, all_decoded_ms, slices: nz };
}

/** Arm the file input: the next selection runs `kind` ("dicom" | "nifti"); result in window.__read. */
function armReader(kind) {
  window.__read = null;
  const input = document.getElementById("files");
  input.onchange = async () => {
    const t0 = performance.now();
    const files = Array.from(input.files);
    try {
      window.__read = kind === "dicom" ? await jsDicom(files, t0) : await jsNifti(files[0], t0);
    } catch (e) {
      window.__read = { error: String(e) };
    }
    input.value = "";
  };
}

window.bench = { loadTract, loadOrt, runOnce, output, profile, armReader };
document.getElementById("status").textContent = "ready";
