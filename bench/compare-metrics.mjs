#!/usr/bin/env node
/*
 * Same config ⇒ bitwise-identical metrics, across two builds of matsense.
 *
 *   node bench/compare-metrics.mjs --base /path/to/other/checkout [--new .] [--out DIR] [--no-presets] [--workers 2]
 *
 * Runs every config below (39 small configs: every method, every operator and storage,
 * every init, noise, outliers, diagnostics, log records) with `matsense run`, and every
 * preset's grid with `matsense sweep --quick`, once with each checkout's built CLI
 * (bin/matsense.js, which uses its dist/), then compares the metrics.csv files of the two
 * builds with the `seconds` column removed: every other column of every row must be the
 * same text (the CSV writes shortest round-trip doubles, so equal text ⇔ equal bits).
 * Exits 1 and lists the differing runs otherwise. Both checkouts must be built
 * (`npm ci` / `npx tsc -p tsconfig.build.json`).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const base = opt("--base", process.env.MATSENSE_BASE);
const next = path.resolve(opt("--new", "."));
const out = path.resolve(opt("--out", fs.mkdtempSync(path.join(os.tmpdir(), "matsense-compare-"))));
const workers = opt("--workers", "2");
const withPresets = !args.includes("--no-presets");
if (!base) {
  console.error("usage: node bench/compare-metrics.mjs --base CHECKOUT [--new CHECKOUT] [--out DIR] [--no-presets] [--workers N]");
  process.exit(2);
}

const small = { problem: { n: 10, rank: 2 }, stop: { maxIterations: 60 } };
const asym = (extra = {}) => ({ problem: { n: 10, n2: 8, rank: 2, truth: "general" }, model: { type: "asymmetric" }, stop: { maxIterations: 60 }, ...extra });

/** The configs: name → config (each valid in both builds: only the chosen method's and operator's options). */
const CONFIGS = {
  "gd-sym-gaussian": { ...small, seed: 1 },
  "gd-sym-overparam": { ...small, seed: 2, model: { k: 4 }, init: { alpha: 0.01 } },
  "gd-sym-float32": { ...small, seed: 3, operator: { type: "gaussian", storage: "float32" } },
  "gd-sym-ts": { ...small, seed: 3, operator: { type: "gaussian", backend: "ts" } },
  "gd-sym-regenerate": { ...small, seed: 4, operator: { type: "gaussian", storage: "regenerate" } },
  "gd-sym-packed": { ...small, seed: 5, operator: { type: "symmetric-gaussian", storage: "packed" } },
  "gd-sym-symgauss-f64": { ...small, seed: 5, operator: { type: "symmetric-gaussian", storage: "float64" } },
  "gd-sym-identity": { ...small, seed: 6, operator: { type: "identity" }, method: { name: "gd", stepSize: 0.2 } },
  "gd-sym-completion": { ...small, seed: 7, problem: { n: 12, rank: 2 }, operator: { type: "completion", p: 0.6 } },
  "gd-sym-rank-one": { ...small, seed: 8, operator: { type: "rank-one", m: 300 }, method: { name: "gd", stepSize: 0.02 } },
  "gd-sym-srht": { ...small, seed: 9, operator: { type: "srht", m: 90 } },
  "gd-asym-gaussian": asym({ seed: 10 }),
  "gd-asym-balance": asym({ seed: 11, method: { name: "gd", balanceWeight: 0.5 } }),
  "gd-asym-rebalance": asym({ seed: 12, method: { name: "gd", rebalanceAtIteration: 20 } }),
  "gd-asym-symgauss": { ...asym({ seed: 13 }), problem: { n: 10, rank: 2, truth: "psd" }, operator: { type: "symmetric-gaussian" } },
  "gd-asym-completion": asym({ seed: 14, operator: { type: "completion", p: 0.7 } }),
  "gd-asym-rank-one": asym({ seed: 15, operator: { type: "rank-one", m: 300 }, method: { name: "gd", stepSize: 0.02 } }),
  "gd-asym-srht-identical": {
    ...asym({ seed: 16, operator: { type: "srht", m: 90 } }),
    problem: { n: 10, rank: 2, truth: "general" },
    init: { type: "identical" },
  },
  "gd-asym-spectral-noise": asym({ seed: 17, init: { type: "spectral" }, problem: { n: 10, n2: 8, rank: 2, truth: "general", noise: 0.01 } }),
  "gd-sym-scaled-identity": { ...small, seed: 18, init: { type: "scaled-identity", alpha: 0.01 } },
  "scaled-gd-asym": asym({ seed: 19, method: { name: "scaled-gd", stepSize: 0.3 }, problem: { n: 10, n2: 8, rank: 2, truth: "general", kappa: 5 } }),
  "scaled-gd-lambda-sym": { ...small, seed: 20, model: { k: 3 }, method: { name: "scaled-gd-lambda", lambda: 0.001 } },
  "precgd-sym": { ...small, seed: 21, model: { k: 3 }, method: { name: "precgd", dampingScale: 0.5 } },
  "gradient-flow-sym": { ...small, seed: 22, method: { name: "gradient-flow", stepSize: 0.05, tolerance: 1e-6 }, stop: { maxIterations: 30 } },
  "subgradient-l1-outliers": {
    ...small,
    seed: 23,
    problem: { n: 10, rank: 2, outliers: 0.1 },
    method: { name: "subgradient-l1", stepSize: 0.05, decay: 0.97 },
  },
  "svt-completion": {
    seed: 24,
    problem: { n: 12, rank: 2 },
    operator: { type: "completion", p: 0.6 },
    method: { name: "svt", stepSize: 1.2 },
    stop: { maxIterations: 40 },
  },
  "heavy-ball-asym": asym({ seed: 25, method: { name: "heavy-ball", momentum: 0.7 } }),
  "gd-sym-diagnostics-log": {
    ...small,
    seed: 26,
    model: { k: 3 },
    stop: { maxIterations: 200 },
    record: { schedule: "log", perDecade: 10, diagnostics: true, singularValues: 3 },
  },
  "gd-asym-diagnostics-imb": asym({ seed: 27, record: { diagnostics: true, imbalanceEigenvalues: true, every: 3 } }),
  // issue 22's methods and models, and the noise-aware stop (merged from main)
  "adam-sym": { ...small, seed: 29, method: { name: "adam", stepSize: 0.01, beta1: 0.9 } },
  "agn-asym": asym({ seed: 30, method: { name: "agn", stepSize: 0.5 } }),
  "gauss-newton-asym": asym({ seed: 31, method: { name: "gauss-newton", stepSize: 0.5, cgMaxIterations: 20 } }),
  "levenberg-marquardt-asym": asym({ seed: 32, method: { name: "levenberg-marquardt", stepSize: 0.5, damping: 0.01 } }),
  "mirror-descent-sym": { ...small, seed: 33, method: { name: "mirror-descent", stepSize: 0.05 } },
  "gd-sym-minibatch": { ...small, seed: 34, method: { name: "gd", stepSize: 0.05, batchSize: 40 } },
  "scaled-gd-asym-minibatch": asym({ seed: 35, method: { name: "scaled-gd", stepSize: 0.2, batchSize: 60 } }),
  "gd-deep": asym({ seed: 36, model: { type: "deep", depth: 3 }, init: { type: "small-random", alpha: 0.1 } }),
  "gd-sym-noise-stop": { ...small, seed: 37, problem: { n: 10, rank: 2, noise: 0.01 }, stop: { maxIterations: 200, noiseFloor: 1.5 } },
  "gd-sym-geomspace-kappa": {
    ...small,
    seed: 28,
    problem: { n: 10, rank: 3, kappa: 10, spectrum: "geomspace" },
    stop: { maxIterations: 80, targetRelError: 1e-3 },
  },
};

function run(checkout, argv, cwd) {
  const r = spawnSync(process.execPath, [path.join(checkout, "bin/matsense.js"), ...argv], { cwd, encoding: "utf8", maxBuffer: 1 << 26 });
  return { code: r.status, stderr: r.stderr };
}

/** metrics.csv without the seconds column, as lines. */
function metricsWithoutSeconds(file) {
  const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n");
  const header = lines[0].split(",");
  const drop = header.indexOf("seconds");
  return lines.map((l) =>
    l
      .split(",")
      .filter((_, i) => i !== drop)
      .join(","),
  );
}

/** Every metrics.csv below `dir`, by path relative to it. */
function metricsFiles(dir) {
  const found = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === "metrics.csv") found.push(path.relative(dir, p));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return found.sort();
}

const jobs = [];
fs.mkdirSync(path.join(out, "configs"), { recursive: true });
for (const [name, config] of Object.entries(CONFIGS)) {
  const file = path.join(out, "configs", `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  jobs.push({ name, argv: (dir) => ["run", "--config", file, "--out", dir, "-q"] });
}
if (withPresets) {
  for (const preset of fs.readdirSync(path.join(next, "presets")).sort()) {
    const grid = path.join(next, "presets", preset, "grid.json");
    if (fs.existsSync(grid)) jobs.push({ name: `preset-${preset}`, argv: (dir) => ["sweep", "--grid", grid, "--quick", "--out", dir, "-q", "-w", workers] });
  }
}

let failures = 0,
  files = 0;
for (const job of jobs) {
  const dirs = {};
  for (const [side, checkout] of [
    ["base", base],
    ["new", next],
  ]) {
    dirs[side] = path.join(out, side, job.name);
    fs.rmSync(dirs[side], { recursive: true, force: true });
    const r = run(checkout, job.argv(dirs[side]), out);
    if (r.code !== 0) {
      console.log(`FAIL ${job.name}: ${side} exited ${r.code}: ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
      failures++;
    }
  }
  const a = metricsFiles(dirs.base),
    b = metricsFiles(dirs.new);
  if (a.length === 0 || a.join("\n") !== b.join("\n")) {
    console.log(`FAIL ${job.name}: run folders differ (${a.length} vs ${b.length} metrics.csv)`);
    failures++;
    continue;
  }
  let bad = 0;
  for (const f of a) {
    files++;
    const x = metricsWithoutSeconds(path.join(dirs.base, f)),
      y = metricsWithoutSeconds(path.join(dirs.new, f));
    if (x.length !== y.length || x.some((l, i) => l !== y[i])) {
      const i = x.findIndex((l, j) => l !== y[j]);
      console.log(`FAIL ${job.name}/${f}: first difference at line ${i + 1}:\n  base ${x[i]}\n  new  ${y[i]}`);
      bad++;
    }
  }
  failures += bad;
  console.log(`${bad ? "DIFF" : "same"} ${job.name} (${a.length} run${a.length === 1 ? "" : "s"})`);
}
console.log(`${jobs.length} jobs, ${files} metrics.csv compared, ${failures} failure${failures === 1 ? "" : "s"}; folders in ${out}`);
process.exit(failures ? 1 : 0);
