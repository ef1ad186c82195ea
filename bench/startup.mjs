#!/usr/bin/env node
// CLI start-up as whole processes (issue 24 item 4): `matsense --version`, `--help` and a small
// `run` (n = 10, 5 iterations, -q), each the median of N ≥ 10 launches, next to a bare
// `node -e 0` (the floor), with the load average before and after.
//
//   node bench/startup.mjs [--n 10] [--json FILE] [--compare OTHER/bin/matsense.js]
//
// --compare: the same commands of another checkout (e.g. before a change), launched in
// alternation with this one's, so both see the same machine load.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const opt = (f, d) => (args.includes(f) ? args[args.indexOf(f) + 1] : d);
const N = Math.max(10, Number(opt("--n", "10")));
const bin = fileURLToPath(new URL("../bin/matsense.js", import.meta.url));
const other = opt("--compare", null);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-startup-"));
const median = (a) => {
  const b = [...a].sort((x, y) => x - y);
  return b.length % 2 ? b[(b.length - 1) / 2] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2;
};
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");

const commands = (b, tag) => [
  { name: `matsense --version${tag}`, argv: [b, "--version"] },
  { name: `matsense --help${tag}`, argv: [b, "--help"] },
  {
    name: `matsense run (n = 10, 5 iterations, -q)${tag}`,
    argv: (i) => [b, "run", "-q", "--set", "problem.n=10", "--set", "stop.maxIterations=5", "--out", path.join(tmp, `r${tag.length}-${i}`)],
  },
];
const mine = commands(bin, ""),
  theirs = other ? commands(path.resolve(other), ` (${path.resolve(other)})`) : [];
const cases = [{ name: "node -e 0 (floor)", argv: ["-e", "0"] }, ...mine.flatMap((c, i) => (other ? [c, theirs[i]] : [c]))];
const rows = [];
try {
  for (const c of cases) {
    const load0 = load(),
      times = [];
    for (let i = 0; i < N; i++) {
      const t = performance.now();
      const res = spawnSync(process.execPath, typeof c.argv === "function" ? c.argv(i) : c.argv, { stdio: "ignore" });
      times.push((performance.now() - t) / 1000);
      if (res.status !== 0) throw new Error(`${c.name} exited with ${res.status}`);
    }
    rows.push({ name: c.name, median: median(times), min: Math.min(...times), max: Math.max(...times), load: [load0, load()] });
    process.stderr.write(`${c.name}: median ${median(times).toFixed(3)} s (min ${Math.min(...times).toFixed(3)}, max ${Math.max(...times).toFixed(3)})\n`);
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
const lines = [
  `Node ${process.version}; whole processes, ${N} launches each.`,
  "",
  "| command | median (s) | min – max (s) | load avg before → after |",
  "|---|---|---|---|",
  ...rows.map((r) => `| ${r.name} | ${r.median.toFixed(3)} | ${r.min.toFixed(3)} – ${r.max.toFixed(3)} | ${r.load.join(" → ")} |`),
];
process.stdout.write(lines.join("\n") + "\n");
if (opt("--json", null)) fs.writeFileSync(opt("--json"), JSON.stringify({ node: process.version, N, rows }, null, 1));
