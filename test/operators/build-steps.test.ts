/**
 * Issue 25.5/25.7: long operator builds run in steps (blocks of whole rows of draws) so that a
 * stop request is answered during the build. The blocks are the same draws in the same
 * order: every entry equals the documented draw order of one uninterrupted stream.
 */
import { describe, expect, it } from "vitest";
import { tsBackend } from "../../src/kernels/index.js";
import type { KernelBackend } from "../../src/kernels/types.js";
import { DRAW_BLOCK_ENTRIES } from "../../src/operators/base.js";
import { gaussianOperatorSteps, symmetricGaussianOperatorSteps } from "../../src/operators/gaussian.js";
import { rankOneOperatorSteps } from "../../src/operators/rankOne.js";
import { Rng } from "../../src/random/rng.js";
import { InterruptedError, type Steps, runSteps, runStepsAsync } from "../../src/io/turns.js";
import { prepareRun, prepareRunAsync } from "../../src/run/run.js";
import { executeRunAsync } from "../../src/run/runFolder.js";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RankOneOperator } from "../../src/operators/rankOne.js";

/** True when two float64 arrays hold the same bits (a byte comparison: fast on 10⁶ entries, unlike a deep equality). */
function sameBits(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Drains `steps`, counting its yields. */
function drain<T>(steps: Steps<T>): { value: T; yields: number } {
  let yields = 0;
  for (;;) {
    const r = steps.next();
    if (r.done) return { value: r.value, yields };
    yields++;
  }
}

// 30×30 rows of 900 draws: a block is ⌊2¹⁶/900⌋ = 72 rows, so m = 700 rows take 10 blocks
const n = 30,
  m = 700,
  seed = 11;

describe("operator builds in steps draw exactly the one-stream entries", () => {
  it("gaussian (float64 and float32): A_i entries in order (i, row, col) from one stream", () => {
    for (const storage of ["float64", "float32"] as const) {
      const { value: op, yields } = drain(gaussianOperatorSteps(m, n, n, Rng.fromSeed(seed), tsBackend, storage));
      expect(yields).toBe(Math.ceil(m / Math.floor(DRAW_BLOCK_ENTRIES / (n * n))));
      const want = storage === "float64" ? new Float64Array(m * n * n) : new Float32Array(m * n * n);
      Rng.fromSeed(seed).fillNormal(want);
      expect(sameBits(op.denseTensor!(), Float64Array.from(want))).toBe(true);
    }
  });

  it("symmetric-gaussian (float64 and packed): A_i = (B_i + B_iᵀ)/2 with B_i drawn row by row", () => {
    const rng = Rng.fromSeed(seed);
    const want = new Float64Array(m * n * n);
    const B = new Float64Array(n * n);
    for (let i = 0; i < m; i++) {
      rng.fillNormal(B);
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) want[i * n * n + a * n + b] = 0.5 * (B[a * n + b] + B[b * n + a]);
    }
    for (const storage of ["float64", "packed"] as const) {
      const { value: op, yields } = drain(symmetricGaussianOperatorSteps(m, n, Rng.fromSeed(seed), tsBackend, storage));
      expect(yields).toBeGreaterThanOrEqual(2);
      expect(sameBits(op.denseTensor!(), want)).toBe(true);
    }
  });

  it("rank-one: a_i then b_i for each i, from one stream", () => {
    const n2 = 17,
      mm = 20_000;
    const { value: op, yields } = drain(rankOneOperatorSteps(mm, n, n2, false, Rng.fromSeed(seed)));
    expect(yields).toBe(Math.ceil(mm / Math.floor(DRAW_BLOCK_ENTRIES / (n + n2))) - 1);
    const rng = Rng.fromSeed(seed);
    const a = new Float64Array(mm * n),
      b = new Float64Array(mm * n2);
    for (let i = 0; i < mm; i++) {
      rng.fillNormal(a.subarray(i * n, (i + 1) * n));
      rng.fillNormal(b.subarray(i * n2, (i + 1) * n2));
    }
    expect(sameBits((op as RankOneOperator).a, a)).toBe(true);
    expect(sameBits((op as RankOneOperator).b!, b)).toBe(true);
  });
});

describe("a stop request ends a build between blocks", () => {
  /** The ts backend, counting the stored matrices it releases. */
  function countingBackend(): { backend: KernelBackend; disposed: () => number } {
    let disposed = 0;
    const backend: KernelBackend = {
      ...tsBackend,
      allocate: (...args: Parameters<KernelBackend["allocate"]>) => {
        const s = tsBackend.allocate(...args);
        const release = s.dispose.bind(s);
        s.dispose = () => {
          disposed++;
          release();
        };
        return s;
      },
    };
    return { backend, disposed: () => disposed };
  }

  it("runSteps polls shouldStop once 50 ms passed, throws InterruptedError and releases the half-filled matrix", () => {
    const { backend, disposed } = countingBackend();
    // 4·10⁶ draws: far more than 50 ms of work (≈ 0.4 s)
    const steps = gaussianOperatorSteps(4000, 1000, 1, Rng.fromSeed(1), backend);
    let polls = 0;
    expect(() => runSteps(steps, () => ++polls > 0)).toThrow(InterruptedError);
    expect(polls).toBe(1);
    expect(disposed()).toBe(1);
    // a quick build never polls: a stop requested before a small run still lets it start (and end "interrupted")
    let quickPolls = 0;
    runSteps(gaussianOperatorSteps(10, 4, 4, Rng.fromSeed(1), backend), () => ++quickPolls > 0);
    expect(quickPolls).toBe(0);
  });

  it("prepareRunAsync answers a stop request set by a timer during a long build within 0.5 s, with InterruptedError", async () => {
    // rank-one, m·(n1 + n2) = 3·10⁷ draws: about 1 s of build on this machine class
    const big = { problem: { n: 500, rank: 2 }, operator: { type: "rank-one" as const, m: 30_000 }, stop: { maxIterations: 1 } };
    let stopAt = 0;
    const timer = setTimeout(() => (stopAt = performance.now()), 150);
    let err: unknown;
    try {
      await prepareRunAsync(big, { shouldStop: () => stopAt > 0 });
    } catch (e) {
      err = e;
    }
    clearTimeout(timer);
    const answered = performance.now();
    expect(err).toBeInstanceOf(InterruptedError);
    expect(stopAt).toBeGreaterThan(0);
    // one block (2¹⁶ draws, ~7 ms) + one 50 ms turn; 0.5 s leaves room for a loaded machine
    expect(answered - stopAt).toBeLessThan(500);
  });

  it("without a stop request, prepareRunAsync prepares the same run as prepareRun, bit for bit", async () => {
    const cfg = { seed: 4, problem: { n: 40, rank: 2 }, operator: { type: "gaussian" as const, m: 400, backend: "ts" as const }, stop: { maxIterations: 1 } };
    const a = prepareRun(cfg);
    const b = await prepareRunAsync(cfg, { shouldStop: () => false });
    expect(sameBits(b.instance.operator.denseTensor!(), a.instance.operator.denseTensor!())).toBe(true);
    expect(sameBits(b.instance.y, a.instance.y)).toBe(true);
    expect(await runStepsAsync(drainable(), () => false)).toBe(42);
  });
});

describe("executeRunAsync stopped during its operator's build leaves the folder as it was", () => {
  // Gaussian, m·n² = 1.6·10⁷ draws (128 MB): about 2 s of build at 113 ns a draw, while a pass of an iteration is short
  const big = { problem: { n: 40, rank: 2 }, operator: { type: "gaussian" as const, m: 10_000, backend: "ts" as const }, stop: { maxIterations: 1 } };
  /** Runs `big` into `dir`, asking it to stop 150 ms in; returns what it threw. */
  async function stopped(dir: string, opts: Record<string, unknown> = {}): Promise<unknown> {
    let stop = false;
    const timer = setTimeout(() => (stop = true), 150);
    try {
      await executeRunAsync(big, dir, { shouldStop: () => stop, ...opts });
    } catch (e) {
      return e;
    } finally {
      clearTimeout(timer);
    }
    return undefined;
  }

  it("a new run: InterruptedError, and no file of it (config.json and the empty metrics file removed, lock released)", async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "matsense-steps-")), "r");
    expect(await stopped(dir)).toBeInstanceOf(InterruptedError);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("a rerun over a finished result: InterruptedError, the finished result untouched and no staging folder", async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "matsense-steps-")), "r");
    await executeRunAsync(big, dir);
    const before = Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
    expect(before["summary.json"]).toBeDefined();
    expect(await stopped(dir, { existing: "replace" })).toBeInstanceOf(InterruptedError);
    const after = Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
    expect(after).toEqual(before);
  });
});

function* drainable(): Steps<number> {
  for (let i = 0; i < 3; i++) yield;
  return 42;
}
