/**
 * Issue 25.5: a run's recorded rows are streamed, not kept. The driver keeps them in
 * `result.rows` only when asked (`keepRows`, the library's default); executeRun and the CLI
 * stream them to metrics.csv and hold only the last one, and the memory plan charges only
 * what is kept — so `stop.maxIterations = 1e9` on a small problem is accepted.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { type TraceRow, flattenRow } from "../../src/algorithms/driver.js";
import { checkRunMemory, runMemory } from "../../src/catalogue/memory.js";
import { resolveConfig } from "../../src/config/schema.js";
import { csvNumber } from "../../src/io/files.js";
import { readNumericCsv } from "../../src/results/results.js";
import { prepareRun, runConfig } from "../../src/run/run.js";
import { checkOperatorMemory, executeRun } from "../../src/run/runFolder.js";
import { EXPLORER_MEMORY_LIMIT, explorerProblems } from "../../web/src/checks.js";
import { configErrorOf } from "../config-error.js";

const small = {
  seed: 5,
  problem: { n: 8, rank: 2 },
  operator: { type: "gaussian" as const, m: 200, backend: "ts" as const },
  model: { type: "asymmetric" as const, k: 3 },
  init: { alpha: 0.01 },
  method: { name: "gd" as const, stepSize: 0.1 },
  record: { every: 3, singularValues: 2 },
  stop: { maxIterations: 400 },
};

/** A row without its wall-clock column, as text (bitwise: csvNumber prints the shortest round-trip form). */
const bits = (row: TraceRow) =>
  Object.entries(flattenRow(row))
    .filter(([k]) => k !== "seconds")
    .map(([k, v]) => `${k}=${csvNumber(v)}`)
    .join(",");

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "matsense-stream-"));

describe("recorded rows are streamed unless the caller keeps them", () => {
  it("keepRows: false keeps no rows, and onRecord sees exactly the rows a kept run holds, bit for bit", () => {
    const kept = runConfig(small).result;
    const streamed: TraceRow[] = [];
    const r = runConfig(small, { keepRows: false, onRecord: (row) => streamed.push(row) }).result;
    expect(r.rows).toEqual([]);
    expect(kept.rows.length).toBe(Math.ceil(400 / 3) + 1); // 0, 3, …, 399 and the final 400
    expect(streamed.map(bits)).toEqual(kept.rows.map(bits));
    expect(bits(r.final)).toBe(bits(kept.final));
    expect(r.status).toBe(kept.status);
    expect(r.iterations).toBe(400);
  });

  it("executeRun keeps none by default and writes every row to metrics.csv; keepRows: true also returns them", () => {
    const dir = tmp();
    const a = executeRun(small, path.join(dir, "a"));
    expect(a.output!.result.rows).toEqual([]);
    const b = executeRun(small, path.join(dir, "b"), { keepRows: true });
    const kept = b.output!.result.rows;
    expect(kept.length).toBe(Math.ceil(400 / 3) + 1);
    for (const run of ["a", "b"]) {
      const t = readNumericCsv(path.join(dir, run, "metrics.csv"));
      expect(t.rows).toBe(kept.length);
      // every column but seconds is the kept row's number, exactly
      for (const c of t.columns.filter((c) => c !== "seconds")) expect(t.data[c]).toEqual(kept.map((row) => flattenRow(row)[c]));
    }
    // the summary's final row is the last row either way
    expect(a.summary.final!.rel_error).toBe(kept[kept.length - 1].rel_error);
  });

  it("the memory plan charges the kept rows only: streamed, it does not grow with stop.maxIterations", () => {
    const at = (maxIterations: number) => resolveConfig({ ...small, record: { ...small.record, every: 1 }, stop: { maxIterations } });
    const streamed = (t: number) => runMemory(at(t), { keepRows: false }).total;
    expect(streamed(1e9)).toBe(streamed(1000));
    // kept: one row per recorded iteration, (8 + 2 singular values)·8 + 64 bytes each (the plan's formula)
    const rows = (t: number) => runMemory(at(t)).items.find((i) => i.what === "recorded metrics rows")!.bytes;
    expect(rows(2000) - rows(1000)).toBe(1000 * ((8 + 2) * 8 + 64));
    // the library's kept rows of 1e9 iterations are refused, naming the way out; streamed, the same run fits in 64 MiB
    const e = configErrorOf(() => checkRunMemory(at(1e9), 2 ** 34));
    expect(e.issues[0].path).toBe("stop.maxIterations");
    expect(e.message).toMatch(/keepRows: false/);
    expect(() => checkRunMemory(at(1e9), 2 ** 26, undefined, { keepRows: false })).not.toThrow();
    expect(() => prepareRun(at(1e9), { keepRows: false, memoryLimit: 2 ** 26 })).not.toThrow();
  });

  it("a caller that keeps the rows itself (the explorer) is charged for them although the driver keeps none", () => {
    const c = resolveConfig({ ...small, stop: { maxIterations: 1e9 } });
    const limit = runMemory(c, { keepRows: false }).total * 2;
    expect(() => prepareRun(c, { keepRows: false, memoryLimit: limit })).not.toThrow();
    expect(configErrorOf(() => prepareRun(c, { keepRows: false, callerKeepsRows: true, memoryLimit: limit })).issues[0].path).toBe("stop.maxIterations");
  });

  it("the explorer, which keeps its rows, refuses stop.maxIterations = 1e9 that the CLI runs; what the CLI refuses it refuses with the CLI's message", () => {
    const long = resolveConfig({ ...small, stop: { maxIterations: 1e9 } });
    expect(() => checkOperatorMemory(long)).not.toThrow();
    const p = explorerProblems(long);
    expect(p.map((i) => i.path)).toEqual(["stop.maxIterations"]);
    expect(p[0].message).toMatch(/recorded metrics rows/);
    // an operator too large for the tab: the CLI's own plan and message
    const big = resolveConfig({ problem: { n: 300 }, operator: { m: 4000 } });
    const cli = configErrorOf(() => checkOperatorMemory(big, EXPLORER_MEMORY_LIMIT)).issues[0].message;
    expect(explorerProblems(big)[0].message.startsWith(cli)).toBe(true);
  });
});
