import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { aggregateSweep, writeAggregate } from "../../src/results/aggregate.js";
import { parseShard } from "../../src/config/grid.js";
import { runSweep } from "../../src/sweep/sweep.js";
import { parseCsv } from "../../src/results/results.js";
import { metricsWithoutTime } from "../reliability/helpers.js";

const root = path.resolve(__dirname, "../..");

/** Symmetric GD, k = r versus k = r + 1 (Xiong et al.: linear versus 1/t), tiny and fast. */
const grid = {
  name: "tiny",
  base: {
    problem: { n: 8, rank: 2 },
    operator: { m: 160, backend: "ts" },
    init: { alpha: 0.05 },
    method: { name: "gd", stepSize: 0.1 },
    stop: { maxIterations: 3000, targetRelError: 1e-12 },
    record: { schedule: "log", perDecade: 20 },
  },
  vary: { "model.k": [2, 3] },
  seeds: 2,
};

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "matsense-sweep-"));
}

describe("sweeps (in-process runner)", () => {
  it("runs every run into its own folder, writes the manifest and resumes without redoing finished runs", async () => {
    const dir = tmp();
    const first = await runSweep(grid, dir, { runner: "inline" });
    expect(first.executed).toBe(4);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
    expect(manifest.total).toBe(4);
    expect(manifest.runs.map((r: { status: string }) => r.status).sort()).toEqual(["converged", "converged", "max-iterations", "max-iterations"]);
    for (const r of first.runs) for (const f of ["config.json", "metrics.csv", "summary.json"]) expect(fs.existsSync(path.join(dir, r.id, f))).toBe(true);

    // a crashed run: summary missing (as if killed mid-run) and a stale partial CSV
    const victim = path.join(dir, "model.k=3__seed=1");
    const before = metricsWithoutTime(victim);
    fs.rmSync(path.join(victim, "summary.json"));
    fs.writeFileSync(path.join(victim, "metrics.csv.partial"), "iteration\n0\n");
    const again = await runSweep(grid, dir, { runner: "inline" });
    expect(again.skipped).toBe(3);
    expect(again.executed).toBe(1);
    // determinism: the redone run reproduces the same metrics bit for bit (seconds column aside)
    expect(metricsWithoutTime(victim)).toBe(before);

    // a different grid in the same folder is refused
    await expect(runSweep({ ...grid, seeds: 3 }, dir, { runner: "inline" })).rejects.toThrow(/different grid/);
  });

  it("aggregates: k = r is classified linear, k > r sublinear; runs.csv and curves.csv hold the documented columns", async () => {
    const dir = tmp();
    await runSweep(grid, dir, { runner: "inline" });
    const agg = writeAggregate(dir);
    const byK = Object.fromEntries(agg.points.map((p) => [String(p.params["model.k"]), p]));
    expect(byK["2"].classes).toEqual(["linear", "linear"]);
    expect(byK["3"].classes).toEqual(["sublinear", "sublinear"]);
    // the 1/t law: the log-log slope of k > r is near −1 (transient c/(t + t₀) keeps it in (−1.2, −0.5) at T = 3000)
    expect(byK["3"].median.loglog_slope).toBeLessThan(-0.5);
    expect(byK["3"].median.loglog_slope).toBeGreaterThan(-1.2);
    const runs = parseCsv(fs.readFileSync(path.join(dir, "runs.csv"), "utf8"));
    expect(runs).toHaveLength(4);
    for (const c of ["id", "model.k", "seed", "status", "final_rel_error", "iters_to_1e-4", "linear_rate", "loglog_slope", "rate_class"])
      expect(runs[0]).toHaveProperty(c);
    const curves = parseCsv(fs.readFileSync(path.join(dir, "curves.csv"), "utf8"));
    const c0 = curves.find((r) => r.point === "model.k=2" && r.iteration === "0")!;
    // at iteration 0 the band is ordered q10 ≤ median ≤ q90 across the 2 seeds
    expect(Number(c0.rel_error_q10)).toBeLessThanOrEqual(Number(c0.rel_error_median));
    expect(Number(c0.rel_error_median)).toBeLessThanOrEqual(Number(c0.rel_error_q90));
    expect(c0.runs).toBe("2");
  });

  it("shards are disjoint, and aggregate merges them into the same result as one sweep", async () => {
    const dir = tmp();
    for (const i of [0, 1, 2]) await runSweep(grid, dir, { runner: "inline", shard: parseShard(`${i}/3`) });
    expect(fs.existsSync(path.join(dir, "manifest.shard-2-of-3.json"))).toBe(true);
    const shardTotals = [0, 1, 2].map((i) => JSON.parse(fs.readFileSync(path.join(dir, `manifest.shard-${i}-of-3.json`), "utf8")).total);
    expect(shardTotals.reduce((a, b) => a + b, 0)).toBe(4);
    const merged = writeAggregate(dir);
    expect(merged.runs.every((r) => r.status !== "pending")).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")).total).toBe(4);
  });
});

describe("the sweep command through the built CLI (worker threads)", () => {
  // Worker threads need a JS entry file, so this test runs the real CLI from dist/.
  // `npm run build` takes about a second (tsc) and makes dist/ match src/; `npm test`
  // builds first anyway (pretest), this keeps `npx vitest run` honest too.
  beforeAll(() => {
    execFileSync("npm", ["run", "build"], { cwd: root, stdio: "ignore" });
  });

  it("runs on 2 worker threads, prints the aggregate table, and matches the in-process results", async () => {
    const dir = tmp();
    const gridFile = path.join(dir, "grid.json.in");
    fs.writeFileSync(gridFile, JSON.stringify(grid));
    const out = execFileSync("node", [path.join(root, "bin/matsense.js"), "sweep", "--grid", gridFile, "--out", path.join(dir, "threads"), "--workers", "2"], {
      encoding: "utf8",
    });
    expect(out).toMatch(/k\s+runs\s+status/);
    expect(out).toMatch(/sublinear/);
    const m = JSON.parse(fs.readFileSync(path.join(dir, "threads", "manifest.json"), "utf8"));
    expect(m.counts).toEqual({ converged: 2, "max-iterations": 2 });
    await runSweep(grid, path.join(dir, "inline"), { runner: "inline" });
    for (const r of m.runs as { id: string }[]) {
      expect(metricsWithoutTime(path.join(dir, "threads", r.id))).toBe(metricsWithoutTime(path.join(dir, "inline", r.id)));
    }
    // shard runs + aggregate through the CLI
    const sh = path.join(dir, "sharded");
    for (const i of [0, 1]) execFileSync("node", [path.join(root, "bin/matsense.js"), "sweep", "-g", gridFile, "-o", sh, "--shard", `${i}/2`, "-q"]);
    const agg = execFileSync("node", [path.join(root, "bin/matsense.js"), "aggregate", sh], { encoding: "utf8" });
    expect(agg).toMatch(/4 runs; wrote runs.csv/);
    expect(
      aggregateSweep(sh)
        .runs.map((r) => r.rate_class)
        .sort(),
    ).toEqual(["linear", "linear", "sublinear", "sublinear"]);
  });
});
