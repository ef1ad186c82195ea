#!/usr/bin/env node
// matsense benchmark of the matrix-free structured operators: one GD iteration on FGᵀ
// (GradientDescentAsymmetric.step()) with matrix completion and with SRHT sensing, at the
// sizes of issue 11 and at a small size, on the ts backend and on the WASM kernels with 1 and
// 2 threads, each next to the NumPy/SciPy reference of the same iteration (bench/structured.py,
// one BLAS thread) run in the same invocation. Every case runs in its own child process, so
// the reported peak memory (max RSS) is that case's.
//
//   npm run bench                                   (after bench/run.mjs) writes the sections
//   node --expose-gc bench/structured.mjs [--quick] [--no-write] [--json FILE] [--from-json FILE]
//
// The sections go between the markers <!-- structured:begin --> and <!-- structured:end -->
// of bench/RESULTS.md (appended when absent); the rest of the file is left as it is.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const flag = (f) => args.includes(f);
const opt = (f, d) => (args.includes(f) ? args[args.indexOf(f) + 1] : d);
const log = (s) => process.stderr.write(s + "\n");
const median = (a) => {
  const b = [...a].sort((x, y) => x - y);
  return b.length % 2 ? b[(b.length - 1) / 2] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2;
};

// ---- child: one case, one variant -------------------------------------------------------
if (flag("--child")) {
  const req = JSON.parse(opt("--child"));
  const { completionOperator, srhtOperator, GradientDescentAsymmetric, createRng, zeros, generalTruth, spectrum, truthNorm } = await import("../dist/index.js");
  const { measure } = await import("../dist/algorithms/driver.js");
  const { recordSchema } = await import("../dist/config/schema.js");
  const rng = createRng(1);
  const t0 = performance.now();
  const opts = { backend: req.backend, threads: req.threads };
  const op = req.case === "completion" ? completionOperator(req.n, req.n, req.p, rng, opts) : srhtOperator(req.m, req.n, req.n, rng, opts);
  const buildSeconds = (performance.now() - t0) / 1000;
  const F = zeros(req.n, req.k),
    G = zeros(req.n, req.k);
  rng.fillNormal(F.data, 1e-3);
  rng.fillNormal(G.data, 1e-3);
  const y = rng.fillNormal(new Float64Array(op.m));
  const stepper = new GradientDescentAsymmetric(op, y, F, G, 1e-3);
  stepper.step(); // warm-up (first touch of the kernels' memory)
  // wall time, and CPU time of the process (all threads): what idle cores would take when the
  // machine is overloaded (2-thread variants: the sum over both threads)
  const times = [],
    cpu = [];
  const start = performance.now();
  while (times.length < 3 || (performance.now() - start < req.minSeconds * 1000 && times.length < req.maxReps)) {
    const t = performance.now(),
      c = process.cpuUsage();
    stepper.step();
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1e6);
    times.push((performance.now() - t) / 1000);
  }
  const out = {
    seconds: median(times),
    cpuSeconds: median(cpu),
    repeats: times.length,
    spread: (Math.max(...times) - Math.min(...times)) / median(times),
    backendLabel: op.backend,
    m: op.m,
    bytes: op.bytes,
    buildSeconds,
  };
  if (req.recordCost) {
    // what recording (and the driver's stopping test, which needs the error at every
    // iteration whatever record.every is) adds per iteration: the driver's own `measure` with
    // the default record section — loss, relative error from the factors (tall-skinny QRs of
    // [F, UΣ] and [G, −V], never an n1×n2 matrix) and the imbalance norm
    const truth = generalTruth(req.n, req.n, spectrum(req.k, 1, "linspace"), rng);
    const normM = truthNorm(truth);
    const record = recordSchema.parse({});
    measure(stepper, truth, normM, 0, { record }); // warm-up: the truth's copies and the metric thread, made once per run
    const mw = [],
      mc = [],
      sw = [],
      sc = [];
    for (let rep = 0; rep < 5; rep++) {
      let t = performance.now(),
        c = process.cpuUsage();
      stepper.step();
      stepper.residual(); // the next step's residual (not a metrics cost: the step reuses it)
      let d = process.cpuUsage(c);
      sw.push((performance.now() - t) / 1000);
      sc.push((d.user + d.system) / 1e6);
      t = performance.now();
      c = process.cpuUsage();
      const row = measure(stepper, truth, normM, 0, { record });
      d = process.cpuUsage(c);
      mw.push((performance.now() - t) / 1000);
      mc.push((d.user + d.system) / 1e6);
      if (!Number.isFinite(row.rel_error)) throw new Error("non-finite metrics");
    }
    out.record = { metricsSeconds: median(mw), metricsCpuSeconds: median(mc), stepSeconds: median(sw), stepCpuSeconds: median(sc) };
  }
  op.dispose();
  out.maxRssBytes = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
}

// ---- parent -----------------------------------------------------------------------------
const quick = flag("--quick");
const outFile = opt("--out", fileURLToPath(new URL("./RESULTS.md", import.meta.url)));
const minSeconds = Number(opt("--min-seconds", quick ? "0.3" : "1.5"));

const cases = [
  { case: "completion", n: 2000, p: 0.05, k: 5, small: true },
  { case: "srht", n: 256, m: 20000, k: 5, small: true },
  { case: "completion", n: 100000, p: 1e-3, k: 10, recordCost: true },
  { case: "srht", n: 4096, m: 1000000, k: 5 },
].filter((c) => !quick || c.small);
const variants = [
  { backend: "ts", threads: 1 },
  { backend: "wasm", threads: 1 },
  { backend: "wasm", threads: 2 },
];
const vname = (v) => (v.backend === "ts" ? "ts" : `wasm-${v.threads}t`);
const cname = (c) => (c.case === "completion" ? `completion n1 = n2 = ${c.n}, p = ${c.p}, k = ${c.k}` : `srht n = ${c.n}, m = ${c.m}, k = ${c.k}`);

function runChild(c, v) {
  const req = { ...c, ...v, minSeconds, maxReps: v.backend === "ts" && !c.small ? 3 : 15, recordCost: c.recordCost && v.backend === "wasm" };
  const res = spawnSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), "--child", JSON.stringify(req)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 20,
  });
  if (res.status !== 0) throw new Error(`${cname(c)} ${vname(v)} failed (exit ${res.status})`);
  return JSON.parse(res.stdout);
}

function runNumpy(c) {
  const res = spawnSync("python3", [fileURLToPath(new URL("./structured.py", import.meta.url))], {
    input: JSON.stringify({ ...c, minSeconds, maxReps: c.small ? 15 : 5 }),
    encoding: "utf8",
    stdio: ["pipe", "pipe", "inherit"],
  });
  if (res.status !== 0) return { error: `exit ${res.status}` };
  return JSON.parse(res.stdout);
}

const loadAvg = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(", ");

let data;
if (opt("--from-json")) data = JSON.parse(fs.readFileSync(opt("--from-json"), "utf8"));
else {
  const numpyOk = !flag("--no-numpy") && spawnSync("python3", ["-c", "import numpy"]).status === 0;
  data = { date: new Date().toISOString(), loadStart: loadAvg(), node: process.version, cores: os.availableParallelism?.() ?? os.cpus().length, results: [] };
  for (const c of cases) {
    const row = { ...c, variants: {}, load: loadAvg() };
    // NumPy first and last, so that a change of load during the case shows in the two numbers
    if (numpyOk) row.numpy = runNumpy(c);
    for (const v of variants) {
      row.variants[vname(v)] = runChild(c, v);
      log(`${cname(c)} ${vname(v)}: ${(row.variants[vname(v)].seconds * 1e3).toFixed(1)} ms`);
    }
    if (numpyOk) {
      const again = runNumpy(c);
      row.numpy2 = again;
      log(`${cname(c)} numpy: ${(row.numpy.seconds * 1e3).toFixed(1)} / ${(again.seconds * 1e3).toFixed(1)} ms`);
    }
    data.results.push(row);
  }
  data.loadEnd = loadAvg();
  if (opt("--json")) fs.writeFileSync(opt("--json"), JSON.stringify(data, null, 1));
}

// ---- report -----------------------------------------------------------------------------
const ms = (s) => (s >= 1 ? `${s.toFixed(2)} s` : `${(s * 1e3).toPrecision(3)} ms`);
const mib = (b) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const numpySeconds = (row) =>
  row.numpy && row.numpy2 && !row.numpy.error && !row.numpy2.error ? Math.min(row.numpy.seconds, row.numpy2.seconds) : row.numpy?.seconds;
/** A "1, 5, 15 min" load string whose 1-minute load exceeds half the cores. */
const busy = (load) => parseFloat(String(load)) > data.cores / 2;
const lines = [];
lines.push("<!-- structured:begin -->");
lines.push("## Structured operators: matrix completion and SRHT (issue 11)");
lines.push("");
lines.push(
  `Generated by \`node bench/structured.mjs\` (part of \`npm run bench\`) on ${data.date}; Node ${data.node}, ${data.cores} cores; ` +
    `load average ${data.loadStart} at the start and ${data.loadEnd} at the end (1, 5, 15 min)` +
    (busy(data.loadStart)
      ? ` — **the machine was busy** (1-minute load above half the cores before the bench started), so absolute times are pessimistic and the ` +
        `two-thread numbers suffer most.`
      : ` — the machine was otherwise idle (the load at the end is the bench's own two-thread runs).`),
);
lines.push("");
lines.push(
  "Iteration timed: `GradientDescentAsymmetric.step()` (r = A(FGᵀ) − y, then S·G and Sᵀ·F, F and G updated), median of ≥ 3 repeats after one " +
    "warm-up, each variant in its own process. " +
    "NumPy: the same iteration written as a user would (bench/structured.py, one BLAS thread): completion with `einsum` over Ω and a fixed-pattern " +
    "`scipy.sparse` CSR matrix for S·G and Sᵀ·F; SRHT with a vectorized NumPy FWHT (two per iteration). " +
    "NumPy is timed before and after the matsense variants; the faster of the two is used (ratios are therefore conservative). ratio = NumPy ÷ " +
    "matsense (> 1: matsense faster). `ts` is the plain-TypeScript path (its SRHT transform already uses the blocked WASM FWHT).",
);
lines.push("");
lines.push("| problem | NumPy | ts | wasm 1 thread | wasm 2 threads | peak memory (wasm 2t / NumPy) |");
lines.push("|---|---|---|---|---|---|");
for (const row of data.results) {
  const np = numpySeconds(row);
  const cell = (v) => {
    const r = row.variants[v];
    if (!r) return "—";
    return np ? `${ms(r.seconds)} (×${(np / r.seconds).toFixed(2)})` : ms(r.seconds);
  };
  const m = row.variants["wasm-2t"]?.m ?? row.m;
  const sizeNote = row.case === "completion" ? `, #Ω = ${m}` : "";
  lines.push(
    `| ${cname(row)}${sizeNote} | ${np ? ms(np) : (row.numpy?.error ?? "—")} | ${cell("ts")} | ${cell("wasm-1t")} | ${cell("wasm-2t")} | ` +
      `${row.variants["wasm-2t"] ? mib(row.variants["wasm-2t"].maxRssBytes) : "—"} / ${row.numpy?.maxRssBytes ? mib(row.numpy.maxRssBytes) : "—"} |`,
  );
}
lines.push("");
lines.push(
  "**CPU time per iteration** (the same runs; process CPU seconds, all threads — on an overloaded machine the closest measure of what an idle core takes; " +
    "the two-thread figure is the sum over both threads, so its wall time on two idle cores is at least half of it). ratio = NumPy CPU ÷ matsense CPU.",
);
lines.push("");
lines.push("| problem | NumPy | ts | wasm 1 thread | wasm 2 threads (sum of both) |");
lines.push("|---|---|---|---|---|");
const cpuOf = (r) => (r && r.cpuSeconds !== undefined ? r.cpuSeconds : undefined);
for (const row of data.results) {
  const npc = [row.numpy, row.numpy2].map(cpuOf).filter((x) => x !== undefined);
  const np = npc.length ? Math.min(...npc) : undefined;
  const cell = (v) => {
    const c = cpuOf(row.variants[v]);
    if (c === undefined) return "—";
    return np ? `${ms(c)} (×${(np / c).toFixed(2)})` : ms(c);
  };
  lines.push(`| ${cname(row)} | ${np !== undefined ? ms(np) : "—"} | ${cell("ts")} | ${cell("wasm-1t")} | ${cell("wasm-2t")} |`);
}
lines.push("");
for (const row of data.results) {
  for (const [v, label] of [
    ["wasm-1t", "1 thread"],
    ["wasm-2t", "2 threads"],
  ]) {
    const rc = row.variants[v]?.record;
    if (!rc) continue;
    lines.push(
      `- Metrics at ${cname(row)}, wasm ${label} (the driver's \`measure\` with the default record section: loss, relative error from the factors, ` +
        `imbalance norm — ` +
        `the driver computes the error at every iteration for its stopping tests, so record.every does not change this): ${ms(rc.metricsSeconds)} ` +
        `wall / ${ms(rc.metricsCpuSeconds)} CPU ` +
        `per evaluation against ${ms(rc.stepSeconds)} / ${ms(rc.stepCpuSeconds)} for the step: ` +
        `**${((rc.metricsSeconds / rc.stepSeconds) * 100).toFixed(1)} % of a step in wall time**, ` +
        `${((rc.metricsCpuSeconds / rc.stepCpuSeconds) * 100).toFixed(1)} % in CPU time (target < 10 %).`,
    );
  }
  if (row.case === "srht" && row.numpy?.fwhtSeconds)
    lines.push(`- NumPy's vectorized FWHT alone at ${cname(row)}: ${ms(row.numpy.fwhtSeconds)} per transform.`);
}
lines.push("<!-- structured:end -->");
const section = lines.join("\n");
if (!flag("--no-write")) {
  let text = fs.existsSync(outFile) ? fs.readFileSync(outFile, "utf8") : "# matsense benchmark results\n";
  const a = text.indexOf("<!-- structured:begin -->"),
    b = text.indexOf("<!-- structured:end -->");
  text = a >= 0 && b > a ? text.slice(0, a) + section + text.slice(b + "<!-- structured:end -->".length) : text.trimEnd() + "\n\n" + section + "\n";
  fs.writeFileSync(outFile, text);
  log(`wrote ${outFile}`);
} else process.stdout.write(section + "\n");
