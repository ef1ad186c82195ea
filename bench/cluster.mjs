#!/usr/bin/env node
// Overheads of the cluster runners on this machine (needs the services running):
//   scripts/slurm.sh start && scripts/redis.sh start && npm run build
//   SLURM_CONF=/tmp/matsense-slurm/slurm.conf node bench/cluster.mjs [--runs 200] [--iters 100] [--slurm-tasks 16]
// - per queue job: job wall time (worker log) − the run's own seconds (summary.json), mean;
// - queue throughput of N tiny runs on 1 and on 2 workers (runs/s; ratio 2 vs 1);
// - per Slurm task: (wall time of an array of 1-run tasks × tasks at a time / tasks) − mean run seconds.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cli = path.join(root, "bin", "matsense.js");
const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg("--runs", 200);
const TASKS = arg("--slurm-tasks", 16);
const redis = process.env.MATSENSE_REDIS_URL ?? "redis://127.0.0.1:6390";
const tiny = { base: { problem: { n: 8, rank: 1 }, operator: { m: 120 }, stop: { maxIterations: arg("--iters", 100) } } };

function tmp() {
  return fs.mkdtempSync(path.join(os.tmpdir(), "matsense-bench-"));
}
function runSeconds(dir) {
  const s = fs
    .readdirSync(dir)
    .filter((f) => f.startsWith("base__"))
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f, "summary.json"), "utf8")).seconds);
  return s.reduce((a, b) => a + b, 0) / s.length;
}
function worker(queue) {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [cli, "worker", "--redis", redis, "--queue", queue, "--until-empty"], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    p.stderr.on("data", (d) => (err += d));
    p.on("exit", () => resolve(err));
  });
}

async function queueRun(workers) {
  const dir = tmp();
  const grid = `${dir}-grid.json`;
  fs.writeFileSync(grid, JSON.stringify({ ...tiny, seeds: N }));
  const queue = `bench-${process.pid}-${workers}`;
  execFileSync(process.execPath, [cli, "enqueue", "--redis", redis, "--queue", queue, "--grid", grid, "--out", dir]);
  const t0 = performance.now();
  const logs = await Promise.all(Array.from({ length: workers }, () => worker(queue)));
  const wall = (performance.now() - t0) / 1000;
  const jobSeconds = logs
    .join("")
    .match(/ in ([\d.]+) s \[job/g)
    .map((m) => Number(/([\d.]+)/.exec(m)[1]));
  const meanJob = jobSeconds.reduce((a, b) => a + b, 0) / jobSeconds.length;
  return { workers, wall, perSecond: N / wall, meanJob, meanRun: runSeconds(dir), jobs: jobSeconds.length };
}

const out = [];
const q1 = await queueRun(1);
const q2 = await queueRun(2);
out.push(
  `queue: ${N} tiny runs: 1 worker ${q1.wall.toFixed(1)} s (${q1.perSecond.toFixed(2)} runs/s), 2 workers ${q2.wall.toFixed(1)} s ` +
    `(${q2.perSecond.toFixed(2)} runs/s), ratio ${(q2.perSecond / q1.perSecond).toFixed(2)}`,
);
console.log(out[0]);
out.push(
  `queue: overhead per job (job wall − run) ${(q1.meanJob - q1.meanRun).toFixed(3)} s with 1 worker, ${(q2.meanJob - q2.meanRun).toFixed(3)} s ` +
    `with 2 (mean run ${q1.meanRun.toFixed(4)} s)`,
);

if (spawnSync("sinfo", ["-h"]).status === 0) {
  const dir = tmp();
  const grid = `${dir}-grid.json`;
  fs.writeFileSync(grid, JSON.stringify({ ...tiny, seeds: TASKS }));
  const cpus = Number(/CPUTot=(\d+)/.exec(execFileSync("scontrol", ["show", "node"], { encoding: "utf8" }))[1]);
  const t0 = performance.now();
  const jid = execFileSync(process.execPath, [cli, "slurm", "--grid", grid, "--out", dir, "--shards", String(TASKS), "--submit", "--no-aggregate"], {
    encoding: "utf8",
  }).trim();
  while (execFileSync("squeue", ["-h", "-j", jid], { encoding: "utf8" }).trim() !== "") await new Promise((r) => setTimeout(r, 100));
  const wall = (performance.now() - t0) / 1000;
  const perTask = (wall * cpus) / TASKS;
  out.push(
    `slurm: ${TASKS} one-run tasks on ${cpus} CPUs in ${wall.toFixed(1)} s: ${perTask.toFixed(2)} s of a CPU slot per task, overhead beyond the ` +
      `run ${(perTask - runSeconds(dir)).toFixed(2)} s`,
  );
}
out.push(
  `load average during the bench: ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")} on ${os.availableParallelism()} cores`,
);
console.log(out.join("\n"));
