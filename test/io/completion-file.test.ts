import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { buildInstance } from "../../src/catalogue/instance.js";
import { executeRun } from "../../src/run/runFolder.js";
import { inspectRunFolder } from "../../src/results/validate.js";
import { resolveConfig } from "../../src/config/schema.js";
import { writeNpyAtomic } from "../../src/io/files.js";
import { decodeNpy } from "../../src/io/npy.js";
import { ConfigError } from "../../src/config/schema.js";

const root = path.resolve(import.meta.dirname, "../..");
const example = path.join(root, "examples/completion");
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "matsense-entries-"));

/** The example's entries as 0-based (i, j, value) triples. */
function exampleTriples(): number[][] {
  return fs
    .readFileSync(path.join(example, "entries.csv"), "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split(",").map(Number))
    .map(([i, j, v]) => [i - 1, j - 1, v]);
}

const base = (file: string, indexBase: 0 | 1, extra: Record<string, unknown> = {}) => ({
  seed: 3,
  problem: { n: 40, n2: 30, rank: 3, truth: "none" },
  operator: { type: "completion-file", file, indexBase, backend: "ts", ...extra },
  model: { type: "asymmetric", k: 3 },
  init: { alpha: 0.01 },
  stop: { maxIterations: 40 },
});

describe("completion on observed entries from a file", () => {
  it("y_e = M_ij/√p with p = |Ω|/(n1·n2), so the loss at P = 0 is ½‖M_Ω‖²/p", () => {
    const inst = buildInstance(resolveConfig(base(path.join(example, "entries.csv"), 1)));
    const t = exampleTriples();
    const p = t.length / 1200;
    expect(inst.operator.m).toBe(t.length);
    let ss = 0,
      yy = 0;
    for (const [, , v] of t) ss += v * v;
    for (const v of inst.y) yy += v * v;
    expect(yy * 0.5).toBeCloseTo((0.5 * ss) / p, 12);
  });

  it("the CSV with 1-based indices and a .npy with 0-based ones are the same data: bitwise the same run", () => {
    const d = tmp();
    const npy = path.join(d, "entries.npy");
    writeNpyAtomic(npy, [exampleTriples().length, 3], Float64Array.from(exampleTriples().flat()));
    const a = executeRun(base(path.join(example, "entries.csv"), 1, { testFraction: 0.2 }), path.join(d, "a"));
    const b = executeRun(base(npy, 0, { testFraction: 0.2 }), path.join(d, "b"));
    const strip = (s: string) =>
      s.split("\n").map((l) =>
        l
          .split(",")
          .filter((_, i) => i !== 1)
          .join(","),
      );
    expect(strip(fs.readFileSync(path.join(d, "b", "metrics.csv"), "utf8"))).toEqual(strip(fs.readFileSync(path.join(d, "a", "metrics.csv"), "utf8")));
    expect(b.summary.final!.test_rel_error).toBe(a.summary.final!.test_rel_error);
  });

  it("testFraction holds out round(f·N) entries by a seeded split, disjoint from Ω; another seed, another split", () => {
    const file = path.join(example, "entries.csv");
    const N = exampleTriples().length;
    const i1 = buildInstance(resolveConfig(base(file, 1, { testFraction: 0.25 })));
    const i2 = buildInstance(resolveConfig(base(file, 1, { testFraction: 0.25 })));
    const i3 = buildInstance(resolveConfig({ ...base(file, 1, { testFraction: 0.25 }), seed: 4 }));
    expect(i1.heldOut!.values.length).toBe(Math.round(0.25 * N));
    expect(i1.operator.m).toBe(N - Math.round(0.25 * N));
    expect(i2.heldOut!.rows).toEqual(i1.heldOut!.rows);
    expect(i3.heldOut!.rows).not.toEqual(i1.heldOut!.rows);
    const op = i1.operator as unknown as { rowIndex: Int32Array; colIndex: Int32Array };
    const train = new Set(Array.from(op.rowIndex, (r, e) => r * 30 + op.colIndex[e]));
    for (let e = 0; e < i1.heldOut!.rows.length; e++) expect(train.has(i1.heldOut!.rows[e] * 30 + i1.heldOut!.cols[e])).toBe(false);
  });

  it("without M* the truth-based columns are omitted, summary.json says so, and the run folder validates", () => {
    const d = path.join(tmp(), "r");
    const r = executeRun(base(path.join(example, "entries.csv"), 1, { testFraction: 0.1 }), d);
    const header = fs.readFileSync(path.join(d, "metrics.csv"), "utf8").split("\n")[0].split(",");
    expect(header).toEqual(["iteration", "seconds", "loss", "imbalance_norm", "test_rel_error"]);
    const said = /problem\.truth "none": there is no M\*, so the truth-based columns \(abs_error, rel_error, sym_rel_error\) are omitted/;
    expect(r.summary.warnings.join("\n")).toMatch(said);
    expect(inspectRunFolder(d, { readMetrics: true }).state).toBe("done");
  });

  it("with the full matrix as problem.file the same run also records rel_error, and test_rel_error is measured against the file's values", () => {
    const M = decodeNpy(fs.readFileSync(path.join(example, "M.npy")));
    const cfg = {
      ...base(path.join(example, "entries.csv"), 1, { testFraction: 0.1 }),
      problem: { n: 40, n2: 30, rank: 3, truth: "file", file: path.join(example, "M.npy") },
    };
    const d = path.join(tmp(), "r");
    const r = executeRun(cfg, d);
    expect(r.summary.warnings.join("\n")).not.toMatch(/numerical rank/); // the example is exactly rank 3 to working precision
    const inst = r.output!.instance;
    for (let e = 0; e < inst.heldOut!.values.length; e++) expect(inst.heldOut!.values[e]).toBe(M.data[inst.heldOut!.rows[e] * 30 + inst.heldOut!.cols[e]]);
    expect(r.summary.final!.rel_error).toBeGreaterThan(0);
  });

  it("errors name the file, the entry and what is allowed", () => {
    const d = tmp();
    const f = path.join(d, "e.csv");
    fs.writeFileSync(f, "1,1,0.5\n41,2,1\n");
    const outside = /operator\.file: .*e\.csv: line 2: \(i, j\) = \(41, 2\) is not an entry of the 40×30 matrix /;
    const range = /\(problem\.n × problem\.n2, 1-based: i in 1\.\.40, j in 1\.\.30\)/;
    expect(() => buildInstance(resolveConfig(base(f, 1)))).toThrow(outside);
    expect(() => buildInstance(resolveConfig(base(f, 1)))).toThrow(range);
    fs.writeFileSync(f, "0,0,1\n0,0,2\n");
    expect(() => resolveConfig(base(f, 0))).toThrow(/line 2: entry \(0, 0\) appears twice/);
    fs.writeFileSync(f, "0,0,1\n0,x,2\n");
    expect(() => resolveConfig(base(f, 0))).toThrow(/line 2 is "0,x,2"; expected three numbers i,j,value/);
    const err = (() => {
      try {
        resolveConfig({ ...base(f, 0), operator: { type: "completion-file", file: f }, problem: { n: 4, truth: "psd" } });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err!.issues.map((i) => i.path).sort()).toEqual(["operator.indexBase", "problem.truth"]);
    expect(() => resolveConfig({ problem: { truth: "none" } })).toThrow(/problem\.truth: needs an operator that brings its measurements y/);
  });
});
