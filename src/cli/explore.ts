import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { type CliIO, UsageError } from "./shared.js";
import { commandDescription } from "./commands.js";
import { installInterruptHandlers } from "./signals.js";

/**
 * `matsense explore`: serves the built explorer (dist/web, from `npm run build:web`, part
 * of `npm run build`) on localhost with the cross-origin-isolation headers
 * (COOP same-origin, COEP require-corp) a browser needs before memory may be shared
 * between threads, so the WASM kernels can run on several threads as in Node. With
 * --no-isolation the headers are left out and the page says it fell back to one thread.
 *
 * `matsense explore DIR` also serves a finished run or sweep folder, read-only, under
 * /data/ (only the result files the viewer reads: config.json, summary.json, metrics.csv,
 * grid.json, manifest.json; /data/index.json lists them) and prints the address of the
 * page's viewer mode (`?open=data`). Links of any length work: the request-header limit is
 * raised from Node's 16 KiB (a long share link got HTTP 431) to {@link MAX_HEADER_BYTES}.
 */

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".map": "application/json",
};

/** Request-header limit of the server: share links carry the whole explorer state in the query. */
export const MAX_HEADER_BYTES = 1024 * 1024;

/** The result files the viewer reads. */
const DATA_FILES = new Set(["config.json", "summary.json", "metrics.csv", "grid.json", "manifest.json"]);

/** The result files under `dir` (relative paths with "/"), skipping hidden folders; at most `max`. */
export function listResultFiles(dir: string, max = 200_000): string[] {
  const out: string[] = [];
  const walk = (rel: string, depth: number) => {
    if (depth > 6 || out.length >= max) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && !e.name.startsWith(".")) walk(p, depth + 1);
      else if (e.isFile() && DATA_FILES.has(e.name) && out.length < max) out.push(p);
    }
  };
  walk("", 0);
  return out;
}

/** The built site next to this module (dist/web). */
export function defaultSiteDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "web");
}

export interface ExploreServerOptions {
  dir?: string;
  host?: string;
  /** 0 = any free port. */
  port?: number;
  /** Send COOP/COEP (default true). */
  isolation?: boolean;
  /** A run or sweep folder to serve read-only under /data/ for the viewer mode. */
  data?: string;
}

/**
 * Starts a static file server for the explorer; resolves with the server and its URL once
 * it listens. Only files inside `dir` are served (no directory listings).
 */
export async function startExploreServer(opts: ExploreServerOptions = {}): Promise<{ server: http.Server; url: string }> {
  const dir = path.resolve(opts.dir ?? defaultSiteDir());
  if (!fs.existsSync(path.join(dir, "index.html"))) {
    throw new UsageError(`the explorer is not built (no ${path.join(dir, "index.html")}); run \`npm run build:web\` (or \`npm run build\`)`);
  }
  const isolation = opts.isolation ?? true;
  const data = opts.data === undefined ? undefined : path.resolve(opts.data);
  let dataFiles: Set<string> | undefined;
  const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
    const headers: Record<string, string> = { "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff" };
    if (isolation) {
      headers["Cross-Origin-Opener-Policy"] = "same-origin";
      headers["Cross-Origin-Embedder-Policy"] = "require-corp";
      headers["Cross-Origin-Resource-Policy"] = "same-origin";
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { ...headers, Allow: "GET, HEAD" }).end();
      return;
    }
    let rel: string;
    try {
      rel = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    } catch {
      res.writeHead(400, headers).end("bad request");
      return;
    }
    if (data !== undefined && rel.startsWith("/data/")) {
      serveData(rel.slice("/data/".length), req, res, headers);
      return;
    }
    if (rel.endsWith("/")) rel += "index.html";
    const file = path.resolve(dir, "." + rel);
    if (file !== dir && !file.startsWith(dir + path.sep)) {
      res.writeHead(403, headers).end("forbidden");
      return;
    }
    fs.readFile(file, (err, data) => {
      if (err) {
        res.writeHead(404, { ...headers, "Content-Type": "text/plain; charset=utf-8" }).end("not found");
        return;
      }
      res.writeHead(200, { ...headers, "Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream", "Content-Length": data.length });
      res.end(req.method === "HEAD" ? undefined : data);
    });
  });
  /** /data/index.json (the listing, made once) and the listed files, nothing else. */
  function serveData(rel: string, req: http.IncomingMessage, res: http.ServerResponse, headers: Record<string, string>): void {
    dataFiles ??= new Set(listResultFiles(data!));
    if (rel === "index.json") {
      const body = JSON.stringify({ name: path.basename(data!), files: [...dataFiles] });
      res.writeHead(200, { ...headers, "Content-Type": TYPES[".json"] }).end(req.method === "HEAD" ? undefined : body);
      return;
    }
    if (!dataFiles.has(rel)) {
      res.writeHead(404, { ...headers, "Content-Type": "text/plain; charset=utf-8" }).end("not found");
      return;
    }
    fs.readFile(path.join(data!, rel), (err, body) => {
      if (err) res.writeHead(404, headers).end("not found");
      else {
        const type = path.extname(rel) === ".csv" ? "text/csv; charset=utf-8" : TYPES[".json"];
        res.writeHead(200, { ...headers, "Content-Type": type }).end(req.method === "HEAD" ? undefined : body);
      }
    });
  }
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(e.code === "EADDRINUSE" ? new UsageError(`port ${opts.port} on ${host} is in use; choose another with --port (0 = any free port)`) : e),
    );
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : opts.port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return { server, url: `http://${shownHost}:${port}/${data !== undefined ? "?open=data" : ""}` };
}

/** Refuses (UsageError) a DIR that is not a folder holding a run (config.json and metrics.csv) somewhere inside. */
function checkResultFolder(dir: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new UsageError(`explore: ${dir} does not exist (give a run or sweep folder written by \`matsense run\` or \`matsense sweep\`)`);
  }
  if (!st.isDirectory()) throw new UsageError(`explore: ${dir} is not a folder (give a run or sweep folder)`);
  const files = listResultFiles(dir);
  const dirOf = (f: string) => (f.includes("/") ? f.slice(0, f.lastIndexOf("/") + 1) : "");
  const runs = files.filter((f) => /(^|\/)metrics\.csv$/.test(f) && files.includes(`${dirOf(f)}config.json`));
  if (!runs.length) {
    const give = "give a folder written by `matsense run` or `matsense sweep`";
    throw new UsageError(`explore: ${dir} holds no run (no metrics.csv next to a config.json); ${give}`);
  }
}

/** `matsense explore`: serve the browser explorer. */
export function addExploreCommands(program: Command, io: CliIO): void {
  program
    .command("explore")
    .argument("[dir]", "a finished run or sweep folder to open in the viewer (its curves, table and diagnostics)")
    .description(commandDescription("explore"))
    .option("-p, --port <port>", "port (0 = any free port)", "5178")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--no-isolation", "leave out the COOP/COEP headers (the page then says it runs on one thread)")
    .option("--dir <dir>", "folder of the built site (default: the package's dist/web)")
    .action(async (folder: string | undefined, opts: { port: string; host: string; isolation: boolean; dir?: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError(`--port must be an integer from 0 to 65535 (got ${JSON.stringify(opts.port)})`);
      if (folder !== undefined) checkResultFolder(folder);
      const { server, url } = await startExploreServer({ dir: opts.dir, host: opts.host, port, isolation: opts.isolation, data: folder });
      const what = folder === undefined ? "" : ` (viewing ${folder})`;
      io.out(`matsense explorer at ${url}${what}${opts.isolation ? "" : " (without cross-origin isolation: one thread)"}\npress Ctrl-C to stop\n`);
      // the command's own handlers (the CLI's start-up ones, which exit with 128 + n, are off meanwhile): a signal closes the server, exit 0
      const signals = installInterruptHandlers(() => {});
      await new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          if (!signals.stop()) return;
          clearInterval(poll);
          server.close(() => resolve());
          server.closeAllConnections();
        }, 50);
      });
      signals.dispose();
    });
}
