// A minimal static file server for the built app (dist/), bound to one address.
// Usage: node scripts/static-server.mjs <dir> [host] [port]   (port 0 = any free port)
// Also used by the end-to-end tests (import { serve } from this file).
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".onnx": "application/octet-stream",
};

/** Serve `dir` on host:port; resolves to { server, url }. */
export function serve(dir, host = "127.0.0.1", port = 0) {
  const root = path.resolve(dir);
  const server = http.createServer((req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405).end();
      return;
    }
    let rel = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (rel.endsWith("/")) rel += "index.html";
    const file = path.join(root, rel);
    if (!file.startsWith(root + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    fs.readFile(file, (err, data) => {
      if (err) {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found");
        return;
      }
      const type = TYPES[path.extname(file)] ?? "application/octet-stream";
      res.writeHead(200, { "content-type": type, "cache-control": "no-cache" });
      res.end(req.method === "HEAD" ? undefined : data);
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const { port: p } = server.address();
      resolve({ server, url: `http://${host}:${p}/` });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [dir = "dist", host = "127.0.0.1", port = "8080"] = process.argv.slice(2);
  if (!fs.existsSync(path.join(dir, "index.html"))) {
    console.error(`no ${dir}/index.html: build the app first (trunk build --release)`);
    process.exit(1);
  }
  const { url } = await serve(dir, host, Number(port));
  console.log(`Hemoscope is served at ${url}  (Ctrl+C to stop)`);
}
