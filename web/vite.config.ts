import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createLogger, defineConfig } from "vite";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * The explorer: `npm run web` (dev server), `npm run build:web` (static site in dist/web,
 * served by `npx matsense explore`). The library is imported from its browser-safe entry
 * ../src/core.ts (no Node built-ins); the compute worker gives its WASM kernels a browser
 * host (src/kernel-host.ts).
 */
const isolation = {
  // cross-origin isolation: needed for the shared WebAssembly memory of the WASM kernels
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

// The library's WASM loader names two candidate locations of kernels.wasm (next to dist/ and
// next to src/); the src/ one never exists, and the browser gets the kernels through its
// kernel host anyway. Drop only that expected warning.
const logger = createLogger();
const warnOnce = logger.warnOnce.bind(logger);
logger.warnOnce = (msg, opts) => {
  if (msg.includes("../wasm/kernels.wasm") && msg.includes("doesn't exist at build time")) return;
  warnOnce(msg, opts);
};

const version = (JSON.parse(readFileSync(here("../package.json"), "utf8")) as { version: string }).version;

export default defineConfig({
  customLogger: logger,
  // the version recorded in the explorer's links (`v=`)
  define: { __MATSENSE_VERSION__: JSON.stringify(version) },
  root: here("."),
  base: "./",
  publicDir: false,
  worker: { format: "es" },
  build: {
    outDir: here("../dist/web"),
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 2000,
  },
  server: { headers: isolation, fs: { allow: [here("..")] } },
  preview: { headers: isolation },
});
