#!/usr/bin/env node
/*
 * Peak memory of a long run that records every iteration, for one or two builds of matsense.
 *
 *   node bench/long-run-memory.mjs [--base /path/to/other/checkout] [--new .] [--iterations 1000000] [--repeats 1] [--sample]
 *
 * Runs `matsense run -q` of a small problem (n = 8, rank 2, Gaussian m = 160, GD) for
 * `--iterations` iterations with `record.every = 1`, under /usr/bin/time, and prints each
 * build's peak resident set size (max RSS) and wall time, with the number of rows written.
 * With --sample it runs each build once more, reading the child's VmRSS from /proc every
 * 250 ms, and prints the largest RSS while the loop runs (metrics.csv.partial exists) over the
 * first quarter of the rows and over all of them: a build that keeps every recorded row grows
 * with the rows, one that streams them stays flat. Both checkouts must be built.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const builds = [...(opt("--base") ? [["base", path.resolve(opt("--base"))]] : []), ["new", path.resolve(opt("--new", "."))]];
const iterations = Number(opt("--iterations", "1000000"));
const repeats = Number(opt("--repeats", "1"));
const work = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-longrun-"));
const runArgs = (root, out) => [
  path.join(root, "bin", "matsense.js"),
  "run",
  "-q",
  "--out",
  out,
  "--set",
  "problem.n=8",
  "--set",
  "operator.backend=ts",
  "--set",
  `stop.maxIterations=${iterations}`,
  "--set",
  "record.every=1",
];

console.log(`| build | iterations | rows written | max RSS (MiB) | wall (s) |`);
console.log(`|---|---|---|---|---|`);
for (const [name, root] of builds) {
  for (let r = 0; r < repeats; r++) {
    const out = path.join(work, `${name}-${r}`);
    const res = spawnSync("/usr/bin/time", ["-f", "%M %e", process.execPath, ...runArgs(root, out)], { encoding: "utf8" });
    const last = res.stderr.trim().split("\n").at(-1) ?? "";
    const [kib, wall] = last.split(" ").map(Number);
    let rows = NaN;
    try {
      rows = fs.readFileSync(path.join(out, "metrics.csv"), "utf8").split("\n").length - 2;
    } catch {
      /* the run failed: its stderr is shown below */
    }
    if (res.status !== 0) console.error(res.stderr);
    console.log(`| ${name} (${root}) | ${iterations} | ${rows} | ${(kib / 1024).toFixed(1)} | ${wall} |`);
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/**
 * Runs once, sampling the child's VmRSS every 250 ms; resolves with the largest RSS in MiB during the loop
 * (first quarter of the rows, all of them) and overall.
 */
function sampled(root, out) {
  const child = spawn(process.execPath, runArgs(root, out), { stdio: "ignore" });
  const samples = [];
  const rss = () => {
    try {
      return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, "utf8"))[1]) / 1024;
    } catch {
      return NaN;
    }
  };
  const partialBytes = () => {
    try {
      return fs.statSync(path.join(out, "metrics.csv.partial")).size;
    } catch {
      return -1;
    }
  };
  const timer = setInterval(() => samples.push({ rss: rss(), bytes: partialBytes() }), 250);
  return new Promise((resolve) =>
    child.on("exit", () => {
      clearInterval(timer);
      const max = (xs) =>
        xs
          .map((s) => s.rss)
          .filter(Number.isFinite)
          .reduce((m, v) => Math.max(m, v), -Infinity);
      const loop = samples.filter((s) => s.bytes >= 0);
      const total = loop.reduce((m, s) => Math.max(m, s.bytes), 0);
      resolve({ quarter: max(loop.filter((s) => s.bytes <= total / 4)), loop: max(loop), all: max(samples) });
    }),
  );
}

if (args.includes("--sample")) {
  console.log(`\n| build | RSS in the loop, first quarter of the rows (MiB) | RSS in the loop, all rows (MiB) | largest RSS sampled (MiB) |`);
  console.log(`|---|---|---|---|`);
  for (const [name, root] of builds) {
    const r = await sampled(root, path.join(work, `${name}-sampled`));
    console.log(`| ${name} | ${r.quarter.toFixed(1)} | ${r.loop.toFixed(1)} | ${r.all.toFixed(1)} |`);
  }
}
fs.rmSync(work, { recursive: true, force: true });
