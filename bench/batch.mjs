#!/usr/bin/env node
// Throughput of the batched fused pass (issue 24 item 1): B runs sharing one stored Gaussian
// operator compute r_i = A(F_i G_iᵀ) − y_i and S_i = A*(r_i) in one pass over it
// (DenseSensingOperator.residualAndAdjointBatch) instead of B passes.
//
//   node --expose-gc bench/batch.mjs [--n 100] [--m 6000] [--storage float64] [--threads 1,2] [--batches 1,2,4,8] [--rounds 8] [--json FILE]
//
// For each thread count the batch sizes are timed in alternation (round-robin, R rounds after
// warm-up) so they see the same machine load; reported: median seconds per batched pass, run-
// iterations per second, and the speed-up over B separate one-run passes (B × the B = 1 time).
import * as fs from "node:fs";
import * as os from "node:os";
import { wasmSharedMatrix } from "../dist/kernels/wasm.js";
import { zeros } from "../dist/linalg/matrix.js";
import { DenseSensingOperator } from "../dist/operators/gaussian.js";
import { createRng } from "../dist/random/rng.js";

const args = process.argv.slice(2);
const opt = (f, d) => (args.includes(f) ? args[args.indexOf(f) + 1] : d);
const n = Number(opt("--n", "100")),
  m = Number(opt("--m", "6000")),
  k = 4;
const storage = opt("--storage", "float64");
const threadList = opt("--threads", "1,2").split(",").map(Number);
const batches = opt("--batches", "1,2,4,8").split(",").map(Number);
const rounds = Number(opt("--rounds", "8"));
const median = (a) => [...a].sort((x, y) => x - y)[(a.length - 1) >> 1];
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
const maxB = Math.max(...batches);

function fillFast(v) {
  let s = 0x2545f491;
  for (let i = 0; i < v.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) | 0;
    v[i] = s * 2.3283064365386963e-10;
  }
}

const rows = [];
for (const threads of threadList) {
  const stored = wasmSharedMatrix(m, n * n, storage, threads, 0, maxB);
  fillFast(stored.values);
  const op = new DenseSensingOperator("gaussian", n, n, stored, 1 / Math.sqrt(m), false);
  const runs = Array.from({ length: maxB }, (_, slot) => {
    const rng = createRng(slot + 1),
      F = zeros(n, k),
      G = zeros(n, k);
    rng.fillNormal(F.data, 1e-3);
    rng.fillNormal(G.data, 1e-3);
    return { slot, F, G, y: rng.fillNormal(new Float64Array(m)), r: new Float64Array(m), S: zeros(n, n) };
  });
  const pass = (B) => (B === 1 ? op.residualAndAdjoint(runs[0].F, runs[0].G, runs[0].y, runs[0].r, runs[0].S) : op.residualAndAdjointBatch(runs.slice(0, B)));
  const times = new Map(batches.map((B) => [B, []]));
  const load0 = load();
  for (const B of batches) pass(B);
  for (let i = 0; i < rounds; i++) {
    for (const B of batches) {
      const t = performance.now();
      pass(B);
      times.get(B).push((performance.now() - t) / 1000);
    }
  }
  const load1 = load();
  const t1 = median(times.get(batches[0])) / batches[0];
  for (const B of batches) {
    const s = median(times.get(B));
    rows.push({ threads, B, seconds: s, runIterationsPerSecond: B / s, speedup: (B * t1) / s, load: [load0, load1] });
    process.stderr.write(
      `threads ${threads} B=${B}: ${(s * 1e3).toFixed(1)} ms per pass, ${(B / s).toFixed(1)} run-iterations/s, ` +
        `×${((B * t1) / s).toFixed(2)} vs ${B} one-run passes\n`,
    );
  }
  op.dispose();
}
const lines = [
  `Node ${process.version}; gaussian n = ${n}, m = ${m} (${((m * n * n * (storage === "float32" ? 4 : 8)) / 2 ** 20).toFixed(0)} MiB ${storage}), ` +
    `k = ${k}; ${rounds} alternating rounds, medians.`,
  "",
  "| threads | batch B | ms per pass | run-iterations / s | × B one-run passes | load avg before → after |",
  "|---|---|---|---|---|---|",
  ...rows.map(
    (w) =>
      `| ${w.threads} | ${w.B} | ${(w.seconds * 1e3).toFixed(1)} | ${w.runIterationsPerSecond.toFixed(1)} | ${w.speedup.toFixed(2)} | ${w.load.join(" → ")} |`,
  ),
];
process.stdout.write(lines.join("\n") + "\n");
if (opt("--json", null)) fs.writeFileSync(opt("--json"), JSON.stringify({ node: process.version, n, m, storage, rows }, null, 1));
