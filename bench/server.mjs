// The benchmark server: the built app at / (as deployed: no extra headers) and the benchmark
// pages at /bench/ with cross-origin isolation (COOP/COEP), so onnxruntime-web may use threads.
// Bound to 127.0.0.1. Used by bench/run.mjs; not part of the app.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".onnx": "application/octet-stream",
};

const ISOLATION = {
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
  "cross-origin-resource-policy": "same-origin",
};

/**
 * Serve `routes` (URL prefix → folder, longest prefix first). Prefixes starting with /bench/
 * get the isolation headers. Resolves to { server, url }.
 */
export function serveBench(routes) {
  const table = Object.entries(routes)
    .map(([prefix, dir]) => [prefix, path.resolve(dir)])
    .sort((a, b) => b[0].length - a[0].length);
  const server = http.createServer((req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405).end();
      return;
    }
    let rel = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (rel.endsWith("/")) rel += "index.html";
    const hit = table.find(([prefix]) => rel.startsWith(prefix));
    if (!hit) {
      res.writeHead(404).end();
      return;
    }
    const [prefix, root] = hit;
    const file = path.join(root, rel.slice(prefix.length));
    if (file !== root && !file.startsWith(root + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    fs.readFile(file, (err, data) => {
      if (err) {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found");
        return;
      }
      const headers = {
        "content-type": TYPES[path.extname(file)] ?? "application/octet-stream",
        "cache-control": "no-cache",
        ...(prefix.startsWith("/bench/") ? ISOLATION : {}),
      };
      res.writeHead(200, headers);
      res.end(req.method === "HEAD" ? undefined : data);
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      resolve({ server, url: `http://127.0.0.1:${server.address().port}/` });
    });
  });
}
