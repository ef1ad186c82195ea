// Builds a synthetic sweep folder of POINTS × SEEDS small valid runs (default 10⁴ × 10 = 10⁵)
// and times `aggregate` on it:  node bench/scale-sweep.mjs [dir] [points] [seeds]
// One real run (point 0, seed 0) is executed; every other run folder gets its own config.json
// (its grid config, with provenance) and the template's metrics, checkpoint and iterate
// (copies), with a summary.json whose checksums match — valid for the validating reader
// (the numbers are the template's, so only the timing is meaningful).
import * as fs from "node:fs";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import { expandGrid, parseGrid } from "../dist/config/grid.js";
import { recordGrid } from "../dist/sweep/sweep.js";
import { executeRun, provenance } from "../dist/run/runFolder.js";
import { resolveConfig } from "../dist/config/schema.js";
import { writeAggregate } from "../dist/results/aggregate.js";

const dir = process.argv[2] ?? fs.mkdtempSync("/tmp/matsense-scale-");
const points = Number(process.argv[3] ?? 10000),
  seeds = Number(process.argv[4] ?? 10);
const alphas = Array.from({ length: points }, (_, i) => 0.01 + i * 1e-6);
const grid = parseGrid({ base: { problem: { n: 8, rank: 2 }, stop: { maxIterations: 20 } }, vary: { "init.alpha": alphas }, seeds });
const t0 = performance.now();
const specs = expandGrid(grid, { validate: false, allowLarge: true });
fs.mkdirSync(dir, { recursive: true });
recordGrid(dir, grid);
const tmpl = path.join(dir, specs[0].id);
executeRun(specs[0].config, tmpl);
const backend = JSON.parse(fs.readFileSync(path.join(tmpl, "config.json"), "utf8")).matsense.backend;
const summary = JSON.parse(fs.readFileSync(path.join(tmpl, "summary.json"), "utf8"));
const copied = fs.readdirSync(tmpl).filter((f) => f !== "config.json" && f !== "summary.json");
for (const s of specs.slice(1)) {
  const d = path.join(dir, s.id);
  fs.mkdirSync(d);
  const cfg = JSON.stringify(provenance(resolveConfig(s.config), backend), null, 2) + "\n";
  fs.writeFileSync(path.join(d, "config.json"), cfg);
  for (const f of copied) fs.copyFileSync(path.join(tmpl, f), path.join(d, f));
  const sha = { ...summary.sha256, "config.json": createHash("sha256").update(cfg).digest("hex") };
  fs.writeFileSync(path.join(d, "summary.json"), JSON.stringify({ ...summary, sha256: sha }, null, 2) + "\n");
}
const t1 = performance.now();
console.log(`built ${specs.length} runs (${points} points × ${seeds} seeds) in ${dir}: ${((t1 - t0) / 1000).toFixed(1)} s`);
const agg = writeAggregate(dir);
const t2 = performance.now();
const done = agg.runs.filter((r) => r.status === "max-iterations").length;
console.log(
  `aggregate: ${((t2 - t1) / 1000).toFixed(1)} s (${done} of ${agg.runs.length} runs done, ${agg.damaged.length} damaged), peak RSS ` +
    `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
);
