/**
 * Results that prove their content (issue 25, defects 2 and 4): summary.json records the
 * SHA-256 of the files it vouches for, checkpoint.json its own, a resumed run re-measures
 * the checkpoint's row, a run's config must be its grid's; `status`, `missing`,
 * `aggregate` and `sweep` read folders through the same validating reader.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { cli, sweptGrid } from "./cli-helpers.js";
import { inspectRunFolder } from "../../src/results/validate.js";

const small = ["--set", "problem.n=6", "--set", "operator.m=80", "--set", "operator.backend=ts", "--set", "stop.maxIterations=40"];
const scratch = () => fs.mkdtempSync(path.join(os.tmpdir(), "matsense-integrity-"));

/** The checkpoint of `dir` with one base64 character of the first factor changed (still valid base64). */
function corruptFactor(dir: string, keepChecksum: boolean): void {
  const file = path.join(dir, "checkpoint.json");
  const c = JSON.parse(fs.readFileSync(file, "utf8"));
  const a = Object.values(c.arrays)[0] as { float64Base64: string };
  // a character in the middle of the first float's mantissa: a small change of one entry
  const at = 4;
  a.float64Base64 = a.float64Base64.slice(0, at) + (a.float64Base64[at] === "A" ? "B" : "A") + a.float64Base64.slice(at + 1);
  if (!keepChecksum) delete c.sha256;
  fs.writeFileSync(file, JSON.stringify(c) + "\n");
}

describe("a damaged checkpoint is never resumed from silently", () => {
  it("one changed base64 character: the checkpoint's checksum refuses it (exit 1, the old result kept)", async () => {
    const dir = scratch();
    expect((await cli("run", "-q", "--out", dir, ...small)).code).toBe(0);
    const before = fs.readFileSync(path.join(dir, "summary.json"), "utf8");
    corruptFactor(dir, true);
    const r = await cli("run", "-q", "--resume", dir, "--set", "stop.maxIterations=80");
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/^matsense: \S+checkpoint\.json is damaged: its content does not match its SHA-256[^\n]*\n$/);
    expect(fs.readFileSync(path.join(dir, "summary.json"), "utf8")).toBe(before);
  });

  it("without a checksum (an older checkpoint), the re-measured row at the checkpoint's iteration disagrees and the resume stops", async () => {
    const dir = scratch();
    expect((await cli("run", "-q", "--out", dir, ...small)).code).toBe(0);
    const before = ["metrics.csv", "summary.json"].map((f) => fs.readFileSync(path.join(dir, f), "utf8"));
    corruptFactor(dir, false);
    const r = await cli("run", "-q", "--resume", dir, "--set", "stop.maxIterations=80");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/does not reproduce its own metrics row: at iteration 40, loss is \S+, metrics\.csv says \S+/);
    // the resume wrote into a staging folder: the result is still there as it was, and nothing else
    expect(["metrics.csv", "summary.json"].map((f) => fs.readFileSync(path.join(dir, f), "utf8"))).toEqual(before);
    expect(fs.readdirSync(dir).sort()).toEqual(["X.npy", "checkpoint.json", "config.json", "metrics.csv", "summary.json"]);
  });

  it("a flipped byte that breaks the base64 or the arrays gives a one-line error naming the file, not Node's Buffer TypeError", async () => {
    const dir = scratch();
    expect((await cli("run", "-q", "--out", dir, ...small)).code).toBe(0);
    const file = path.join(dir, "checkpoint.json");
    const c = JSON.parse(fs.readFileSync(file, "utf8"));
    delete c.sha256;
    for (const [bad, message] of [
      [12345, /not base64 text/],
      ["@@@@", /not base64 text/],
      [null, /not base64 text/],
    ] as const) {
      (Object.values(c.arrays)[0] as { float64Base64: unknown }).float64Base64 = bad;
      fs.writeFileSync(file, JSON.stringify(c));
      const r = await cli("run", "-q", "--resume", dir, "--set", "stop.maxIterations=80");
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/first argument|TypeError/);
    }
    c.arrays = { X: { rows: "x" } };
    fs.writeFileSync(file, JSON.stringify(c));
    const r = await cli("run", "-q", "--resume", dir, "--set", "stop.maxIterations=80");
    expect(r.err).toMatch(/array X has no valid shape/);
  });
});

describe("result files prove their content", () => {
  it("summary.json records a SHA-256 of every result file: an edited row, an edited alpha, swapped files are damaged; old ones unverified", async () => {
    const root = scratch();
    const a = path.join(root, "a"),
      b = path.join(root, "b");
    expect((await cli("run", "-q", "--out", a, ...small)).code).toBe(0);
    expect((await cli("run", "-q", "--out", b, ...small, "--set", "seed=1")).code).toBe(0);
    const s = JSON.parse(fs.readFileSync(path.join(a, "summary.json"), "utf8"));
    expect(Object.keys(s.sha256).sort()).toEqual(["X.npy", "checkpoint.json", "config.json", "metrics.csv"]);
    expect(inspectRunFolder(a)).toMatchObject({ state: "done", verified: true });
    const keep = (d: string) => Object.fromEntries(fs.readdirSync(d).map((f) => [f, fs.readFileSync(path.join(d, f))]));
    const restore = (d: string, files: Record<string, Buffer>) => {
      for (const [f, x] of Object.entries(files)) fs.writeFileSync(path.join(d, f), x);
    };
    const orig = keep(a);

    // an edited middle row (same shape, one digit changed)
    const lines = orig["metrics.csv"].toString().split("\n");
    lines[20] = lines[20].replace(/\d(?=[^\d]*$)/, (d) => String((Number(d) + 1) % 10));
    fs.writeFileSync(path.join(a, "metrics.csv"), lines.join("\n"));
    expect(inspectRunFolder(a)).toMatchObject({ state: "damaged", reason: expect.stringMatching(/SHA-256 of metrics\.csv that does not match/) });
    restore(a, orig);
    // an edited alpha in config.json
    const cfg = JSON.parse(orig["config.json"].toString());
    cfg.init.alpha *= 2;
    fs.writeFileSync(path.join(a, "config.json"), JSON.stringify(cfg, null, 2) + "\n");
    expect(inspectRunFolder(a)).toMatchObject({ state: "damaged", reason: expect.stringMatching(/config\.json/) });
    restore(a, orig);
    // metrics.csv swapped in from another run
    fs.copyFileSync(path.join(b, "metrics.csv"), path.join(a, "metrics.csv"));
    expect(inspectRunFolder(a).state).toBe("damaged");
    restore(a, orig);
    expect(inspectRunFolder(a).state).toBe("done");
    // a folder written before checksums: read, but unverified
    delete s.sha256;
    fs.writeFileSync(path.join(a, "summary.json"), JSON.stringify(s));
    expect(inspectRunFolder(a)).toMatchObject({ state: "done", verified: false });
  });
});

describe("status, missing, aggregate and sweep use one validating reader", () => {
  const grid = { base: { problem: { n: 6, rank: 1 }, operator: { m: 60, backend: "ts" }, stop: { maxIterations: 30 } }, vary: { "model.k": [1, 2] }, seeds: 2 };

  it("a damaged run is named by status, listed by missing, excluded by aggregate and redone by sweep", async () => {
    const root = scratch();
    const g = path.join(root, "g.json");
    fs.writeFileSync(g, JSON.stringify(grid));
    const dir = path.join(root, "S");
    for (const i of [0, 1]) expect((await cli("sweep", "-q", "-w", "1", "--shard", `${i}/2`, "-g", g, "--out", dir)).code).toBe(0);
    expect((await cli("missing", dir, "--shards", "2")).err).toMatch(/every shard of .* is finished/);
    const run = "model.k=2__seed=1";
    const m = path.join(dir, run, "metrics.csv");
    const lines = fs.readFileSync(m, "utf8").split("\n");
    lines[10] = lines[10].replace(/\d(?=[^\d]*$)/, (d) => String((Number(d) + 1) % 10));
    fs.writeFileSync(m, lines.join("\n"));

    const st = await cli("status", dir);
    expect(st.out).toMatch(/3 done, .*1 damaged/);
    expect(st.err).toContain(`damaged run ${path.join(dir, run)}: summary.json records a SHA-256 of metrics.csv`);
    const missing = await cli("missing", dir, "--shards", "2");
    expect(missing.out.trim()).toMatch(/^[01]$/);
    const agg = await cli("aggregate", dir);
    expect(agg.err).toContain(`damaged run ${path.join(dir, run)}`);
    expect(fs.readFileSync(path.join(dir, "runs.csv"), "utf8")).toMatch(new RegExp(`${run.replace(/[.=]/g, "\\$&")},[^\\n]*damaged`));
    const redo = await cli("sweep", "-w", "1", "-g", g, "--out", dir);
    expect(redo.err).toMatch(/3 finished before, 1 to run/);
    expect(inspectRunFolder(path.join(dir, run)).state).toBe("done");
  });

  it("a run whose config is not its grid's: another value is damage (redone); other stop rules are named and left out of the statistics", async () => {
    const { g, dir } = await sweptGrid(grid);
    // a run continued beyond the grid's stop rule
    const longer = path.join(dir, "model.k=1__seed=0");
    expect((await cli("run", "-q", "--resume", longer, "--set", "stop.maxIterations=60")).code).toBe(0);
    // another run's folder copied over a run of the grid (all its files consistent)
    fs.rmSync(path.join(dir, "model.k=2__seed=1"), { recursive: true });
    fs.cpSync(path.join(dir, "model.k=2__seed=0"), path.join(dir, "model.k=2__seed=1"), { recursive: true });
    const agg = await cli("aggregate", dir);
    expect(agg.err).toContain(
      `damaged run ${path.join(dir, "model.k=2__seed=1")}: config.json is not the grid's config of this run: seed = 0, the grid says 1`,
    );
    expect(agg.err).toContain(`run ${longer} is excluded from the statistics: its stop rules are not the grid's: stop.maxIterations = 60, the grid says 30`);
    const runs = fs.readFileSync(path.join(dir, "runs.csv"), "utf8");
    expect(runs).toMatch(/config_differs/);
    const redo = await cli("sweep", "-q", "-w", "1", "-g", g, "--out", dir);
    expect(redo.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "model.k=2__seed=1", "config.json"), "utf8")).seed).toBe(1);
    // the longer run is not redone (it is finished, with other stop rules)
    expect(JSON.parse(fs.readFileSync(path.join(longer, "summary.json"), "utf8")).iterations).toBe(60);
  });
});
