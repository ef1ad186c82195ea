/**
 * No stack traces and clear messages (issue 25, defects 6 and 11): every case below threw
 * an uncaught error or printed a misleading message on main c166446.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { cli, sweptGrid } from "./cli-helpers.js";
import { ConfigError, resolveConfig } from "../../src/config/schema.js";
import { parseGrid } from "../../src/config/grid.js";

const scratch = () => fs.mkdtempSync(path.join(os.tmpdir(), "matsense-errors-"));
const grid = { base: { problem: { n: 6, rank: 1 }, operator: { m: 60, backend: "ts" }, stop: { maxIterations: 20 } }, vary: { "model.k": [1, 2] }, seeds: 1 };

describe("no stack traces", () => {
  it("a BigInt in a library config is a ConfigError naming the field", () => {
    for (const [input, field, shown] of [
      [{ seed: 10n }, "seed", "10n"],
      [{ problem: { n: 8n } }, "problem.n", "8n"],
    ] as const) {
      let e: unknown;
      try {
        resolveConfig(input);
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as Error).message).toContain(`${field}: must be a number (got "${shown}")`);
    }
    expect(() => parseGrid({ base: {}, seeds: 2n })).toThrow(ConfigError);
  });

  it("sweep with a file where a run folder goes: exit 2 naming it, the file kept (was an uncaught EEXIST)", async () => {
    const { g, dir: P } = await sweptGrid(grid);
    fs.rmSync(path.join(P, "model.k=2__seed=0"), { recursive: true });
    fs.writeFileSync(path.join(P, "model.k=2__seed=0"), "mine");
    for (const w of ["1", "2"]) {
      const r = await cli("sweep", "-q", "-w", w, "-g", g, "--out", P);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^matsense: \S+ holds files matsense did not write \(model\.k=2__seed=0\)[^\n]*\n$/);
      expect(fs.readFileSync(path.join(P, "model.k=2__seed=0"), "utf8")).toBe("mine");
    }
  });
});

describe("clear messages", () => {
  const small = ["--set", "problem.n=6", "--set", "operator.m=80", "--set", "operator.backend=ts", "--set", "stop.maxIterations=20"];

  it("--out \"\", --out at a file and below a file name the folder and the reason (were ENOENT: mkdir '' / EEXIST / ENOTDIR)", async () => {
    const root = scratch();
    const file = path.join(root, "afile");
    fs.writeFileSync(file, "mine");
    const empty = await cli("run", "-q", "--out", "", ...small);
    expect(empty.err).toBe('matsense: cannot create the folder "": the folder name is empty\n');
    for (const out of [file, path.join(file, "sub")]) {
      for (const cmd of [
        ["run", "-q", "--out", out, ...small],
        ["sweep", "-q", "-w", "1", "-g", path.join(root, "g.json"), "--out", out],
      ]) {
        fs.writeFileSync(path.join(root, "g.json"), JSON.stringify(grid));
        const r = await cli(...cmd);
        expect(r.code).not.toBe(0);
        expect(r.err).toBe(`matsense: cannot create the folder ${out}: ${file} is a file, not a folder\n`);
      }
    }
    expect(fs.readFileSync(file, "utf8")).toBe("mine");
  });

  it("run --resume --set problem.n=9 names problem.n (not the derived problem.n2)", async () => {
    const dir = path.join(scratch(), "r");
    expect((await cli("run", "-q", "--out", dir, ...small)).code).toBe(0);
    const r = await cli("run", "-q", "--resume", dir, "--set", "problem.n=9");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--resume can only change stop\.\* and operator\.threads; problem\.n would change the run/);
  });

  it("an init overflow with diagnostics, singular values or imbalance eigenvalues ends diverged (exit 4), not failed", async () => {
    for (const extra of ["record.diagnostics=true", "record.singularValues=2", "record.imbalanceEigenvalues=true"]) {
      const dir = path.join(scratch(), "d");
      const r = await cli(
        "run",
        "-q",
        "--out",
        dir,
        ...small,
        "--set",
        "problem.truth=general",
        "--set",
        "model.type=asymmetric",
        "--set",
        "init.alpha=1e160",
        "--set",
        extra,
      );
      expect(r.code, `${extra}: ${r.err}`).toBe(4);
      expect(JSON.parse(fs.readFileSync(path.join(dir, "summary.json"), "utf8")).status).toBe("diverged");
    }
  });

  it("aggregate --metric bogus is refused (exit 2) naming the columns, and runs.csv is left as it was", async () => {
    const { dir: S } = await sweptGrid(grid);
    const before = fs.readFileSync(path.join(S, "runs.csv"), "utf8");
    const r = await cli("aggregate", S, "--metric", "bogus");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--metric bogus: no run recorded a column bogus in metrics\.csv; choose one of .*rel_error/);
    expect(fs.readFileSync(path.join(S, "runs.csv"), "utf8")).toBe(before);
    expect((await cli("aggregate", S, "-q", "--metric", "loss")).code).toBe(0);
  });
});
