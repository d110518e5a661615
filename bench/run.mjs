// The benchmark driver (scripts/bench.sh builds what it needs and calls this): everything in one
// headless Chromium (Debian's, through playwright-core, as the end-to-end tests), each figure the
// median of several runs with min and max. Writes bench/results.json and the generated part of
// BENCHMARKS.md. Not part of the tests.
//
// Environment (set by scripts/bench.sh): BENCH_DIST (the built app), BENCH_WASM (folder of
// bench_models builds, one sub-folder per variant), BENCH_CASES (bench/make_cases.py output),
// BENCH_NATIVE_JSON (examples/model_timing --json output), BENCH_ORT_NATIVE_JSON
// (bench/ort_native.py output), BENCH_RUNS (runs per figure, default 5), BENCH_ONLY (comma
// list of sections: inference, reading, analysis, kernels, drop, sizes), HEMOSCOPE_SHARED_DATA.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { execFileSync } from "node:child_process";
import { chromium } from "playwright-core";
import { serveBench } from "./server.mjs";
import { CHROMIUM_ARGS, repoRoot } from "../tests/e2e/helpers.mjs";

const env = process.env;
const RUNS = Number(env.BENCH_RUNS ?? 5);
const DIST = path.resolve(env.BENCH_DIST ?? path.join(repoRoot, "dist"));
const WASM = path.resolve(env.BENCH_WASM ?? path.join(repoRoot, "target", "bench-wasm"));
const CASES = path.resolve(env.BENCH_CASES ?? path.join(repoRoot, "target", "bench-cases"));
const ONLY = env.BENCH_ONLY ? env.BENCH_ONLY.split(",") : ["inference", "reading", "analysis", "kernels", "drop", "sizes"];
const SHARED = env.HEMOSCOPE_SHARED_DATA ?? path.join(repoRoot, "..", "shared", "data");
const OUT_JSON = path.join(repoRoot, "bench", "results.json");
const MODELS = ["classifier", "segmenter"];

/** Median, min, max (and the runs) of a list of times. */
function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const r = (v) => (Math.abs(v) < 10 ? Math.round(v * 1000) / 1000 : Math.round(v * 10) / 10);
  return { median: r(s[Math.floor((s.length - 1) / 2)]), min: r(s[0]), max: r(s[s.length - 1]), n: s.length };
}
const log = (...a) => console.error("[bench]", ...a);

const results = fs.existsSync(OUT_JSON) && env.BENCH_ONLY ? JSON.parse(fs.readFileSync(OUT_JSON, "utf8")) : {};
results.machine = {
  cpus: os.cpus().length,
  cpu_model: os.cpus()[0]?.model,
  load_avg_at_start: os.loadavg().map((v) => +v.toFixed(2)),
  date: new Date().toISOString(),
  runs_per_figure: RUNS,
};

const { server, url } = await serveBench({
  "/": DIST,
  "/bench/node_modules/": path.join(repoRoot, "node_modules"),
  "/bench/wasm/": WASM,
  "/bench/models/": path.join(repoRoot, "models"),
  "/bench/": path.join(repoRoot, "bench"),
});
const browser = await chromium.launch({
  executablePath: env.CHROMIUM ?? "/usr/bin/chromium",
  args: CHROMIUM_ARGS,
  headless: true,
});
results.machine.browser = `Chromium ${browser.version()}`;

async function benchPage() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${url}bench/index.html`);
  await page.waitForFunction(() => window.bench !== undefined);
  return { context, page, errors };
}

// ---------------------------------------------------------------- inference per slice
async function inference() {
  const out = {};
  const variants = fs.existsSync(WASM) ? fs.readdirSync(WASM).filter((v) => fs.existsSync(path.join(WASM, v, "bench_models.js"))) : [];
  const native = env.BENCH_NATIVE_JSON && fs.existsSync(env.BENCH_NATIVE_JSON)
    ? fs.readFileSync(env.BENCH_NATIVE_JSON, "utf8").trim().split("\n").map((l) => JSON.parse(l))
    : [];
  const ortNative = env.BENCH_ORT_NATIVE_JSON && fs.existsSync(env.BENCH_ORT_NATIVE_JSON)
    ? fs.readFileSync(env.BENCH_ORT_NATIVE_JSON, "utf8").trim().split("\n").map((l) => JSON.parse(l))
    : [];
  for (const model of MODELS) {
    const m = (out[model] = {});
    m.input_shape = JSON.parse(fs.readFileSync(path.join(repoRoot, "models", `${model}.json`), "utf8")).onnx.input.shape;
    const outputs = {};
    // One page per thread setting of onnxruntime-web; in each, the engines run in turn, run by
    // run, so a change in the machine's load hits them alike.
    for (const threads of [1, os.cpus().length]) {
      const { context, page, errors } = await benchPage();
      const engines = [];
      const tractVariants = threads === 1 ? variants : variants.filter((v) => v === "simd");
      for (const variant of tractVariants) {
        const key = threads === 1 ? `tract_wasm_${variant}` : `tract_wasm_${variant}_beside_ort_${threads}t`;
        const r = await page.evaluate((o) => window.bench.loadTract(o), { variant, model });
        engines.push({ key, handle: r.handle, info: { load_ms: Math.round(r.load_ms), kernels: r.kernels, simd: r.simd, relaxed_simd: r.relaxed_simd } });
      }
      const o = await page.evaluate((x) => window.bench.loadOrt(x), { model, threads });
      engines.push({ key: `ort_web_${threads}t`, handle: o.handle, info: { load_ms: Math.round(o.load_ms), isolated: o.isolated, threads } });
      log(`${model}: ${engines.map((e) => e.key).join(", ")}`);
      const times = Object.fromEntries(engines.map((e) => [e.key, []]));
      for (const e of engines) await page.evaluate((h) => window.bench.runOnce(h), e.handle); // warm-up
      for (let r = 0; r < RUNS; r++) {
        for (const e of engines) times[e.key].push(await page.evaluate((h) => window.bench.runOnce(h), e.handle));
      }
      for (const e of engines) {
        m[e.key] = { ...stats(times[e.key]), ...e.info };
        if (threads === 1) outputs[e.key] = await page.evaluate((h) => window.bench.output(h), e.handle);
        if (threads === 1 && e.key === "tract_wasm_simd") m[e.key].profile = await page.evaluate((h) => window.bench.profile(h), e.handle);
      }
      const ort = times[`ort_web_${threads}t`];
      const tr = times[threads === 1 ? "tract_wasm_simd" : `tract_wasm_simd_beside_ort_${threads}t`];
      if (ort && tr) m[`paired_ratio_tract_wasm_simd_over_ort_web_${threads}t`] = stats(tr.map((t, i) => t / ort[i]));
      // the relaxed-SIMD build (BENCH_RELAXED=1): what the app's workers run where the browser has it
      const rel = threads === 1 ? times.tract_wasm_relaxed : null;
      if (ort && rel) m.paired_ratio_tract_wasm_relaxed_over_ort_web_1t = stats(rel.map((t, i) => t / ort[i]));
      if (errors.length) log("page errors", errors);
      await context.close();
    }
    const nat = native.find((n) => n.model === `hemoscope-${model}`);
    if (nat) m.tract_native = { ...stats(nat.times), load_ms: Math.round(nat.load_ms), kernels: nat.kernels, profile: nat.profile };
    for (const o of ortNative.filter((n) => n.model === model)) {
      m[`ort_native_${o.threads}t`] = { ...stats(o.times), load_ms: Math.round(o.load_ms), version: o.version };
    }
    // Same answers: largest difference of each runtime's output from tract wasm SIMD's.
    const ref = outputs.tract_wasm_simd;
    if (ref) {
      m.max_abs_diff_vs_tract_wasm_simd = Object.fromEntries(
        Object.entries(outputs).map(([k, v]) => [k, v.reduce((mx, x, i) => Math.max(mx, Math.abs(x - ref[i])), 0)]),
      );
    }
    if (m.tract_wasm_simd && m.ort_web_1t) m.ratio_tract_wasm_simd_over_ort_web_1t = +(m.tract_wasm_simd.median / m.ort_web_1t.median).toFixed(2);
    if (m.tract_wasm_simd && m.tract_native) m.ratio_tract_wasm_simd_over_native = +(m.tract_wasm_simd.median / m.tract_native.median).toFixed(2);
  }
  return out;
}

// ---------------------------------------------------------------- reading: decode + first image
function readingCases() {
  const cases = [];
  const dir = (p) => fs.readdirSync(p).filter((f) => !f.startsWith(".")).sort().map((f) => path.join(p, f));
  if (fs.existsSync(path.join(CASES, "dicom-raw"))) cases.push({ name: "generated DICOM 512²×36, explicit VR LE", kind: "dicom", files: dir(path.join(CASES, "dicom-raw")) });
  if (fs.existsSync(path.join(CASES, "dicom-jpegll"))) cases.push({ name: "generated DICOM 512²×36, JPEG lossless", kind: "dicom", files: dir(path.join(CASES, "dicom-jpegll")) });
  if (fs.existsSync(path.join(CASES, "head512.nii.gz"))) cases.push({ name: "generated head512.nii.gz (512²×36)", kind: "nifti", files: [path.join(CASES, "head512.nii.gz")] });
  const rsnaDicom = path.join(SHARED, "rsna-ich", "dicom", "ID_44cfc8e964");
  if (fs.existsSync(rsnaDicom)) cases.push({ name: "RSNA series ID_44cfc8e964 (DICOM, 33 files)", kind: "dicom", files: dir(rsnaDicom) });
  for (const c of cases) c.bytes = c.files.reduce((s, f) => s + fs.statSync(f).size, 0);
  return cases;
}

/** Our app: file chosen → first image on screen (status ready + a frame), and the decode time. */
async function oursReading(c) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => window.hemoscope && window.hemoscope.state().status === "idle");
  const first = [];
  const decode = [];
  const load = [];
  const early = [];
  for (let r = 0; r < RUNS + 1; r++) {
    await page.evaluate(() => {
      window.__t0 = null;
      window.__seenLoading = false;
      document.querySelector('[data-testid="file-input"]').addEventListener("change", () => {
        window.__t0 = performance.now();
      }, { capture: true, once: true });
    });
    const wait = page.evaluate(async () => {
      for (;;) {
        const s = window.hemoscope.state();
        if (s.status === "loading") window.__seenLoading = true;
        if (window.__t0 !== null && window.__seenLoading && (s.status === "ready" || s.status === "error")) break;
        await new Promise((res) => setTimeout(res, 1));
      }
      await new Promise((res) => requestAnimationFrame(() => res()));
      const s = window.hemoscope.state();
      return { ms: performance.now() - window.__t0, status: s.status, error: s.error, decode_ms: s.timings?.decode_ms, load_ms: s.timings?.load_ms, early_ms: s.timings?.first_image_ms, dims: s.volume?.dims };
    });
    await page.setInputFiles('[data-testid="file-input"]', c.files);
    const res = await wait;
    if (res.status !== "ready") throw new Error(`${c.name}: ${res.error}`);
    if (r > 0) {
      first.push(res.ms);
      decode.push(res.decode_ms);
      load.push(res.load_ms);
      early.push(res.early_ms);
    }
  }
  await context.close();
  // volume_ready_ms: file chosen → whole volume on screen (status "ready"), measured here.
  // first_image_ms: the app's own count from the request to its first image drawn (the early
  // slice of a DICOM series, else the volume). load_ms: request → the volume's first draw.
  return { volume_ready_ms: stats(first), first_image_ms: stats(early), decode_ms: stats(decode), app_load_ms: stats(load) };
}

async function jsReading(c) {
  const { context, page } = await benchPage();
  const first = [];
  const all = [];
  for (let r = 0; r < RUNS + 1; r++) {
    await page.evaluate((k) => window.bench.armReader(k), c.kind);
    await page.setInputFiles("#files", c.files);
    await page.waitForFunction(() => window.__read !== null, null, { timeout: 120_000 });
    const res = await page.evaluate(() => window.__read);
    if (res.error) throw new Error(`${c.name} (JS): ${res.error}`);
    if (r > 0) {
      first.push(res.first_image_ms);
      all.push(res.all_decoded_ms);
    }
  }
  await context.close();
  return { first_image_ms: stats(first), all_decoded_ms: stats(all) };
}

async function reading() {
  const out = [];
  for (const c of readingCases()) {
    log(`reading ${c.name}`);
    const ours = await oursReading(c);
    const js = await jsReading(c);
    out.push({
      case: c.name,
      files: c.files.length,
      bytes: c.bytes,
      ours,
      js: { ...js, readers: c.kind === "dicom" ? "dicom-parser + jpeg-lossless-decoder-js" : "nifti-reader-js (fflate)" },
      ratio_first_image_ours_over_js: +(ours.first_image_ms.median / js.first_image_ms.median).toFixed(2),
    });
  }
  return out;
}

// ---------------------------------------------------------------- whole-scan analysis
/** RSS (kB) of every process of this Chromium (browser, renderers, GPU, utility). */
function chromiumRssKb() {
  try {
    const txt = execFileSync("ps", ["-e", "-o", "pid=,ppid=,rss=,comm="], { encoding: "utf8" });
    const rows = txt.trim().split("\n").map((l) => l.trim().split(/\s+/));
    const byParent = new Map();
    for (const [pid, ppid, rss] of rows) {
      if (!byParent.has(ppid)) byParent.set(ppid, []);
      byParent.get(ppid).push({ pid, rss: Number(rss) });
    }
    const root = String(browserPid);
    let total = 0;
    const stack = [root];
    const self = rows.find((r) => r[0] === root);
    if (self) total += Number(self[2]);
    while (stack.length) {
      for (const ch of byParent.get(stack.pop()) ?? []) {
        total += ch.rss;
        stack.push(ch.pid);
      }
    }
    return total;
  } catch {
    return null;
  }
}
let browserPid = null;

/** BENCH_WORKERS: worker counts for the main case (default 1,2,4; 0 = the app's default);
 * BENCH_OTHER_CASES=0 skips the demo and RSNA cases (run with the default pool). */
function analysisCases() {
  const cases = [];
  const workers = (env.BENCH_WORKERS ?? "1,2,4").split(",").map(Number);
  if (fs.existsSync(path.join(CASES, "head512.nii.gz"))) cases.push({ name: "generated head512.nii.gz (512²×36)", file: path.join(CASES, "head512.nii.gz"), workers, main: true });
  if (env.BENCH_OTHER_CASES === "0") return cases;
  if (fs.existsSync(path.join(CASES, "phantom.nii.gz"))) cases.push({ name: "demo phantom (256²×32)", file: path.join(CASES, "phantom.nii.gz"), workers: [0] });
  const rsna = path.join(SHARED, "rsna-ich", "volumes", "ID_02033fb12e.nii.gz");
  if (fs.existsSync(rsna)) cases.push({ name: "RSNA ID_02033fb12e (512²×34)", file: rsna, workers: [0] });
  return cases;
}

/** workers: 0 = the app's default (navigator.hardwareConcurrency, at most 4). */
async function analyseCase(c, workers, memory, query = "") {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  if (workers > 0) {
    await context.addInitScript((n) => {
      Object.defineProperty(Navigator.prototype, "hardwareConcurrency", { get: () => n });
    }, workers);
  }
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Performance.enable");
  await page.goto(`${url}${query}`);
  await page.waitForFunction(() => window.hemoscope && window.hemoscope.state().status === "idle");
  const rssIdle = chromiumRssKb();
  await page.setInputFiles('[data-testid="file-input"]', c.file);
  await page.waitForFunction(() => ["ready", "error"].includes(window.hemoscope.state().status), null, { timeout: 300_000 });
  const analyse = () =>
    page.evaluate(async () => {
      const r0 = window.hemoscope.state().renders;
      const t0 = performance.now();
      document.querySelector('[data-testid="analyze"]').click();
      for (;;) {
        const st = window.hemoscope.state().status;
        if (st === "done" || st === "error") break;
        await new Promise((res) => setTimeout(res, 2));
      }
      await new Promise((res) => requestAnimationFrame(() => res()));
      const s = window.hemoscope.state();
      // Slices without brain (analysis::tissue) are not sent to the workers.
      const run = s.results ? s.results.slices.filter((x) => !x.no_brain).length : 0;
      const renders = { count: s.renders.count - r0.count, ms: s.renders.total_ms - r0.total_ms, max_ms: s.renders.max_ms };
      return { ms: performance.now() - t0, status: s.status, error: s.error, timings: s.results?.timings_ms, dims: s.volume.dims, run, renders, engine: s.analysis.engine };
    });
  let peakRss = 0;
  let peakHeap = 0;
  const sampler = memory
    ? setInterval(async () => {
        peakRss = Math.max(peakRss, chromiumRssKb() ?? 0);
        try {
          const { metrics } = await cdp.send("Performance.getMetrics");
          const h = metrics.find((m) => m.name === "JSHeapUsedSize");
          if (h) peakHeap = Math.max(peakHeap, h.value);
        } catch {}
      }, 100)
    : null;
  // The first analysis also waits for the workers' model load (fetch/cache, optimise, self-test).
  const first = await analyse();
  if (first.status !== "done") throw new Error(`${c.name}: ${first.error}`);
  const walls = [];
  const renderCounts = [];
  const renderMs = [];
  const parts = { preprocess: [], classifier: [], segmenter: [], postprocess: [] };
  let tm;
  let run = 0;
  for (let r = 0; r < RUNS; r++) {
    const res = await analyse();
    if (res.status !== "done") throw new Error(`${c.name}: ${res.error}`);
    walls.push(res.ms);
    renderCounts.push(res.renders.count);
    renderMs.push(res.renders.ms);
    tm = res.timings;
    run = res.run;
    for (const k of Object.keys(parts)) parts[k].push(tm[k] / Math.max(1, run));
  }
  if (sampler) clearInterval(sampler);
  await context.close();
  const out = {
    engine: first.engine,
    workers: tm.workers,
    slices: first.dims[2],
    slices_run: run,
    analyze_to_overlay_ms: stats(walls),
    first_analysis_incl_model_load_ms: Math.round(first.ms),
    worker_ms_per_slice: Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, stats(v)])),
    // Drawing on the main thread during one analysis (progress, each slice's labels, the result).
    main_thread_renders: stats(renderCounts),
    main_thread_render_ms: stats(renderMs),
  };
  if (memory) {
    out.memory = {
      chromium_rss_idle_mb: rssIdle ? Math.round(rssIdle / 1024) : null,
      chromium_rss_peak_mb: peakRss ? Math.round(peakRss / 1024) : null,
      page_js_heap_used_peak_mb: Math.round(peakHeap / 1048576),
      how: "RSS: sum over every Chromium process (ps), sampled every 100 ms; JS heap: CDP Performance.getMetrics JSHeapUsedSize of the page (main thread only, not workers or wasm memories)",
    };
  }
  return out;
}

async function analysis() {
  const out = [];
  for (const c of analysisCases()) {
    for (const w of c.workers) {
      log(`analysis ${c.name}, workers ${w || "default"}`);
      const r = await analyseCase(c, w, w === 0 || (c.main && w === 2));
      out.push({ case: c.name, requested_workers: w || "default", ...r });
    }
  }
  return out;
}

// ---------------------------------------------------------------- kernels: the two worker builds
/** The analysis worker's relaxed-SIMD build against its plain SIMD build (`?relaxed=0`), on the
 * main generated case with the default pool, in alternating pages (3 rounds each), so that a
 * change in the machine's load hits both alike. */
async function kernels() {
  const c = analysisCases().find((x) => x.main);
  if (!c) return null;
  const rounds = { plain: [], relaxed: [] };
  for (let round = 0; round < 3; round++) {
    for (const [name, query] of [["plain", "?relaxed=0"], ["relaxed", ""]]) {
      log(`kernels ${c.name}: ${name}, round ${round + 1}`);
      rounds[name].push(await analyseCase(c, 0, false, query));
    }
  }
  const pick = (rs, f) => stats(rs.map(f));
  return {
    case: c.name,
    rounds: 3,
    ...Object.fromEntries(Object.entries(rounds).map(([name, rs]) => [name, {
      engine: rs[0].engine,
      analyze_to_overlay_ms_round_medians: rs.map((r) => r.analyze_to_overlay_ms.median),
      analyze_to_overlay_ms: pick(rs, (r) => r.analyze_to_overlay_ms.median),
      segmenter_ms_per_slice: pick(rs, (r) => r.worker_ms_per_slice.segmenter.median),
    }])),
  };
}

// ---------------------------------------------------------------- drop → overlays
/** A DICOM folder dropped with "analyse automatically" on, on a fresh page that has been open
 * `waitMs` (0: dropped as soon as the page is idle; 2000: the models had time to load). The
 * time runs from the drop (setInputFiles) to the overlays on screen (status done + a frame). */
async function dropCase(c, waitMs) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  try {
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => window.hemoscope && window.hemoscope.state().status === "idle");
    await page.check('[data-testid="auto-analyze"]');
    if (waitMs > 0) await page.waitForTimeout(waitMs);
    const t0 = Date.now();
    await page.setInputFiles('[data-testid="file-input"]', c.files);
    const firstImage = page
      .waitForFunction(() => window.hemoscope.state().volume !== undefined, null, { timeout: 300_000, polling: 2 })
      .then(() => Date.now() - t0);
    // Awaited below; a failed run must not leave it as an unhandled rejection meanwhile.
    firstImage.catch(() => {});
    // The first slice's labels on the overlay (each slice is shown as soon as it is back).
    const firstLabels = page
      .waitForFunction(() => {
        const s = window.hemoscope.state();
        return (s.labelled_slices?.length ?? 0) > 0 || ["done", "error"].includes(s.status);
      }, null, { timeout: 300_000, polling: 2 })
      .then(() => Date.now() - t0);
    firstLabels.catch(() => {});
    await page.waitForFunction(() => ["done", "error"].includes(window.hemoscope.state().status), null, { timeout: 300_000, polling: 2 });
    await page.evaluate(() => new Promise((res) => requestAnimationFrame(() => res())));
    const ms = Date.now() - t0;
    const s = await page.evaluate(() => window.hemoscope.state());
    if (s.status !== "done") throw new Error(`${c.name}: ${s.error}`);
    return { ms, first_image_ms: await firstImage, first_labels_ms: await firstLabels, analysis: s.analysis };
  } finally {
    await context.close();
  }
}

async function drop() {
  const out = [];
  const cases = readingCases().filter((c) => c.kind === "dicom" && !/JPEG/.test(c.name));
  for (const c of cases) {
    for (const waitMs of [0, 2000]) {
      log(`drop ${c.name}, page open ${waitMs} ms`);
      const runs = [];
      for (let r = 0; r < RUNS; r++) runs.push(await dropCase(c, waitMs));
      out.push({
        case: c.name,
        page_open_before_drop_ms: waitMs,
        drop_to_overlays_ms: stats(runs.map((x) => x.ms)),
        drop_to_first_image_ms: stats(runs.map((x) => x.first_image_ms)),
        drop_to_first_labels_ms: stats(runs.map((x) => x.first_labels_ms)),
        worker_start_ms: Object.fromEntries(["compile_ms", "read_ms", "build_ms"].map((k) =>
          [k, stats(runs.map((x) => x.analysis.worker_start_ms?.[k] ?? NaN))])),
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------- sizes
function sizes() {
  const gz = (buf) => zlib.gzipSync(buf, { level: 9 }).length;
  const wasm = fs.readdirSync(DIST).filter((f) => f.endsWith(".wasm")).map((f) => {
    const b = fs.readFileSync(path.join(DIST, f));
    return { file: f.replace(/-[0-9a-f]{16}_bg\.wasm$/, "_bg.wasm"), bytes: b.length, gzip_bytes: gz(b) };
  });
  const models = MODELS.map((m) => {
    const b = fs.readFileSync(path.join(repoRoot, "models", `${m}.onnx`));
    return { file: `${m}.onnx`, bytes: b.length, gzip_bytes: gz(b) };
  });
  const app = wasm.filter((w) => !w.file.startsWith("analysis_worker"));
  return {
    wasm,
    models,
    // a browser loads one of the analysis worker's two builds (relaxed SIMD where it has it)
    app_without_models_gzip_bytes: wasm.filter((w) => !w.file.startsWith("analysis_worker_relaxed")).reduce((s, w) => s + w.gzip_bytes, 0),
    note: "gzip level 9 of each file as built; the analysis worker holds tract (one of its two builds is loaded: relaxed SIMD where the browser has it)",
    page_wasm_gzip_bytes: app.reduce((s, w) => s + w.gzip_bytes, 0),
  };
}

try {
  browserPid = browser.process?.()?.pid ?? null;
  if (!browserPid) {
    // playwright-core launch() hides the process; find it by its user-data-dir child.
    const txt = execFileSync("ps", ["-e", "-o", "pid=,ppid=,args="], { encoding: "utf8" });
    const me = String(process.pid);
    const row = txt.trim().split("\n").map((l) => l.trim().split(/\s+/)).find((r) => r[1] === me && /chrom/.test(r.slice(2).join(" ")));
    browserPid = row ? row[0] : null;
  }
  // With BENCH_ONLY the other sections are an earlier run's: each section keeps its own time.
  results.measured_at ??= {};
  const section = async (name, run) => {
    if (!ONLY.includes(name)) return;
    results[name] = await run();
    results.measured_at[name] = new Date().toISOString();
  };
  await section("inference", inference);
  await section("reading", reading);
  await section("analysis", analysis);
  await section("kernels", kernels);
  await section("drop", drop);
  await section("sizes", sizes);
} finally {
  await browser.close();
  server.close();
}
results.machine.load_avg_at_end = os.loadavg().map((v) => +v.toFixed(2));
fs.writeFileSync(OUT_JSON, JSON.stringify(results, null, 1) + "\n");
const { writeMarkdown } = await import("./report.mjs");
writeMarkdown(results, path.join(repoRoot, "BENCHMARKS.md"));
log(`wrote ${path.relative(repoRoot, OUT_JSON)} and BENCHMARKS.md`);
