import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { aggregateSweep, writeAggregate } from "../../src/results/aggregate.js";
import { runSweep } from "../../src/sweep/sweep.js";
import { checkRecordedIterations, inspectRunFolder, parseMetricsCsv } from "../../src/results/validate.js";
import { executeRun } from "../../src/run/runFolder.js";
import { plotSweep } from "../../src/plot/charts.js";
import { parseCsv } from "../../src/results/results.js";
import { recordSchema } from "../../src/config/schema.js";
import { main } from "../../src/cli/main.js";

/** Symmetric GD with k = r: converges linearly to 1e-12 in a few hundred iterations. */
const grid = {
  base: {
    problem: { n: 8, rank: 1 },
    operator: { m: 120, backend: "ts" },
    init: { alpha: 0.05 },
    stop: { maxIterations: 2000, targetRelError: 1e-12 },
    record: { every: 7 },
  },
  seeds: 6,
};

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "matsense-validate-"));
}

/** A fresh copy of a finished sweep folder. */
function copyOf(src: string): string {
  const d = tmp();
  fs.cpSync(src, d, { recursive: true });
  return d;
}

let pristine: string;
let ids: string[];

beforeAll(async () => {
  pristine = tmp();
  const r = await runSweep(grid, pristine, { runner: "inline" });
  ids = r.runs.map((s) => s.id);
  expect(r.entries.every((e) => e.status === "converged")).toBe(true);
});

describe("inspectRunFolder", () => {
  it("a finished run is done, with its metrics", () => {
    const i = inspectRunFolder(path.join(pristine, ids[0]));
    expect(i.state).toBe("done");
    expect(i.metrics!.data.iteration[0]).toBe(0);
    expect(i.summary!.status).toBe("converged");
  });

  it("missing, incomplete, interrupted and failed folders are told apart", () => {
    const d = tmp();
    expect(inspectRunFolder(path.join(d, "nope")).state).toBe("missing");
    fs.mkdirSync(path.join(d, "empty"));
    expect(inspectRunFolder(path.join(d, "empty")).state).toBe("missing");
    fs.mkdirSync(path.join(d, "started"));
    fs.writeFileSync(path.join(d, "started", "metrics.csv.partial"), "iteration,loss\n0,1\n");
    expect(inspectRunFolder(path.join(d, "started")).state).toBe("incomplete");
    let calls = 0;
    executeRun({ ...grid.base, stop: { maxIterations: 500 } }, path.join(d, "int"), { shouldStop: () => ++calls > 30 });
    expect(inspectRunFolder(path.join(d, "int")).state).toBe("interrupted");
    fs.mkdirSync(path.join(d, "failed"));
    fs.writeFileSync(
      path.join(d, "failed", "summary.json"),
      JSON.stringify({ status: "failed", iterations: 0, seconds: 0, final: null, warnings: [], events: [], error: "boom" }),
    );
    expect(inspectRunFolder(path.join(d, "failed"))).toMatchObject({ state: "failed", reason: "boom" });
  });

  const damages: [string, (dir: string) => void, RegExp][] = [
    [
      "metrics.csv truncated mid-line",
      (d) => {
        const t = fs.readFileSync(path.join(d, "metrics.csv"), "utf8");
        fs.writeFileSync(path.join(d, "metrics.csv"), t.slice(0, t.length - 15));
      },
      /metrics\.csv is truncated/,
    ],
    [
      "metrics.csv cut at a line end",
      (d) => {
        const lines = fs.readFileSync(path.join(d, "metrics.csv"), "utf8").split("\n");
        fs.writeFileSync(path.join(d, "metrics.csv"), lines.slice(0, lines.length - 3).join("\n") + "\n");
      },
      /metrics\.csv ends at iteration \d+, but summary\.json says the run did \d+ iterations/,
    ],
    [
      "a metrics.csv row repeated",
      (d) => {
        const lines = fs.readFileSync(path.join(d, "metrics.csv"), "utf8").split("\n");
        lines.splice(5, 0, lines[5]);
        fs.writeFileSync(path.join(d, "metrics.csv"), lines.join("\n"));
      },
      /metrics\.csv line 7 has iteration 28, expected 35/,
    ],
    ["empty metrics.csv", (d) => fs.writeFileSync(path.join(d, "metrics.csv"), ""), /metrics\.csv is empty/],
    [
      "random bytes in metrics.csv",
      (d) => fs.writeFileSync(path.join(d, "metrics.csv"), Buffer.from(Array.from({ length: 400 }, (_, i) => (i * 97 + 13) % 256)).toString("latin1") + "\n"),
      /metrics\.csv/,
    ],
    [
      "a cell that is not a number",
      (d) => {
        const t = fs.readFileSync(path.join(d, "metrics.csv"), "utf8");
        fs.writeFileSync(path.join(d, "metrics.csv"), t.replace(/\n7,/, "\nx7,"));
      },
      /metrics\.csv line 3, column iteration: "x7" is not a number/,
    ],
    ["summary.json {}", (d) => fs.writeFileSync(path.join(d, "summary.json"), "{}"), /summary\.json does not match the summary format: status: is missing/],
    ["garbage summary.json", (d) => fs.writeFileSync(path.join(d, "summary.json"), "\u0000\u0001garbage"), /summary\.json is not valid JSON: line 1, column 1/],
    [
      "summary.json of another run",
      (d) => {
        const s = JSON.parse(fs.readFileSync(path.join(d, "summary.json"), "utf8"));
        s.final.rel_error *= 2;
        fs.writeFileSync(path.join(d, "summary.json"), JSON.stringify(s));
      },
      /last row's rel_error .* differs from summary\.json's final rel_error/,
    ],
    ["no config.json", (d) => fs.rmSync(path.join(d, "config.json")), /config\.json is missing/],
    ["no metrics.csv", (d) => fs.rmSync(path.join(d, "metrics.csv")), /metrics\.csv is missing \(summary\.json says converged\)/],
  ];
  for (const [what, damage, reason] of damages) {
    it(`${what} → damaged, with the file and the reason`, () => {
      const d = copyOf(path.join(pristine, ids[0]));
      damage(d);
      const i = inspectRunFolder(d);
      expect(i.state).toBe("damaged");
      expect(i.reason).toMatch(reason);
    });
  }
});

describe("aggregate, plot and resume with damaged run folders (issue 15 item 2)", () => {
  let dir: string;
  beforeAll(() => {
    dir = copyOf(pristine);
    const f = (i: number, name: string) => path.join(dir, ids[i], name);
    const t = fs.readFileSync(f(0, "metrics.csv"), "utf8");
    fs.writeFileSync(f(0, "metrics.csv"), t.slice(0, t.lastIndexOf(",") + 3)); // cut inside the last rel_error
    fs.writeFileSync(f(1, "metrics.csv"), "");
    fs.writeFileSync(f(2, "metrics.csv"), Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 31 + 7) % 256)));
    fs.writeFileSync(f(3, "summary.json"), "{}");
    fs.writeFileSync(f(4, "summary.json"), "#!garbage");
  });

  it("a converged run whose metrics.csv is cut mid-line is not classified as diverged", () => {
    const agg = aggregateSweep(dir);
    const row = agg.runs.find((r) => r.id === ids[0])!;
    expect(row.status).toBe("damaged");
    expect(row.rate_class).toBe("");
    expect(agg.runs.filter((r) => r.rate_class === "diverged")).toEqual([]);
  });

  it("reports the damaged runs by path and reason, counts them, and leaves them out of the statistics", () => {
    const agg = writeAggregate(dir);
    expect(agg.damaged.map((d) => d.id).sort()).toEqual(ids.slice(0, 5).sort());
    expect(agg.damaged.every((d) => d.dir.startsWith(dir) && d.reason.length > 0)).toBe(true);
    // none is "pending": {} and garbage summaries are damaged, not unfinished
    expect(agg.runs.filter((r) => r.status === "pending")).toEqual([]);
    expect(agg.points[0].statuses).toEqual({ damaged: 5, converged: 1 });
    expect(agg.curves[0].counts.every((c) => c === 1)).toBe(true);
    const runsCsv = parseCsv(fs.readFileSync(path.join(dir, "runs.csv"), "utf8"));
    expect(runsCsv.filter((r) => r.status === "damaged").every((r) => r.damaged.length > 0)).toBe(true);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
    expect(manifest.counts).toEqual({ damaged: 5, converged: 1 });
  });

  it("matsense aggregate names each damaged run on stderr and counts them in its summary line (exit 0)", async () => {
    let out = "",
      err = "";
    const code = await main(["node", "matsense", "aggregate", dir], { out: (s) => void (out += s), err: (s) => void (err += s) });
    expect(code).toBe(0);
    const lines = err.trim().split("\n");
    expect(lines.length).toBe(5);
    for (const l of lines)
      expect(l).toMatch(new RegExp(`^matsense: damaged run ${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/.+: (metrics\\.csv|summary\\.json) `));
    expect(out).toContain("6 runs, 5 damaged (excluded from the statistics; the next sweep resume re-runs them)");
  });

  it("plot draws the figures without the damaged runs", () => {
    const files = plotSweep(dir, { outDir: path.join(tmp(), "fig") });
    expect(files.length).toBeGreaterThan(0);
  });

  it("the next sweep resume re-runs exactly the damaged runs, and then all are done", async () => {
    const r = await runSweep(grid, dir, { runner: "inline" });
    expect(r.executed).toBe(5);
    expect(r.skipped).toBe(1);
    expect(ids.map((id) => inspectRunFolder(path.join(dir, id)).state)).toEqual(ids.map(() => "done"));
    expect(aggregateSweep(dir).damaged).toEqual([]);
    // one status line per executed run
    expect(fs.readFileSync(path.join(dir, "status.jsonl"), "utf8").trim().split("\n").length).toBe(6 + 5);
  });
});

describe("checkRecordedIterations and parseMetricsCsv", () => {
  const rec = (o: object) => recordSchema.parse(o);
  it("accepts exactly the recorded iterations (linear and log schedules, final point on or off the schedule)", () => {
    expect(checkRecordedIterations([0, 5, 10], 10, rec({ every: 5 }))).toBeUndefined();
    expect(checkRecordedIterations([0, 5, 10, 12], 12, rec({ every: 5 }))).toBeUndefined();
    expect(checkRecordedIterations([0], 0, rec({}))).toBeUndefined();
    expect(checkRecordedIterations([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 12, rec({ schedule: "log", perDecade: 20 }))).toBeUndefined();
    expect(checkRecordedIterations([0, 5], 10, rec({ every: 5 }))).toMatch(/ends at iteration 5/);
    expect(checkRecordedIterations([0, 5, 10, 10], 10, rec({ every: 5 }))).toMatch(/1 row\(s\) after the final iteration 10/);
  });
  it("refuses ragged rows and headers that are not column names", () => {
    expect(() => parseMetricsCsv("iteration,loss\n0,1,2\n")).toThrow(/line 2 has 3 cells, the header 2/);
    expect(() => parseMetricsCsv("\u0001\u0002,zz\n")).toThrow(/no valid header/);
    expect(parseMetricsCsv("iteration,loss\n0,nan\n1,inf\n").data.loss).toEqual([NaN, Infinity]);
  });
});
