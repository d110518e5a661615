// "Your own model" in the page: a model whose ONNX input shape differs from its card is
// refused with a message naming the shapes; a valid one (the shipped segmenter under another
// name and card) replaces the segmenter for the session, is shown with a "user model" badge,
// names itself in the results, and "Back to the shipped models" undoes it. Nothing leaves
// the origin.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  repoRoot,
  startServer,
  launchBrowser,
  openApp,
  state,
  waitForStatus,
  foreignRequests,
} from "./helpers.mjs";

let server;
let url;
let origin;
let browser;
const onnx = fs.readFileSync(path.join(repoRoot, "models/segmenter.onnx"));
const shippedCard = JSON.parse(fs.readFileSync(path.join(repoRoot, "models/segmenter.json"), "utf8"));

before(async () => {
  ({ server, url } = await startServer());
  origin = new URL(url).origin;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.close();
});

const file = (name, buffer) => ({ name, mimeType: "application/octet-stream", buffer });
const cardFile = (card) => file("my-segmenter.json", Buffer.from(JSON.stringify(card)));

/** Choose files in the model loader and wait for the check's outcome. */
async function load(page, files) {
  await page.check('[data-testid="model-role-segmenter"]');
  // Forget the previous outcome, so that only this check's can end the wait.
  await page.$eval('[data-testid="model-status"]', (el) => (el.dataset.state = ""));
  await page.setInputFiles('[data-testid="model-file"]', files);
  await page.waitForFunction(
    () => ["ok", "refused"].includes(document.querySelector('[data-testid="model-status"]').dataset.state),
    null,
    { timeout: 180_000 },
  );
  return {
    state: await page.getAttribute('[data-testid="model-status"]', "data-state"),
    text: await page.textContent('[data-testid="model-status"]'),
  };
}

test("a user model with the wrong input shape is refused; a valid one is used and can be undone", async () => {
  const { context, page, log } = await openApp(browser, url);
  try {
    await page.click('[data-testid="open-demo"]');
    await waitForStatus(page, ["ready"]);

    // The card says 128×128 inputs; the ONNX graph declares 256×256.
    const wrong = structuredClone(shippedCard);
    delete wrong.sha256;
    delete wrong.size_bytes;
    delete wrong.test_vector;
    wrong.name = "my-segmenter";
    wrong.onnx.input.shape = [1, 3, 128, 128];
    wrong.preprocessing.input_size = [128, 128];
    let r = await load(page, [file("my-segmenter.onnx", onnx), cardFile(wrong)]);
    assert.equal(r.state, "refused", r.text);
    assert.match(r.text, /wrong input shape/);
    assert.match(r.text, /\[1, 3, 256, 256\]/);
    assert.match(r.text, /\[1, 3, 128, 128\]/);
    let st = await state(page);
    assert.equal(st.analysis.models.segmenter.user, false, "the shipped segmenter stays");
    assert.equal(await page.isVisible('[data-testid="user-model-badge"]'), false);

    // A card schema error is caught at once, naming the field.
    const broken = structuredClone(shippedCard);
    broken.onnx.output.shape = "1x6";
    r = await load(page, [file("my-segmenter.onnx", onnx), cardFile(broken)]);
    assert.equal(r.state, "refused", r.text);
    assert.match(r.text, /onnx\.output\.shape/);

    // Only one file: asked for both.
    r = await load(page, [file("my-segmenter.onnx", onnx)]);
    assert.equal(r.state, "refused");
    assert.match(r.text, /\.onnx .*\.json|model card/);

    // A valid user model: the shipped weights under another name, without sha256.
    const good = structuredClone(shippedCard);
    delete good.sha256;
    delete good.size_bytes;
    good.name = "my-segmenter";
    good.version = "2.0";
    r = await load(page, [file("my-segmenter.onnx", onnx), cardFile(good)]);
    assert.equal(r.state, "ok", r.text);
    assert.match(r.text, /my-segmenter 2\.0/);
    st = await state(page);
    assert.deepEqual(st.analysis.models.segmenter, { name: "my-segmenter", version: "2.0", user: true });
    assert.match(await page.textContent('[data-testid="models-info"]'), /my-segmenter 2\.0\s*user model/);
    assert.equal(await page.isVisible('[data-testid="model-reset"]'), true);

    await page.click('[data-testid="analyze"]');
    st = await waitForStatus(page, ["done", "error"], 300_000);
    assert.equal(st.status, "done", st.error);
    assert.equal(st.results.models["my-segmenter"], "2.0", "the results name the user model");
    assert.equal(st.results.models["hemoscope-segmenter"], undefined);

    await page.click('[data-testid="model-reset"]');
    st = await state(page);
    assert.equal(st.analysis.models.segmenter.user, false);
    assert.equal(await page.isVisible('[data-testid="user-model-badge"]'), false);
    await page.click('[data-testid="analyze"]');
    st = await waitForStatus(page, ["done", "error"], 300_000);
    assert.equal(st.status, "done", st.error);
    assert.ok(st.results.models["hemoscope-segmenter"], "back to the shipped segmenter");

    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(foreignRequests(log, origin), [], "no request left the origin");
  } finally {
    await context.close();
  }
});
