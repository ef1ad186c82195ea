#!/usr/bin/env node
// matsense method table: iterations and seconds for every method to reach relative error
// 1e-8 on ONE shared instance (same seed ⇒ same M*, operator, y and spectral init).
//
//   npm run build && node bench/methods-table.mjs            prints the markdown tables
//   node bench/methods-table.mjs --target 1e-6 --json FILE   other target / raw numbers
//
// Table 1 (exactly parameterized, ill-conditioned): general truth n1 = n2 = 30, r = k = 3,
// κ = 10, Gaussian sensing m = 900, spectral init, model FGᵀ. Table 2 (over-parameterized,
// the setting of the imbalance papers): PSD truth n = 20, r = 2, k = 4, κ = 2, Gaussian
// m = 800, small random init α = 1e-3, model XXᵀ (and FGᵀ for GD with rebalancing).
// Seconds are wall-clock of the iteration loop (metrics recorded every 10 iterations),
// single thread, on whatever backend `operator.backend = "auto"` picks.
import * as fs from "node:fs";
import { performance } from "node:perf_hooks";
import { buildInstance, resolveConfig, runConfig } from "../dist/index.js";

const args = process.argv.slice(2);
const opt = (f, d) => (args.includes(f) ? args[args.indexOf(f) + 1] : d);
const target = Number(opt("--target", "1e-8"));
const jsonFile = opt("--json", null);

const table1 = {
  title: "Exactly parameterized FGᵀ, κ = 10 (n1 = n2 = 30, r = k = 3, Gaussian m = 900, spectral init)",
  base: {
    seed: 11,
    problem: { n: 30, rank: 3, truth: "general", kappa: 10 },
    operator: { type: "gaussian", m: 900 },
    model: { type: "asymmetric" },
    init: { type: "spectral" },
    stop: { maxIterations: 20000, targetRelError: target, maxSeconds: 120 },
    record: { every: 10 },
  },
  runs: [
    ["gd", { stepSize: 0.5 }],
    ["scaled-gd", { stepSize: 0.5 }],
    ["scaled-gd-lambda", { stepSize: 0.5, lambda: 0.01 }],
    ["precgd", { stepSize: 0.5 }],
    ["gradient-flow", { stepSize: 0.1, tolerance: 1e-8 }],
    ["subgradient-l1", { stepSize: 0.05, decay: 0.99 }],
    ["svt", { stepSize: 0.4 }],
  ],
};

const table2 = {
  title: "Over-parameterized XXᵀ, small init (n = 20, r = 2, k = 4, κ = 2, Gaussian m = 800, α = 1e-3)",
  base: {
    seed: 12,
    problem: { n: 20, rank: 2, truth: "psd", kappa: 2 },
    operator: { type: "gaussian", m: 800 },
    model: { type: "symmetric", k: 4 },
    init: { type: "small-random", alpha: 1e-3 },
    stop: { maxIterations: 5000, targetRelError: target, maxSeconds: 60 },
    record: { every: 10 },
  },
  runs: [
    ["gd", { stepSize: 0.25 }],
    ["scaled-gd-lambda", { stepSize: 0.25, lambda: 0.01 }],
    ["precgd", { stepSize: 0.25 }],
    ["gradient-flow", { stepSize: 0.1, tolerance: 1e-8 }],
    ["gd", { stepSize: 0.25 }, { model: { type: "asymmetric", k: 4 }, problem: { truth: "general" } }, "gd, FGᵀ (ratio 3)"],
    [
      "gd",
      { stepSize: 0.25, rebalanceBelowRelResidual: 1e-2 },
      { model: { type: "asymmetric", k: 4 }, problem: { truth: "general" } },
      "gd, FGᵀ + rebalancing at 1e-2",
    ],
    ["gd", { stepSize: 0.25, balanceWeight: 1 }, { model: { type: "asymmetric", k: 4 }, problem: { truth: "general" } }, "gd, FGᵀ + balancing μ = 1"],
  ],
};

function merge(a, b) {
  const out = { ...a };
  for (const [k, v] of Object.entries(b ?? {})) out[k] = v && typeof v === "object" && !Array.isArray(v) ? merge(a[k] ?? {}, v) : v;
  return out;
}

const fmt = (x) => (x === undefined ? "—" : x.toExponential(1));
const all = [];
for (const table of [table1, table2]) {
  console.log(`\n### ${table.title}\n`);
  console.log(`| method | iterations to ${target} | seconds | status | final rel. error |`);
  console.log("|---|---:|---:|---|---:|");
  const instances = new Map();
  for (const [name, method, extra, label] of table.runs) {
    const cfg = merge(table.base, { ...(extra ?? {}), method: { name, ...method } });
    const resolved = resolveConfig(cfg);
    const key = JSON.stringify([resolved.problem, resolved.operator, resolved.model.type]);
    if (!instances.has(key)) instances.set(key, buildInstance(resolved));
    const out = runConfig(resolved, { now: () => performance.now() / 1000 }, instances.get(key));
    const r = out.result;
    const reached = r.status === "converged";
    const row = {
      table: table.title,
      method: label ?? name,
      options: method,
      status: r.status,
      iterations: r.iterations,
      seconds: r.seconds,
      finalRelError: r.final.rel_error,
      flowTime: r.final.extra.flow_time,
    };
    all.push(row);
    const it = reached ? String(r.iterations) : `— (${r.iterations} run)`;
    const secs = reached ? r.seconds.toFixed(3) : `— (${r.seconds.toFixed(2)})`;
    const extraNote = name === "gradient-flow" ? ` (flow time ${r.final.extra.flow_time.toFixed(2)})` : "";
    console.log(`| ${label ?? name} | ${it}${extraNote} | ${secs} | ${r.status} | ${fmt(r.final.rel_error)} |`);
  }
}
if (jsonFile) fs.writeFileSync(jsonFile, JSON.stringify(all, null, 2));
