// Cost of record.diagnostics as a percentage of one GD iteration (ratios measured in the
// same invocation: the same config run with record.every = 1, with and without diagnostics).
// Usage: npm run build && node bench/diagnostics-cost.mjs [--quick]
import { performance } from "node:perf_hooks";
import { buildInstance, resolveConfig, runConfig } from "../dist/index.js";

const quick = process.argv.includes("--quick");
const cases = [
  { label: "gaussian n=50, m=1000 (default m)", n: 50, operator: { type: "gaussian", m: 1000 }, iters: 200 },
  { label: "completion n=50, p=0.4", n: 50, operator: { type: "completion", p: 0.4 }, iters: 400 },
  { label: "gaussian n=200, m=1000", n: 200, operator: { type: "gaussian", m: 1000 }, iters: 40 },
  { label: "completion n=200, p=0.4", n: 200, operator: { type: "completion", p: 0.4 }, iters: 60 },
];

function time(config, instance) {
  const t0 = performance.now();
  const out = runConfig(config, {}, instance);
  return { ms: performance.now() - t0, iterations: out.result.iterations };
}

const rows = [];
for (const c of cases) {
  const iters = quick ? Math.max(5, Math.floor(c.iters / 5)) : c.iters;
  const base = {
    seed: 0,
    problem: { n: c.n, rank: 2, truth: "general" },
    operator: c.operator,
    model: { type: "asymmetric", k: 4 },
    init: { alpha: 0.1 },
    method: { name: "gd", stepSize: 0.2 },
    stop: { maxIterations: iters },
    record: { every: 1 },
  };
  // warm-up, then alternate plain/diagnostics five times and keep the minimum of each
  // the instance (operator draws) is built once and shared: only the iterations are timed
  const instance = buildInstance(resolveConfig(base));
  time({ ...base, stop: { maxIterations: 3 } }, instance);
  let plain = Infinity,
    diag = Infinity;
  for (let rep = 0; rep < 5; rep++) {
    plain = Math.min(plain, time(base, instance).ms);
    diag = Math.min(diag, time({ ...base, record: { every: 1, diagnostics: true } }, instance).ms);
  }
  const perIter = plain / iters;
  const extra = (diag - plain) / iters;
  // a log schedule with 20 points per decade records ≈ 20·log10(T) + 1 points in T iterations
  const logPoints = (T) => 20 * Math.log10(T) + 1;
  rows.push({
    case: c.label,
    iterations: iters,
    "ms/iteration (recording metrics)": perIter.toFixed(3),
    "diagnostics ms/point": extra.toFixed(3),
    "cost % of an iteration": ((100 * extra) / perIter).toFixed(0),
    "overhead % of a 4000-iteration log-schedule run": ((100 * extra * logPoints(4000)) / (perIter * 4000)).toFixed(1),
  });
}
console.table(rows);
