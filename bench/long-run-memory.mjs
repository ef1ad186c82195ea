#!/usr/bin/env node
/*
 * Peak memory of a long run that records every iteration, for one or two builds of matsense.
 *
 *   node bench/long-run-memory.mjs [--base /path/to/other/checkout] [--new .] [--iterations 1000000] [--repeats 1]
 *
 * Runs `matsense run -q` of a small problem (n = 8, rank 2, Gaussian m = 160, GD) for
 * `--iterations` iterations with `record.every = 1`, under /usr/bin/time, and prints each
 * build's peak resident set size (max RSS) and wall time, with the number of rows written.
 * A build that keeps every recorded row in memory grows by about 10² bytes per row; one that
 * streams them to metrics.csv stays at the RSS of a short run. Both checkouts must be built.
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
const builds = [...(opt("--base") ? [["base", path.resolve(opt("--base"))]] : []), ["new", path.resolve(opt("--new", "."))]];
const iterations = Number(opt("--iterations", "1000000"));
const repeats = Number(opt("--repeats", "1"));
const work = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-longrun-"));

console.log(`| build | iterations | rows written | max RSS (MiB) | wall (s) |`);
console.log(`|---|---|---|---|---|`);
for (const [name, root] of builds) {
  for (let r = 0; r < repeats; r++) {
    const out = path.join(work, `${name}-${r}`);
    const res = spawnSync(
      "/usr/bin/time",
      [
        "-f",
        "%M %e",
        process.execPath,
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
      ],
      { encoding: "utf8" },
    );
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
fs.rmSync(work, { recursive: true, force: true });
