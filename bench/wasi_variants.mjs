// Runs a wasm32-wasip1 build of examples/model_variants.rs in Node's WASI, i.e. in V8, the
// engine of Chromium: tract's wasm kernels on the int8 variants written by bench/quantize.py.
//
//   RUSTFLAGS="-C target-feature=+simd128" CARGO_TARGET_DIR=target/wasip1 \
//     cargo build --release --target wasm32-wasip1 --features inference --example model_variants
//   node bench/wasi_variants.mjs target/wasip1/wasm32-wasip1/release/examples/model_variants.wasm \
//     DIR segmenter-int8-qdq.onnx ...
//
// For the relaxed-SIMD kernels: "+simd128,+relaxed-simd", its own CARGO_TARGET_DIR, and
// `node --experimental-wasm-relaxed-simd` on Node versions that still need the flag.
import fs from 'node:fs';
import { WASI } from 'node:wasi';

const [wasm, dir, ...files] = process.argv.slice(2);
if (!wasm || !dir || files.length === 0) {
  console.error('usage: node bench/wasi_variants.mjs MODULE.wasm DIR FILE.onnx...');
  process.exit(2);
}
const wasi = new WASI({
  version: 'preview1',
  args: ['model_variants', ...files.map((f) => `/models/${f}`)],
  preopens: { '/models': dir },
});
const module = await WebAssembly.compile(fs.readFileSync(wasm));
wasi.start(await WebAssembly.instantiate(module, wasi.getImportObject()));
