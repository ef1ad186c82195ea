import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { buildInstance } from "../../src/catalogue/instance.js";
import { type RunContext, runContext } from "../../src/catalogue/context.js";
import { operatorDescriptor, resolveConfig } from "../../src/config/schema.js";
import { zeros } from "../../src/linalg/matrix.js";
import type { SensingOperator } from "../../src/operators/types.js";
import { streamRng } from "../../src/random/rng.js";
import { executeRun, executeRunAsync } from "../../src/run/runFolder.js";
import { wasmAvailable } from "../../src/kernels/wasm.js";

/*
 * Who releases a run's operator (its kernel threads, and with them its WASM memory): the run
 * folder's run, when it built the instance itself — at the end, also on failure. An instance
 * the caller passes (shared by several runs) is the caller's and is left alone.
 */

// a WASM operator with 2 kernel threads: dispose() stops them, and a disposed operator refuses to work
const config = resolveConfig({
  seed: 3,
  problem: { n: 8, rank: 2 },
  operator: { type: "gaussian", m: 120, backend: wasmAvailable() ? "wasm" : "ts", ...(wasmAvailable() ? { threads: 2 } : {}) },
  stop: { maxIterations: 30 },
});

/** Builds every operator the runs ask for (the catalogue's own build) and counts the dispose() calls on each. */
function countDisposals(): { built: SensingOperator[]; disposals: number[]; context: RunContext } {
  const seen = { built: [] as SensingOperator[], disposals: [] as number[] };
  const operatorProvider = (c: Parameters<NonNullable<RunContext["operatorProvider"]>>[0]) => {
    const op = (operatorDescriptor(c.operator.type) as { build: (c: unknown, rng: unknown) => SensingOperator }).build(c, streamRng(c.seed, "operator"));
    const i = seen.built.push(op) - 1;
    seen.disposals.push(0);
    const dispose = op.dispose.bind(op);
    op.dispose = () => {
      seen.disposals[i]++;
      dispose();
    };
    return op;
  };
  return { ...seen, context: runContext({ operatorProvider }) };
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "matsense-dispose-"));

describe("a run folder's run releases the operator it built", () => {
  it("once when the run ends; the caller's result still has the rows, and the operator is no longer usable", () => {
    const seen = countDisposals();
    const r = executeRun(config, path.join(tmp(), "r"), { context: seen.context });
    expect(r.summary.iterations).toBe(30);
    expect(seen.disposals).toEqual([1]);
    if (wasmAvailable()) expect(() => r.output!.instance.operator.apply(zeros(8, 8))).toThrow(/disposed/);
  });

  it("once when the run fails mid-run (summary.json says failed)", async () => {
    const seen = countDisposals();
    const dir = path.join(tmp(), "r");
    let polls = 0;
    const shouldStop = () => {
      if (++polls === 5) throw new Error("boom at the fifth poll");
      return false;
    };
    await expect(executeRunAsync(config, dir, { shouldStop, context: seen.context })).rejects.toThrow(/boom/);
    expect(seen.disposals).toEqual([1]);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "summary.json"), "utf8")).status).toBe("failed");
  });

  it("once when the run fails after the build but before its first iteration (a missing init file)", () => {
    const seen = countDisposals();
    const bad = { ...config, init: { ...config.init, type: "file", dir: path.join(tmp(), "no-such-folder") } };
    expect(() => executeRun(bad, path.join(tmp(), "r"), { context: seen.context })).toThrow(/init\.dir/);
    expect(seen.disposals).toEqual([1]);
  });

  it("never when the caller passed the instance: it stays usable for the next run that shares it", () => {
    const instance = buildInstance(config);
    let disposals = 0;
    const dispose = instance.operator.dispose.bind(instance.operator);
    instance.operator.dispose = () => {
      disposals++;
      dispose();
    };
    const root = tmp();
    const a = executeRun(config, path.join(root, "a"), { instance });
    const b = executeRun({ ...config, model: { ...config.model, k: 3 } }, path.join(root, "b"), { instance });
    expect(disposals).toBe(0);
    expect(a.summary.iterations + b.summary.iterations).toBe(60);
    expect(instance.operator.apply(zeros(8, 8)).length).toBe(120);
    instance.operator.dispose();
  });
});
