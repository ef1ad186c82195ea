/**
 * Integration tests against a real single-node Slurm (scripts/slurm.sh): an 8-task array
 * over a 24-run grid, a task killed with SIGKILL then `missing` + resubmission, and
 * scancel of running tasks.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkRunFolder, cliSync, slowBase, tmp, waitFor } from "./helpers.js";
import { type Service, freePorts, startService } from "./services.js";

let svc: Service;

beforeAll(async () => {
  const state = tmp("slurm-state");
  // slurmctld on the port, slurmd on the next one: two free consecutive ports
  const port = await freePorts(2);
  svc = startService("slurm.sh", { MATSENSE_SLURM_STATE: state, MATSENSE_SLURM_PORT: String(port), SLURM_CONF: path.join(state, "slurm.conf") });
}, 300000);

afterAll(() => svc?.stop(), 60000);

function slurmCmd(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { env: { ...process.env, ...svc.env }, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

async function waitJobsGone(ids: string[], timeoutMs: number): Promise<void> {
  await waitFor(() => slurmCmd("squeue", ["-h", "-o", "%i", "-j", ids.join(",")]).trim() === "", timeoutMs, `jobs ${ids.join(",")} to leave the queue`);
}

function jobState(id: string): string {
  return /JobState=(\S+)/.exec(slurmCmd("scontrol", ["show", "job", id]))?.[1] ?? "?";
}

function writeGrid(dir: string, grid: unknown): string {
  const f = `${dir}-grid.json`;
  fs.writeFileSync(f, JSON.stringify(grid));
  return f;
}

function runFolders(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.includes("__seed=") || f.startsWith("base"));
}

describe("Slurm job arrays (real slurmctld + slurmd)", () => {
  it("an 8-task array over a 24-run grid completes and the dependent job aggregates all 24 runs", async (ctx) => {
    if (svc.skip) ctx.skip();
    const dir = tmp("slurm-array");
    const grid = writeGrid(dir, {
      name: "tiny24",
      base: { problem: { n: 8, rank: 1 }, operator: { m: 120 }, stop: { maxIterations: 200 } },
      vary: { "init.alpha": [0.1, 0.01, 0.001], "model.k": [1, 2] },
      seeds: 4,
    });
    const r = cliSync(["slurm", "--grid", grid, "--out", dir, "--shards", "8", "--time", "00:10:00", "--submit"], svc.env);
    expect(r.code, r.err).toBe(0);
    const jid = r.out.trim();
    const aid = /aggregate job (\d+)/.exec(r.err)![1];
    await waitJobsGone([jid, aid], 120000);
    for (let i = 0; i < 8; i++) expect(jobState(`${jid}_${i}`)).toBe("COMPLETED");
    expect(jobState(aid)).toBe("COMPLETED");
    const runs = fs.readFileSync(path.join(dir, "runs.csv"), "utf8").trim().split("\n").slice(1);
    expect(runs).toHaveLength(24);
    expect(runFolders(dir)).toHaveLength(24);
    for (const f of runFolders(dir)) expect(checkRunFolder(path.join(dir, f)).status).toBe("max-iterations");
    // logs in DIR/slurm/, one plain line per finished run (3 runs per task)
    const logs = fs.readdirSync(path.join(dir, "slurm")).filter((f) => f.startsWith("task-"));
    expect(logs).toHaveLength(8);
    for (const l of logs) expect(fs.readFileSync(path.join(dir, "slurm", l), "utf8").match(/^matsense: \[\d\/3\]/gm)).toHaveLength(3);
    const st = cliSync(["status", dir, "--json"]);
    expect(JSON.parse(st.out).counts.done).toBe(24);
  }, 180000);

  it("a task killed with SIGKILL: status shows its runs unfinished, missing names exactly that shard, resubmitting it completes the sweep", async (ctx) => {
    if (svc.skip) ctx.skip();
    const dir = tmp("slurm-kill");
    const grid = writeGrid(dir, { base: slowBase(2), seeds: 8 });
    const r = cliSync(["slurm", "--grid", grid, "--out", dir, "--shards", "4", "--submit", "--no-aggregate"], svc.env);
    expect(r.code, r.err).toBe(0);
    const jid = r.out.trim();
    // shard 1 runs seeds 1 and 5; kill its task during its first run
    await waitFor(() => fs.existsSync(path.join(dir, "base__seed=1", "metrics.csv.partial")), 60000, "shard 1 to start");
    slurmCmd("scancel", ["--batch", "--signal=KILL", `${jid}_1`]);
    await waitJobsGone([jid], 120000);
    expect(jobState(`${jid}_1`)).toBe("FAILED");
    const st = JSON.parse(cliSync(["status", dir, "--json"]).out);
    expect(st.shards).toBe(4);
    const done = st.perShard.map((s: { counts: { done: number } }) => s.counts.done);
    expect([done[0], done[2], done[3]]).toEqual([2, 2, 2]);
    expect(done[1]).toBeLessThan(2); // the killed run has a folder without summary ("started")
    expect(st.perShard[1].counts.started).toBe(1);
    const m = cliSync(["missing", dir, "--shards", "4"]);
    expect(m.code).toBe(0);
    expect(m.out).toBe("1\n");
    const again = slurmCmd("sbatch", ["--parsable", `--array=${m.out.trim()}`, path.join(dir, "slurm", "array.sbatch")])
      .trim()
      .split(";")[0];
    await waitJobsGone([again], 120000);
    expect(jobState(`${again}_1`)).toBe("COMPLETED");
    const folders = runFolders(dir).sort();
    expect(folders).toEqual(Array.from({ length: 8 }, (_, i) => `base__seed=${i}`).sort());
    for (const f of folders) expect(checkRunFolder(path.join(dir, f)).status).toBe("time-limit");
    expect(cliSync(["missing", dir, "--shards", "4"]).out).toBe("");
    const agg = cliSync(["aggregate", dir, "-q"]);
    expect(agg.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, "runs.csv"), "utf8").trim().split("\n")).toHaveLength(9);
  }, 300000);

  it("scancel of running tasks: their runs end interrupted with complete files and stop writing", async (ctx) => {
    if (svc.skip) ctx.skip();
    const dir = tmp("slurm-scancel");
    const grid = writeGrid(dir, { base: slowBase(120), seeds: 2 });
    const r = cliSync(["slurm", "--grid", grid, "--out", dir, "--shards", "2", "--submit", "--no-aggregate"], svc.env);
    expect(r.code, r.err).toBe(0);
    const jid = r.out.trim();
    const runs = ["base__seed=0", "base__seed=1"].map((f) => path.join(dir, f));
    await waitFor(() => runs.every((d) => fs.existsSync(path.join(d, "metrics.csv.partial"))), 60000, "both tasks to start a run");
    slurmCmd("scancel", [jid]);
    await waitJobsGone([jid], 60000);
    // the runs were stopped by the signal, not left running after the job left the queue
    await waitFor(() => runs.every((d) => fs.existsSync(path.join(d, "summary.json"))), 15000, "the interrupted runs' summaries");
    const sizes = runs.map((d) => fs.statSync(path.join(d, "metrics.csv")).size);
    await new Promise((res) => setTimeout(res, 1500)); // a quiet period: nothing may write after the cancel (no condition to await)
    expect(runs.map((d) => fs.statSync(path.join(d, "metrics.csv")).size)).toEqual(sizes);
    for (const d of runs) expect(checkRunFolder(d).status).toBe("interrupted");
    for (let i = 0; i < 2; i++) expect(jobState(`${jid}_${i}`)).toBe("CANCELLED");
    const log = fs.readFileSync(path.join(dir, "slurm", `task-${jid}_0.log`), "utf8");
    expect(log).toMatch(/SIGTERM received/);
    expect(cliSync(["missing", dir, "--shards", "2"]).out).toBe("0,1\n");
  }, 180000);

  it("bad input: one line, exit 2, nothing submitted and nothing overwritten", (ctx) => {
    if (svc.skip) ctx.skip();
    const dir = tmp("slurm-bad");
    const good = writeGrid(dir, { base: { problem: { n: 6, rank: 1 }, stop: { maxIterations: 5 } }, seeds: 2 });
    const invalid = writeGrid(`${dir}-inv`, { base: { problem: { n: -3 } } });
    const other = writeGrid(`${dir}-other`, { base: { problem: { n: 7, rank: 1 } }, seeds: 3 });
    const before = slurmCmd("squeue", ["-h", "-o", "%i"]);
    const fresh = path.join(dir, "new");
    const cases: [string[], RegExp][] = [
      [["--grid", invalid, "--out", fresh, "--shards", "2"], /invalid grid: problem\.n/],
      [["--grid", good, "--out", fresh, "--shards", "0"], /--shards must be a positive integer \(got "0"\)/],
      [["--grid", good, "--out", fresh, "--shards", "2", "--time", "soon"], /--time/],
    ];
    for (const [args, re] of cases) {
      const r = cliSync(["slurm", ...args, "--submit"], svc.env);
      expect(r.code).toBe(2);
      expect(r.err.trim().split("\n")).toHaveLength(1);
      expect(r.err).toMatch(re);
      expect(fs.existsSync(fresh)).toBe(false);
    }
    // a folder of another grid: refused, its files untouched
    expect(cliSync(["slurm", "--grid", good, "--out", dir, "--shards", "2"], svc.env).code).toBe(0);
    const gridBefore = fs.readFileSync(path.join(dir, "grid.json"), "utf8");
    const scriptBefore = fs.readFileSync(path.join(dir, "slurm", "array.sbatch"), "utf8");
    const r = cliSync(["slurm", "--grid", other, "--out", dir, "--shards", "2", "--submit"], svc.env);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/holds a sweep of a different grid/);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, "grid.json"), "utf8")).toBe(gridBefore);
    expect(fs.readFileSync(path.join(dir, "slurm", "array.sbatch"), "utf8")).toBe(scriptBefore);
    const r2 = cliSync(["slurm", "--grid", good, "--out", dir, "--shards", "3", "--submit"], svc.env);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/split into 2, not 3/);
    expect(slurmCmd("squeue", ["-h", "-o", "%i"])).toBe(before);
  });
});
