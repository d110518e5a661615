// End-to-end tests of the dataset gallery (`?manifest=`) on the demo dataset shipped with the
// app (web/demo-dataset): previews and label chips, the filter, a case opened with its ground
// truth and analysed, Dice and slice agreement equal to `hemoscope evaluate <manifest>`, the
// `state().dataset` shape, "Analyse all" with Cancel, a foreign manifest URL refused, and no
// request leaving the origin. Needs the CLI built with `--features inference`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
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
const MANIFEST = "demo-dataset/manifest.json";
const IPH = [0xd5, 0x5e, 0x00];

let server;
let url;
let origin;
let browser;
let native; // hemoscope evaluate --json on the demo manifest

function cliPath() {
  if (process.env.HEMOSCOPE_CLI) return process.env.HEMOSCOPE_CLI;
  const target = process.env.CARGO_TARGET_DIR ?? path.join(repoRoot, "target");
  return path.join(target, "release", "hemoscope");
}

before(async () => {
  const cli = cliPath();
  if (!fs.existsSync(cli)) {
    throw new Error(`${cli} is missing: build it with cargo build --release --features inference --bin hemoscope`);
  }
  const out = execFileSync(cli, ["evaluate", path.join(repoRoot, "web", MANIFEST), "--json"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  native = JSON.parse(out.toString());
  ({ server, url } = await startServer());
  origin = new URL(url).origin;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function openGallery() {
  const opened = await openApp(browser, `${url}?manifest=${MANIFEST}`);
  await opened.page.waitForFunction(() => window.hemoscope.state().dataset?.cases?.length > 0, null, {
    timeout: 60_000,
  });
  return opened;
}

const visibleIds = (page) =>
  page.$$eval('[data-testid="gallery-case"]', (els) =>
    els.filter((e) => e.offsetParent !== null).map((e) => e.getAttribute("data-case-id")),
  );

async function chooseFilter(page, value) {
  await page.selectOption('[data-testid="gallery-filter"]', value);
  return visibleIds(page);
}

/** Vermillion (IPH) pixels on the axial canvas. */
function iphPixels(page) {
  return page.evaluate((c) => {
    const canvas = document.querySelector('[data-testid="viewer-axial"] canvas');
    const d = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let o = 0; o < d.length; o += 4) if (d[o] === c[0] && d[o + 1] === c[1] && d[o + 2] === c[2]) n++;
    return n;
  }, IPH);
}

test("gallery: every case with a preview and label chips, the filter, state().dataset", async () => {
  const { context, page, log } = await openGallery();
  try {
    assert.equal(await page.isVisible('[data-testid="gallery"]'), true);
    await page.waitForFunction(() => window.hemoscope.state().dataset.thumbnails === 4, null, { timeout: 120_000 });
    const ds = (await state(page)).dataset;
    assert.equal(ds.name, "Hemoscope synthetic demo");
    assert.deepEqual(ds.cases.map((c) => c.id), ["iph-ivh", "sdh-left", "edh-sah", "normal"]);
    for (const c of ds.cases) {
      assert.equal(c.status, "pending");
      assert.equal(c.thumbnail, true, `${c.id} has a preview`);
      assert.equal(c.has_label_map, true);
      assert.equal(c.visible, true);
    }
    assert.deepEqual(ds.cases.find((c) => c.id === "sdh-left").labels, ["any", "subdural"]);
    assert.deepEqual(ds.cases.find((c) => c.id === "normal").labels, []);
    assert.deepEqual(await visibleIds(page), ["iph-ivh", "sdh-left", "edh-sah", "normal"]);
    // The preview is drawn: the canvas holds grey (brain) pixels, not only black.
    const grey = await page.$eval('[data-case-id="iph-ivh"] canvas', (c) => {
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let o = 0; o < d.length; o += 4) if (d[o] > 60 && d[o] < 200 && d[o] === d[o + 1]) n++;
      return n;
    });
    assert.ok(grey > 500, `preview has ${grey} grey pixels`);
    // Chips carry the labels.
    const chips = await page.$$eval('[data-case-id="edh-sah"] .chip', (els) => els.map((e) => e.textContent));
    assert.deepEqual(chips, ["ICH", "EDH", "SAH", "mask"]);

    assert.deepEqual(await chooseFilter(page, "subdural"), ["sdh-left"]);
    assert.equal((await state(page)).dataset.filter, "subdural");
    assert.deepEqual(await chooseFilter(page, "epidural"), ["edh-sah"]);
    assert.deepEqual(await chooseFilter(page, "negative"), ["normal"]);
    assert.deepEqual(await chooseFilter(page, "any"), ["iph-ivh", "sdh-left", "edh-sah"]);
    assert.deepEqual(await chooseFilter(page, "all"), ["iph-ivh", "sdh-left", "edh-sah", "normal"]);
    // Keyboard: the cases are buttons in the tab order with a name.
    const label = await page.getAttribute('[data-case-id="sdh-left"]', "aria-label");
    assert.match(label, /Open case sdh-left \(any, subdural\)/);
    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(foreignRequests(log, origin), [], "requests that were not same-origin GETs");
  } finally {
    await context.close();
  }
});

test("a case with ground truth: analysed, Dice and slice agreement equal the CLI's", async () => {
  const { context, page, log } = await openGallery();
  try {
    // Open with the keyboard: focus the case and press Enter.
    await page.focus('[data-case-id="iph-ivh"]');
    await page.keyboard.press("Enter");
    await waitForStatus(page, ["ready"], 60_000);
    let st = await state(page);
    assert.equal(st.dataset.current, "iph-ivh");
    assert.deepEqual(st.volume.dims, [128, 128, 24]);
    assert.equal(st.dataset.truth_error, undefined);
    assert.equal(await page.isVisible('[data-testid="comparison"]'), true);
    assert.match(await page.textContent('[data-testid="comparison"]'), /Research use — not for diagnosis/);
    // Ground truth alone is drawn before any analysis.
    await page.$eval('[data-testid="overlay-opacity"]', (el) => {
      el.value = "100";
      el.dispatchEvent(new Event("input"));
    });
    await page.selectOption('[data-testid="gt-toggle"]', "truth");
    assert.ok((await iphPixels(page)) > 0, "ground-truth IPH drawn on the middle slice");

    await page.click('[data-testid="analyze"]');
    st = await waitForStatus(page, ["done", "error"], 300_000);
    assert.equal(st.status, "done", `analysis failed: ${st.error}`);
    const web = st.results.comparison;
    assert.ok(web, "state().results.comparison is present");
    const nat = native.cases.find((c) => c.id === "iph-ivh").comparison;
    for (const l of LABELS) {
      const [a, b] = [web.dice[l], nat.dice[l]];
      if (b === null) assert.equal(a, null, `Dice ${l}: page ${a}, CLI null`);
      else assert.ok(Math.abs(a - b) <= 1e-6, `Dice ${l}: page ${a}, CLI ${b}`);
    }
    assert.ok(Math.abs(web.slice_agreement - nat.slice_agreement) <= 1e-6, "slice agreement");
    assert.deepEqual(web.case, nat.case, "case verdicts against the truth");
    console.log(`iph-ivh: Dice ${JSON.stringify(web.dice)}, slice agreement ${web.slice_agreement}`);

    // The gallery lists the analysed case first (it has a wrongness), with its figures.
    const ds = st.dataset;
    assert.equal(ds.cases[0].id, "iph-ivh");
    assert.equal(ds.cases[0].status, "analysed");
    assert.ok(Math.abs(ds.cases[0].dice_any - nat.dice.any) <= 1e-6);
    assert.equal(ds.cases[0].correct, nat.case.correct);
    const table = await page.textContent('[data-testid="comparison"]');
    assert.match(table, /Dice/);
    assert.match(table, /Slice agreement/);

    // The toggle: prediction, truth and both each draw IPH.
    for (const mode of ["prediction", "truth", "both"]) {
      await page.selectOption('[data-testid="gt-toggle"]', mode);
      assert.ok((await iphPixels(page)) > 0, `${mode}: IPH pixels drawn`);
    }

    // Another case, then this one again: its results come back at once, without analysing.
    const mask = await page.evaluate(() => Array.from(window.hemoscope.mask()));
    const other = ds.cases.find((c) => c.id !== "iph-ivh").id;
    await page.click(`[data-case-id="${other}"]`);
    await page.waitForFunction((id) => {
      const s = window.hemoscope.state();
      return s.dataset.current === id && s.status === "ready";
    }, other, { timeout: 60_000 });
    assert.equal((await state(page)).results, undefined, "the other case is not analysed");
    await page.click('[data-case-id="iph-ivh"]');
    await page.waitForFunction(() => {
      const s = window.hemoscope.state();
      return s.dataset.current === "iph-ivh" && s.status !== "loading";
    }, null, { timeout: 60_000 });
    const again = await state(page);
    assert.equal(again.status, "done", "reopened with its results, no analysis run");
    assert.match(again.message, /earlier analysis/);
    assert.deepEqual(again.results.comparison.dice, web.dice, "same comparison");
    assert.deepEqual(again.results.verdict, st.results.verdict, "same verdicts");
    assert.deepEqual(await page.evaluate(() => Array.from(window.hemoscope.mask())), mask, "same mask");
    assert.ok((await iphPixels(page)) > 0, "the overlay is drawn again");
    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(foreignRequests(log, origin), [], "requests that were not same-origin GETs");
  } finally {
    await context.close();
  }
});

test("Analyse all walks the cases and Cancel stops it", async () => {
  const { context, page, log } = await openGallery();
  try {
    await page.click('[data-testid="analyse-all"]');
    await page.waitForFunction(() => {
      const s = window.hemoscope.state();
      return s.dataset.walking && s.status === "analyzing";
    }, null, { timeout: 120_000 });
    assert.equal(await page.isVisible('[data-testid="cancel-all"]'), true);
    await page.click('[data-testid="cancel-all"]');
    await page.waitForFunction(() => !window.hemoscope.state().dataset.walking);
    const st = await state(page);
    assert.notEqual(st.status, "analyzing");
    assert.equal(await page.isVisible('[data-testid="cancel-all"]'), false);
    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(foreignRequests(log, origin), []);
  } finally {
    await context.close();
  }
});

test("a manifest on another site is refused before anything is fetched", async () => {
  // The refusal happens while the page starts, so openApp's wait for "idle" does not apply.
  const context = await browser.newContext();
  const page = await context.newPage();
  const log = { requests: [] };
  context.on("request", (r) => log.requests.push({ url: r.url(), method: r.method(), body: r.postData() }));
  await page.goto(`${url}?manifest=${encodeURIComponent("https://example.org/m.json")}`);
  try {
    await page.waitForFunction(() => window.hemoscope?.state().status === "error");
    const st = await state(page);
    assert.match(st.error, /another site \(https:\/\/example\.org\)/);
    assert.match(await page.textContent('[data-testid="gallery-status"]'), /privacy/);
    assert.deepEqual(foreignRequests(log, origin), [], "nothing was requested from example.org");
  } finally {
    await context.close();
  }
});
