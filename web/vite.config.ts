import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * The explorer: `npm run web` (dev server), `npm run build:web` (static site in dist/web,
 * served by `npx matsense explore`). The library is imported from ../src; its Node-only
 * imports (the WASM kernel loader's fs / os / worker_threads) are replaced by the browser
 * stand-ins in src/shims.
 */
const isolation = {
  // cross-origin isolation: needed for the shared WebAssembly memory of the WASM kernels
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

export default defineConfig({
  root: here("."),
  base: "./",
  publicDir: false,
  resolve: {
    alias: {
      "node:fs": here("src/shims/fs.ts"),
      "node:os": here("src/shims/os.ts"),
      "node:worker_threads": here("src/shims/worker_threads.ts"),
    },
  },
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
