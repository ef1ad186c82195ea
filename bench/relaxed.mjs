#!/usr/bin/env node
// Fused multiply-add (backend wasm-relaxed) against the default wasm backend and NumPy: one GD
// step on FGᵀ with a dense Gaussian operator (the step of bench/run.mjs), one thread.
//
//   node --expose-gc bench/relaxed.mjs [--sizes i,j] [--rounds R] [--storage float64,float32] [--json FILE]
//
// On a shared machine the two backends are timed in alternation (round-robin, R rounds of one
// step each after warm-up), so both see the same load; the report gives the median and the
// minimum of each, and the NumPy reference (bench/reference.py, one BLAS thread) of the same
// size from the same invocation, with the load average before and after each size.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import { fileURLToPath } from "node:url";
import { GradientDescentAsymmetric } from "../dist/algorithms/gd.js";
import { getBackend, wasmRelaxedStatus } from "../dist/kernels/index.js";
import { zeros } from "../dist/linalg/matrix.js";
import { DenseSensingOperator } from "../dist/operators/gaussian.js";
import { createRng } from "../dist/random/rng.js";

const args = process.argv.slice(2);
const opt = (f, d) => (args.includes(f) ? args[args.indexOf(f) + 1] : d);
const allSizes = [
  { n: 50, r: 3, m: 3000 },
  { n: 100, r: 3, m: 1500 },
  { n: 100, r: 3, m: 6000 },
  { n: 200, r: 3, m: 3000 },
  { n: 100, r: 10, m: 5000 },
  { n: 100, r: 10, m: 20000 },
];
const sizes =
  opt("--sizes", null)
    ?.split(",")
    .map((i) => allSizes[Number(i)]) ?? allSizes;
const rounds = Number(opt("--rounds", "15"));
const storages = opt("--storage", "float64").split(",");
const gc = typeof globalThis.gc === "function" ? globalThis.gc : () => {};
const median = (a) => [...a].sort((x, y) => x - y)[(a.length - 1) >> 1];
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
const status = wasmRelaxedStatus();
if (!status.available) {
  process.stderr.write(`wasm-relaxed unavailable: ${status.reason}\n`);
  process.exit(1);
}

function fillFast(v) {
  let s = 0x2545f491;
  for (let i = 0; i < v.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) | 0;
    v[i] = s * 2.3283064365386963e-10;
  }
}

function stepper(backend, storage, { n, m, r }) {
  const stored = getBackend(backend).allocate(m, n * n, storage, { threads: 1 });
  fillFast(stored.values);
  const op = new DenseSensingOperator("gaussian", n, n, stored, 1 / Math.sqrt(m), false);
  const rng = createRng(1),
    k = r + 1;
  const F = zeros(n, k),
    G = zeros(n, k);
  rng.fillNormal(F.data, 1e-3);
  rng.fillNormal(G.data, 1e-3);
  const s = new GradientDescentAsymmetric(op, rng.fillNormal(new Float64Array(m)), F, G, 1e-3);
  return { op, step: () => s.step() };
}

function numpy(size) {
  const res = spawnSync("python3", [fileURLToPath(new URL("./reference.py", import.meta.url))], {
    input: JSON.stringify({ sizes: [{ ...size, k: size.r + 1 }], minSeconds: 1 }),
    encoding: "utf8",
    stdio: ["pipe", "pipe", "inherit"],
  });
  return res.status === 0 ? JSON.parse(res.stdout).sizes[0] : null;
}

const rows = [];
for (const size of sizes) {
  for (const storage of storages) {
    const load0 = load();
    const np = numpy(size);
    const runs = ["wasm", "wasm-relaxed"].map((b) => ({ b, ...stepper(b, storage, size), times: [] }));
    for (const r of runs) for (let i = 0; i < 2; i++) r.step();
    for (let i = 0; i < rounds; i++) {
      for (const r of runs) {
        const t0 = performance.now();
        r.step();
        r.times.push((performance.now() - t0) / 1000);
      }
    }
    const np2 = numpy(size);
    for (const r of runs) r.op.dispose();
    gc();
    const row = {
      ...size,
      storage,
      load: [load0, load()],
      numpy: np && np2 ? { median: median([np.seconds, np2.seconds]), min: Math.min(np.min, np2.min) } : null,
      wasm: { median: median(runs[0].times), min: Math.min(...runs[0].times) },
      relaxed: { median: median(runs[1].times), min: Math.min(...runs[1].times) },
    };
    rows.push(row);
    const f = (x) => (x * 1e3).toFixed(1);
    process.stderr.write(
      `n=${size.n} r=${size.r} m=${size.m} ${storage}: numpy ${row.numpy ? f(row.numpy.median) : "—"} ms, ` +
        `wasm ${f(row.wasm.median)} (min ${f(row.wasm.min)}), ` +
        `relaxed ${f(row.relaxed.median)} (min ${f(row.relaxed.min)}); load ${row.load.join(" → ")}\n`,
    );
  }
}

const r2 = (a, b) => (a / b).toFixed(2);
const lines = [
  `Node ${process.version}, relaxed_madd ${status.fused ? "fused (one rounding)" : "unfused"} on ${os.cpus()[0]?.model ?? "?"}; ` +
    `${rounds} alternating rounds per backend.`,
  "",
  "| n | r | m | storage | NumPy ms | wasm ms (min) | wasm-relaxed ms (min) | relaxed ÷ wasm speed-up, median (min) | " +
    "NumPy ÷ wasm-relaxed, median (min) | load avg before → after |",
  "|---|---|---|---|---|---|---|---|---|---|",
  ...rows.map(
    (w) =>
      `| ${w.n} | ${w.r} | ${w.m} | ${w.storage} | ${w.numpy ? (w.numpy.median * 1e3).toFixed(1) : "—"} | ` +
      `${(w.wasm.median * 1e3).toFixed(1)} (${(w.wasm.min * 1e3).toFixed(1)}) | ${(w.relaxed.median * 1e3).toFixed(1)} ` +
      `(${(w.relaxed.min * 1e3).toFixed(1)}) | ` +
      `${r2(w.wasm.median, w.relaxed.median)} (${r2(w.wasm.min, w.relaxed.min)}) | ` +
      `${w.numpy ? `${r2(w.numpy.median, w.relaxed.median)} (${r2(w.numpy.min, w.relaxed.min)})` : "—"} | ${w.load.join(" → ")} |`,
  ),
];
process.stdout.write(lines.join("\n") + "\n");
if (opt("--json", null)) fs.writeFileSync(opt("--json"), JSON.stringify({ node: process.version, fused: status.fused, rows }, null, 1));
