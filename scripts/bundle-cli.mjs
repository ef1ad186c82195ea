#!/usr/bin/env node
// The CLI's start-up bundle (`npm run build:cli`, part of `npm run build`; see docs/performance.md,
// "CLI start-up"): dist/cli/main.js and everything it imports — statically or on demand (each
// command module stays a chunk loaded only when its command runs) — bundled with zod, jsonc-parser
// and d3-dsv into dist/cli-bundle/, so that a command loads a dozen files instead of ~200 ES modules
// (zod alone is 95). The code is tsc's output in dist/, unchanged: the bundle only concatenates
// modules, so every number is the same. Packages with native parts or many optional parts
// (plotting, queues) stay external and are imported from node_modules as before.
//
// dist/cli-bundle/inputs.json lists every dist/ file in the bundle with its size and mtime:
// bin/matsense.js uses the bundle only while those files are unchanged (after `tsc` alone it
// falls back to dist/cli/main.js), so a stale bundle never runs.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
const outDir = path.join(dist, "cli-bundle");
if (!fs.existsSync(path.join(dist, "cli", "main.js"))) {
  process.stderr.write("bundle-cli: dist/cli/main.js is missing; run `tsc -p tsconfig.build.json` first\n");
  process.exit(1);
}
// bundled: pure-JS packages on the start-up path; everything else stays an import of node_modules
const BUNDLED = ["zod", "jsonc-parser", "d3-dsv", "fastest-levenshtein"];
const result = await build({
  configFile: false,
  root,
  logLevel: "warn",
  publicDir: false,
  // jsonc-parser's ES module build ("module"), which a bundler can follow (its "main" is UMD)
  resolve: { mainFields: ["module", "main"] },
  ssr: { target: "node", noExternal: BUNDLED },
  build: {
    ssr: path.join(dist, "cli", "main.js"),
    outDir,
    emptyOutDir: true,
    minify: false,
    target: "node20",
    copyPublicDir: false,
    rollupOptions: { output: { format: "esm", entryFileNames: "[name].js", chunkFileNames: "[name]-[hash].js" } },
  },
});
const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => r.output ?? []);
const inputs = new Set();
for (const chunk of outputs) {
  if (chunk.type !== "chunk") continue;
  for (const id of chunk.moduleIds) if (id.startsWith(dist + path.sep)) inputs.add(path.relative(dist, id));
}
if (!inputs.has(path.join("cli", "main.js"))) throw new Error("bundle-cli: dist/cli/main.js is not among the bundled modules");
const files = [...inputs].sort().map((f) => {
  const st = fs.statSync(path.join(dist, f));
  return [f.split(path.sep).join("/"), st.size, st.mtimeMs];
});
fs.writeFileSync(path.join(outDir, "inputs.json"), JSON.stringify({ files }) + "\n");
process.stdout.write(`bundle-cli: ${files.length} dist modules in ${outputs.filter((c) => c.type === "chunk").length} chunks → dist/cli-bundle/\n`);
