import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "",
    err = "";
  const code = await main(["node", "matsense", ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const small = ["--set", "problem.n=6", "--set", "operator.m=80", "--set", "operator.backend=ts"];

describe("never overwrite a result silently (run --out)", () => {
  it("refuses a folder that holds a result (exit 2, naming the files), --force deletes the old result and its figures first", async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "matsense-out-")), "r");
    expect((await cli("run", "-q", "--out", dir, ...small, "--set", "stop.maxIterations=300")).code).toBe(0);
    fs.mkdirSync(path.join(dir, "figures"));
    fs.writeFileSync(path.join(dir, "figures", "error.png"), "old figure");
    const before = fs.readFileSync(path.join(dir, "metrics.csv"), "utf8");

    const refused = await cli("run", "-q", "--out", dir, ...small, "--set", "stop.maxIterations=50");
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/already holds a result \(summary\.json, metrics\.csv, config\.json, checkpoint\.json, figures, X\.npy\); use --force/);
    expect(fs.readFileSync(path.join(dir, "metrics.csv"), "utf8")).toBe(before);
    expect(fs.existsSync(path.join(dir, "matsense.lock"))).toBe(false);

    const forced = await cli("run", "-q", "--force", "--out", dir, ...small, "--set", "stop.maxIterations=50");
    expect(forced.code).toBe(0);
    expect(fs.existsSync(path.join(dir, "figures"))).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "summary.json"), "utf8")).iterations).toBe(50);
    expect(fs.readFileSync(path.join(dir, "metrics.csv"), "utf8").trim().split("\n")).toHaveLength(52);
  });

  it("--resume --out DIR continues the run in DIR (test/cli/resume.test.ts checks it bitwise); --force with --resume is refused", async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "matsense-out-")), "r");
    expect((await cli("run", "-q", "--out", dir, ...small, "--set", "stop.maxIterations=10")).code).toBe(0);
    const r = await cli("run", "-q", "--resume", "--out", dir, ...small, "--set", "stop.maxIterations=20");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "summary.json"), "utf8")).iterations).toBe(20);
    const both = await cli("run", "-q", "--resume", "--force", "--out", dir, ...small);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/--force and --resume exclude each other/);
  });

  it("the demo refuses a folder holding its results, too", async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "matsense-out-")), "demo");
    fs.mkdirSync(path.join(dir, "k=2"), { recursive: true });
    fs.writeFileSync(path.join(dir, "k=2", "summary.json"), JSON.stringify({ status: "max-iterations", iterations: 1, events: [] }));
    const r = await cli("run", "-q", "--out", dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/k=2 already holds a result \(summary\.json\)/);
  });

  it("a diverged run exits with the documented code 4 and names the iteration and the quantity", async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "matsense-out-")), "d");
    const r = await cli("run", "-q", "--out", dir, ...small, "--set", "method.stepSize=5", "--set", "stop.divergenceRelError=1e300");
    expect(r.code).toBe(4);
    const s = JSON.parse(fs.readFileSync(path.join(dir, "summary.json"), "utf8"));
    expect(s.status).toBe("diverged");
    expect(r.err).toContain(`diverged at iteration ${s.divergedAt}: ${s.divergedQuantity}`);
    expect(s.divergedQuantity).toMatch(/= (NaN|-?Infinity)/);
  });
});

describe("sweep and reproduce output folders", () => {
  const grid = {
    name: "t",
    base: { problem: { n: 6, rank: 1 }, operator: { m: 60, backend: "ts" }, stop: { maxIterations: 20 } },
    vary: { "model.k": [1, 2] },
    seeds: 1,
  };

  it("sweep --out refuses a folder that is not a sweep folder (e.g. a run's result); --force clears the results and keeps other files", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-out-"));
    const g = path.join(root, "grid.json");
    fs.writeFileSync(g, JSON.stringify(grid));
    const dir = path.join(root, "S");
    expect((await cli("run", "-q", "--out", dir, ...small, "--set", "stop.maxIterations=5")).code).toBe(0);
    fs.writeFileSync(path.join(dir, "notes.txt"), "mine");
    const r = await cli("sweep", "-q", "-w", "1", "-g", g, "--out", dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/already holds a result \(not a sweep folder: .*config\.json/);
    const f = await cli("sweep", "-q", "-w", "1", "--force", "-g", g, "--out", dir);
    expect(f.code).toBe(0);
    expect(fs.existsSync(path.join(dir, "summary.json"))).toBe(false);
    expect(fs.readFileSync(path.join(dir, "notes.txt"), "utf8")).toBe("mine");
    // a sweep folder of the same grid is resumed, not refused
    expect((await cli("sweep", "-q", "-w", "1", "-g", g, "--out", dir)).code).toBe(0);
    // another grid: refused; with --force its runs are replaced by the new grid's
    const g2 = path.join(root, "grid2.json");
    fs.writeFileSync(g2, JSON.stringify({ ...grid, vary: { "model.k": [1, 3] } }));
    expect((await cli("sweep", "-q", "-w", "1", "-g", g2, "--out", dir)).code).toBe(2);
    expect((await cli("sweep", "-q", "-w", "1", "--force", "-g", g2, "--out", dir)).code).toBe(0);
    expect(
      fs
        .readdirSync(dir)
        .filter((d) => d.startsWith("model.k="))
        .sort(),
    ).toEqual(["model.k=1__seed=0", "model.k=3__seed=0"]);
    expect(fs.readFileSync(path.join(dir, "notes.txt"), "utf8")).toBe("mine");
  });

  it("reproduce into another sweep's folder is refused (exit 2) and leaves its runs alone", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-out-"));
    const g = path.join(root, "grid.json");
    fs.writeFileSync(g, JSON.stringify(grid));
    const dir = path.join(root, "R");
    expect((await cli("sweep", "-q", "-w", "1", "-g", g, "--out", dir)).code).toBe(0);
    const presets = (await cli("reproduce", "--list")).out
      .split("\n")
      .filter((l) => /^\S/.test(l))
      .map((l) => l.split(/\s+/)[0]);
    const refused = await cli("reproduce", presets[0], "--quick", "-q", "-w", "1", "--out", dir);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/different grid/);
    expect(fs.existsSync(path.join(dir, "model.k=1__seed=0"))).toBe(true);
  });
});
