#!/usr/bin/env node
// What `matsense run` costs per iteration beyond its step and its metrics (issue 24 item 3).
//
//   node --expose-gc bench/run-overhead.mjs [--cases i,j] [--iterations N] [--rounds R] [--json FILE]
//
// For each size class, in alternation (R rounds, so both see the same machine load):
//   step+metrics  a child process builds the run's own instance, initial point and stepper
//                 (the library calls `run` makes) and times stepper.step() + measure() — the
//                 driver's metrics of the default record section — per iteration;
//   run           a child `matsense run -q` of the same config (N iterations, every one
//                 recorded); steady-state seconds per iteration = the median of the
//                 differences of metrics.csv's `seconds` column after the first 3 iterations.
// Reported: both medians, their ratio, and the load average before and after each case.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const opt = (f, d) => (args.includes(f) ? args[args.indexOf(f) + 1] : d);
const median = (a) => {
  const b = [...a].sort((x, y) => x - y);
  return b.length % 2 ? b[(b.length - 1) / 2] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2;
};
const base = (n, k, operator, stepSize) => ({
  seed: 1,
  problem: { n, rank: k, truth: "general", kappa: 1 },
  operator,
  model: { type: "asymmetric", k },
  init: { type: "small-random", alpha: 0.01, ratio: 3 },
  method: { name: "gd", stepSize },
});
const allCases = [
  { name: "dense gaussian n = 100, m = 6000, k = 4", config: base(100, 4, { type: "gaussian", m: 6000 }, 0.05) },
  { name: "completion n = 10⁵, p = 10⁻³ (#Ω ≈ 10⁷), k = 10", config: base(100000, 10, { type: "completion", p: 1e-3 }, 0.01) },
  { name: "srht n = 4096, m = 10⁶, k = 5", config: base(4096, 5, { type: "srht", m: 1000000 }, 0.05) },
];
const cases =
  opt("--cases", null)
    ?.split(",")
    .map((i) => allCases[Number(i)]) ?? allCases;
const iterations = Number(opt("--iterations", "15"));
const rounds = Number(opt("--rounds", "2"));
const here = path.dirname(fileURLToPath(import.meta.url));
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");

// ---- child: step + metrics in the library, per iteration --------------------------------
if (args.includes("--child")) {
  const lib = { ...(await import("../dist/index.js")), ...(await import("../dist/algorithms/driver.js")) };
  const config = lib.resolveConfig(JSON.parse(opt("--child")));
  const inst = lib.buildInstance(config);
  const stepper = lib.createStepper(config, inst, lib.buildInit(config, inst));
  const normM = lib.truthNorm(inst.truth);
  const record = config.record;
  lib.measure(stepper, inst.truth, normM, 0, { record });
  const times = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    stepper.step();
    lib.measure(stepper, inst.truth, normM, 0, { record });
    times.push((performance.now() - t) / 1000);
  }
  process.stdout.write(JSON.stringify({ perIteration: median(times.slice(3)), backend: inst.operator.backend }));
  process.exit(0);
}

function stepMetrics(config) {
  const argv = ["--expose-gc", fileURLToPath(import.meta.url), "--iterations", String(iterations), "--child", JSON.stringify(config)];
  const res = spawnSync(process.execPath, argv, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (res.status !== 0) throw new Error(`step+metrics child failed (exit ${res.status})`);
  return JSON.parse(res.stdout).perIteration;
}

function run(config) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-overhead-"));
  try {
    const file = path.join(dir, "config.json");
    fs.writeFileSync(file, JSON.stringify({ ...config, stop: { maxIterations: iterations }, record: { schedule: "linear", every: 1 } }));
    const res = spawnSync(process.execPath, [path.join(here, "..", "bin", "matsense.js"), "run", "-q", "-c", file, "--out", path.join(dir, "out")], {
      encoding: "utf8",
      stdio: ["ignore", "ignore", "inherit"],
    });
    if (res.status !== 0) throw new Error(`matsense run failed (exit ${res.status})`);
    const lines = fs
      .readFileSync(path.join(dir, "out", "metrics.csv"), "utf8")
      .trim()
      .split("\n");
    const col = lines[0].split(",").indexOf("seconds");
    const s = lines.slice(1).map((l) => Number(l.split(",")[col]));
    const d = [];
    for (let i = 4; i < s.length; i++) d.push(s[i] - s[i - 1]);
    return median(d);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const rows = [];
for (const c of cases) {
  const load0 = load();
  const a = [],
    b = [];
  for (let r = 0; r < rounds; r++) {
    a.push(stepMetrics({ ...c.config, stop: { maxIterations: iterations } }));
    b.push(run(c.config));
  }
  const row = { name: c.name, stepMetrics: median(a), run: median(b), all: { stepMetrics: a, run: b }, load: [load0, load()] };
  rows.push(row);
  process.stderr.write(
    `${c.name}: step+metrics ${(row.stepMetrics * 1e3).toFixed(1)} ms, run ${(row.run * 1e3).toFixed(1)} ms ` +
      `(×${(row.run / row.stepMetrics).toFixed(2)}); load ${row.load.join(" → ")}\n`,
  );
}
const lines = [
  `Node ${process.version}; ${iterations} iterations per process, ${rounds} alternating rounds; medians.`,
  "",
  "| size class | step + metrics (s/iteration) | `run` (s/iteration) | run ÷ (step + metrics) | load avg before → after |",
  "|---|---|---|---|---|",
  ...rows.map((w) => `| ${w.name} | ${w.stepMetrics.toFixed(4)} | ${w.run.toFixed(4)} | ${(w.run / w.stepMetrics).toFixed(2)} | ${w.load.join(" → ")} |`),
];
process.stdout.write(lines.join("\n") + "\n");
if (opt("--json", null)) fs.writeFileSync(opt("--json"), JSON.stringify({ node: process.version, iterations, rounds, rows }, null, 1));
