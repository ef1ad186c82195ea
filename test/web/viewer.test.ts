/**
 * The explorer's pure parts added for issue 23/25: the viewer's folder reader on folders
 * the CLI wrote, the sweep-grid export, readable run labels, the catalogue-driven form and
 * the tick labels.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expandGrid } from "../../src/config/grid.js";
import { resolveConfig } from "../../src/config/schema.js";
import { METHODS } from "../../src/catalogue/methods.js";
import { entriesInUse, fieldApplies } from "../../web/src/fields.js";
import { type FileSource, parseMetrics, readFolder } from "../../web/src/folder.js";
import { gridFile, runMetricsCsv } from "../../web/src/export.js";
import { Session } from "../../web/src/engine.js";
import { sciTick } from "../../web/src/plotting.js";
import { landingState } from "../../web/src/scenarios.js";
import { type ExplorerState, defaultState, runConfigInput, runLabels } from "../../web/src/state.js";
import { repoRoot } from "./browser.js";

const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, "bin", "matsense.js"), ...args], { encoding: "utf8" });

/** A FileSource over a folder on disk (what the browser gives for a chosen folder: paths below its name). */
function diskSource(dir: string, prefix = ""): FileSource {
  const paths: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else paths.push(p);
    }
  };
  walk("");
  return { paths: paths.map((p) => prefix + p), read: async (p) => fs.readFileSync(path.join(dir, p.slice(prefix.length)), "utf8") };
}

let tmp = "";
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-viewer-"));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("viewer: reading folders matsense wrote", () => {
  it("a sweep folder: every run, labelled by its varied values and seed, rows equal to metrics.csv, statuses from summary.json", async () => {
    const grid = path.join(tmp, "g.json");
    const base = { problem: { n: 8, rank: 2 }, stop: { maxIterations: 30 }, record: { diagnostics: true } };
    fs.writeFileSync(grid, JSON.stringify({ name: "k-demo", base, vary: { "model.k": [2, 3] }, seeds: 2 }));
    const out = path.join(tmp, "sweep");
    const r = cli("sweep", "--grid", grid, "--out", out, "-q");
    expect(r.status, r.stderr).toBe(0);
    const f = await readFolder(diskSource(out, "sweep/"), "sweep");
    expect(f.kind).toBe("sweep");
    expect(f.title).toBe("k-demo");
    expect(f.problems).toEqual([]);
    expect(f.runs.map((x) => x.label).sort()).toEqual(["k = 2, seed = 0", "k = 2, seed = 1", "k = 3, seed = 0", "k = 3, seed = 1"]);
    for (const run of f.runs) {
      const text = fs.readFileSync(path.join(out, run.dir, "metrics.csv"), "utf8");
      // the rows read back write the same file: nothing lost or rounded
      expect(runMetricsCsv(run.rows)).toBe(text);
      expect(run.status).toBe("max-iterations");
      expect(run.config.model.k).toBe(run.overrides["model.k"]);
      expect(run.rows[0].signal_error).toBeGreaterThan(0);
    }
  });

  it("a single run folder, and a folder without runs refused with what a run folder holds", async () => {
    const out = path.join(tmp, "one");
    expect(cli("run", "-q", "--set", "problem.n=8", "--set", "stop.maxIterations=20", "--out", out).status).toBe(0);
    const f = await readFolder(diskSource(out, "one/"), "one");
    expect([f.kind, f.title, f.runs.length, f.runs[0].label, f.runs[0].rows.length]).toEqual(["run", "one", 1, "run", 21]);
    expect(f.runs[0].backend).toBe(JSON.parse(fs.readFileSync(path.join(out, "config.json"), "utf8")).matsense.backend);
    const none = readFolder({ paths: ["notes.txt"], read: async () => "" });
    await expect(none).rejects.toThrow(/no run folder here: a run folder holds config\.json and metrics\.csv/);
    expect(() => parseMetrics("iteration,rel_error\n0,abc\n")).toThrow(/line 2, column rel_error: "abc" is not a number/);
    expect(parseMetrics("iteration,rel_error\n0,nan\n1,inf\n")[1].rel_error).toBe(Infinity);
  });
});

describe("explorer state as a sweep grid", () => {
  const expectSame = (s: ExplorerState) => {
    const grid = gridFile(s, "0.1.0");
    const specs = expandGrid(grid);
    const runs = s.runs.length ? s.runs : [{}];
    expect(specs.length).toBe(runs.length);
    // every exported run is the explorer's run: same resolved config
    for (let i = 0; i < runs.length; i++) expect(resolveConfig(specs[i].config)).toEqual(resolveConfig(runConfigInput(s, runs[i])));
    return grid;
  };

  it("one varied field becomes a vary list, mixed overrides become variants, the seed the seed list", () => {
    const landing = landingState();
    const g = expectSame(landing);
    expect(g.vary).toEqual({ "model.k": [2, 3, 4] });
    expect(g.seeds).toEqual([landing.config.seed ?? 0]);
    const mixed: ExplorerState = { ...defaultState(), config: { seed: 5, problem: { n: 10 } }, runs: [{ "model.k": 2 }, { "model.k": 3, "init.alpha": 0.01 }] };
    expect(expectSame(mixed).variants).toHaveLength(2);
    expectSame({ ...defaultState(), config: { problem: { n: 6 } } });
  });

  it("live edits are folded into base at their final values and named in the description", () => {
    const s: ExplorerState = { ...defaultState(), config: { problem: { n: 8 } }, edits: [{ at: 40, path: "method.stepSize", value: 0.05 }] };
    const g = gridFile(s, "0.1.0");
    expect((g.base as { method: { stepSize: number } }).method.stepSize).toBe(0.05);
    expect(g.description).toMatch(/method\.stepSize=0\.05 at 40/);
  });
});

describe("explorer labels, form and ticks", () => {
  it("run labels are the overrides shortened, unique, with the full form when short names collide", () => {
    const two = [
      { "operator.type": "gaussian", "model.k": 2 },
      { "operator.type": "identity", "model.k": 2 },
    ];
    expect(runLabels(two)).toEqual(["gaussian, k = 2", "identity, k = 2"]);
    expect(runLabels([{}, { "init.alpha": 0.01 }])).toEqual(["base", "α = 0.01"]);
    expect(runLabels([{ "init.type": "spectral" }, { "model.type": "spectral" }])).toEqual(["init.type=spectral", "model.type=spectral"]);
    // the session uses them
    const s = new Session({ ...defaultState(), config: { problem: { n: 6 }, stop: { maxIterations: 2 } }, runs: [{ "model.k": 2 }, { "model.k": 3 }] });
    expect(s.runs.map((r) => r.label)).toEqual(["k = 2", "k = 3"]);
    s.dispose();
  });

  it("the form shows only the options of the methods and operators in use, from the catalogue", () => {
    const use = (config: Record<string, unknown>, runs: Record<string, unknown>[] = []) =>
      entriesInUse({ config, runs, edits: [] }, { method: "gd", operator: "gaussian" });
    const gd = use({});
    expect(fieldApplies("method.rebalanceAtIteration", gd)).toBe(true);
    expect(fieldApplies("method.lambda", gd)).toBe(false);
    expect(fieldApplies("method.stepSize", gd)).toBe(true);
    expect(fieldApplies("operator.m", gd)).toBe(true);
    expect(fieldApplies("operator.p", gd)).toBe(false);
    expect(fieldApplies("problem.n", gd)).toBe(true);
    const completion = use({ operator: { type: "completion" }, method: { name: "scaled-gd-lambda" } });
    expect(fieldApplies("operator.p", completion)).toBe(true);
    expect(fieldApplies("operator.m", completion)).toBe(false);
    expect(fieldApplies("method.lambda", completion)).toBe(true);
    expect(fieldApplies("method.rebalanceAtIteration", completion)).toBe(false);
    // compare runs with another method show its options too; every method's options appear for that method
    expect(fieldApplies("method.momentum", use({}, [{}, { "method.name": "heavy-ball" }]))).toBe(true);
    for (const m of METHODS) for (const o of Object.keys(m.options)) expect(fieldApplies(`method.${o}`, use({ method: { name: m.name } }))).toBe(true);
  });

  it("tick labels are plain from 0.01 to 10⁴ and scientific otherwise, never SI prefixes", () => {
    expect([1e-4, 2.5e-7, 1e-15, 0.01, 0.1, 1, 20, 5000, 1e4, 1e6, -3e-5, 0].map(sciTick)).toEqual([
      "1e-4",
      "2.5e-7",
      "1e-15",
      "0.01",
      "0.1",
      "1",
      "20",
      "5000",
      "1e4",
      "1e6",
      "-3e-5",
      "0",
    ]);
  });
});
