import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { type CliIO, UsageError } from "./shared.js";
import { commandDescription } from "./commands.js";

/**
 * `matsense explore`: serves the built explorer (dist/web, from `npm run build:web`, part
 * of `npm run build`) on localhost with the cross-origin-isolation headers
 * (COOP same-origin, COEP require-corp) a browser needs before memory may be shared
 * between threads, so the WASM kernels can run on several threads as in Node. With
 * --no-isolation the headers are left out and the page says it fell back to one thread.
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
  const server = http.createServer((req, res) => {
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
  return { server, url: `http://${shownHost}:${port}/` };
}

/** `matsense explore`: serve the browser explorer. */
export function addExploreCommands(program: Command, io: CliIO): void {
  program
    .command("explore")
    .description(commandDescription("explore"))
    .option("-p, --port <port>", "port (0 = any free port)", "5178")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--no-isolation", "leave out the COOP/COEP headers (the page then says it runs on one thread)")
    .option("--dir <dir>", "folder of the built site (default: the package's dist/web)")
    .action(async (opts: { port: string; host: string; isolation: boolean; dir?: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535 (got ${JSON.stringify(opts.port)})`);
      const { server, url } = await startExploreServer({ dir: opts.dir, host: opts.host, port, isolation: opts.isolation });
      io.out(`matsense explorer at ${url}${opts.isolation ? "" : " (without cross-origin isolation: one thread)"}\npress Ctrl-C to stop\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          server.close(() => resolve());
          server.closeAllConnections();
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });
}
