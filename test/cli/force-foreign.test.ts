/**
 * `--force` deletes only what matsense wrote (issue 25, defect 1): `sweep --force` removes the
 * run folders of its own grid (by run id) and the sweep files of a sweep folder matsense
 * wrote, never a user's project next to them; `run --out DIR --force` never deletes or
 * overwrites a user's config.json or data.npy.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { cli, sweptGrid } from "./cli-helpers.js";
import { runSweep } from "../../src/sweep/sweep.js";

const grid = { base: { problem: { n: 6, rank: 1 }, operator: { m: 60, backend: "ts" }, stop: { maxIterations: 20 } }, vary: { "model.k": [1, 2] }, seeds: 1 };

function scratch(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "matsense-foreign-"));
}

/** Every file under `dir` with its content (relative paths, sorted). */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out[path.relative(dir, path.join(e.parentPath, e.name))] = fs.readFileSync(path.join(e.parentPath, e.name), "utf8");
  }
  return out;
}

describe("sweep --force deletes only the run folders of its grid and matsense's own files", () => {
  it("keeps a user's project and photo folders that hold config.json and figures/ (the probe's case)", async () => {
    const root = scratch();
    const g = path.join(root, "g.json");
    fs.writeFileSync(g, JSON.stringify(grid));
    const P = path.join(root, "P");
    fs.mkdirSync(path.join(P, "myproject", "src"), { recursive: true });
    fs.mkdirSync(path.join(P, "photos", "figures"), { recursive: true });
    fs.writeFileSync(path.join(P, "myproject", "config.json"), "{}");
    fs.writeFileSync(path.join(P, "myproject", "src", "main.c"), "int main(){}");
    fs.writeFileSync(path.join(P, "photos", "figures", "cat.png"), "png");
    const user = tree(P);
    const r = await cli("sweep", "-q", "-w", "1", "--force", "-g", g, "--out", P);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const after = tree(P);
    for (const [f, text] of Object.entries(user)) expect(after[f]).toBe(text);
    // a second --force replaces the sweep's own runs and still keeps the user's folders
    const again = await cli("sweep", "-q", "-w", "1", "--force", "-g", g, "--out", P);
    expect(again.code).toBe(0);
    for (const [f, text] of Object.entries(user)) expect(tree(P)[f]).toBe(text);
    expect(fs.existsSync(path.join(P, "model.k=2__seed=0", "summary.json"))).toBe(true);
  });

  it("refuses a run folder of its grid that holds a file matsense did not write, deleting nothing", async () => {
    const { g, dir: P } = await sweptGrid(grid);
    fs.writeFileSync(path.join(P, "model.k=1__seed=0", "notes.txt"), "mine");
    const before = tree(P);
    const r = await cli("sweep", "-q", "-w", "1", "--force", "-g", g, "--out", P);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/holds files matsense did not write \(model\.k=1__seed=0\/notes\.txt\)/);
    expect(tree(P)).toEqual(before);
  });

  it("refuses --force over a user's runs.csv (not written by matsense)", async () => {
    const root = scratch();
    const g = path.join(root, "g.json");
    fs.writeFileSync(g, JSON.stringify(grid));
    const P = path.join(root, "P");
    fs.mkdirSync(P);
    fs.writeFileSync(path.join(P, "runs.csv"), "my,data\n1,2\n");
    const r = await cli("sweep", "-q", "-w", "1", "--force", "-g", g, "--out", P);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/runs\.csv\); matsense never deletes or overwrites them/);
    expect(fs.readFileSync(path.join(P, "runs.csv"), "utf8")).toBe("my,data\n1,2\n");
  });
});

describe("run --out DIR --force never deletes a user's files", () => {
  const small = ["--set", "problem.n=6", "--set", "operator.m=80", "--set", "operator.backend=ts", "--set", "stop.maxIterations=5"];

  it("refuses a folder whose config.json matsense did not write, and keeps data.npy", async () => {
    const dir = scratch();
    fs.writeFileSync(path.join(dir, "config.json"), '{"mine": true}');
    fs.writeFileSync(path.join(dir, "data.npy"), "npy");
    for (const extra of [[], ["--force"]]) {
      const r = await cli("run", "-q", ...extra, "--out", dir, ...small);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/holds files matsense did not write \(config\.json\)/);
      expect(tree(dir)).toEqual({ "config.json": '{"mine": true}', "data.npy": "npy" });
    }
  });

  it("next to a user's data.npy alone: runs, and --force replaces only the run's own files", async () => {
    const dir = scratch();
    fs.writeFileSync(path.join(dir, "data.npy"), "npy");
    expect((await cli("run", "-q", "--out", dir, ...small)).code).toBe(0);
    expect((await cli("run", "-q", "--force", "--out", dir, ...small)).code).toBe(0);
    expect(fs.readFileSync(path.join(dir, "data.npy"), "utf8")).toBe("npy");
    expect(JSON.parse(fs.readFileSync(path.join(dir, "summary.json"), "utf8")).iterations).toBe(5);
  });
});

describe("a sweep meeting a file matsense did not write in one of its run folders", () => {
  it("refuses before running anything, exit 2, naming the run and the file, and changes nothing (it was 'pending', exit 0)", async () => {
    const { g, dir: P } = await sweptGrid(grid);
    // the user's own config.json and metrics.csv where run model.k=2__seed=0 goes (its result gone)
    const run = path.join(P, "model.k=2__seed=0");
    fs.rmSync(run, { recursive: true });
    fs.mkdirSync(run);
    fs.writeFileSync(path.join(run, "config.json"), '{"mine": true}\n');
    fs.writeFileSync(path.join(run, "metrics.csv"), "my,data\n");
    const before = tree(P);
    for (const workers of ["1", "2"]) {
      const r = await cli("sweep", "-q", "-w", workers, "-g", g, "--out", P);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(/holds files matsense did not write \(model\.k=2__seed=0\/metrics\.csv, model\.k=2__seed=0\/config\.json\)/);
      expect(tree(P)).toEqual(before);
    }
  });

  it("names a file put there while the sweep runs when the sweep ends, exit 2, and leaves it as it was", async () => {
    const P = path.join(scratch(), "P");
    const mine = path.join(P, "model.k=2__seed=0", "config.json");
    const sweep = runSweep(grid, P, {
      runner: "inline",
      onRunDone: (e) => {
        // after the first run, the user drops a config.json where the second run goes
        if (e.id === "model.k=1__seed=0") {
          fs.mkdirSync(path.dirname(mine), { recursive: true });
          fs.writeFileSync(mine, "{}\n");
        }
      },
    });
    await expect(sweep).rejects.toThrow(/holds files matsense did not write \(model\.k=2__seed=0\/config\.json\)/);
    expect(fs.readFileSync(mine, "utf8")).toBe("{}\n");
    expect(fs.readdirSync(path.dirname(mine))).toEqual(["config.json"]);
    expect(JSON.parse(fs.readFileSync(path.join(P, "model.k=1__seed=0", "summary.json"), "utf8")).status).toBe("max-iterations");
  });
});
