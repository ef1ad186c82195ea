import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_RUN_CONTEXT, runContext, withContext } from "../../src/catalogue/context.js";
import { buildOperator } from "../../src/catalogue/instance.js";
import { type ConfigInput, resolveConfig } from "../../src/config/schema.js";
import { AUTO_THREADS_MIN_BYTES, wasmAvailable } from "../../src/kernels/wasm.js";
import type { RunOutput } from "../../src/run/run.js";
import { prepareRun, runConfigAsync } from "../../src/run/run.js";
import { type SweepOptions, runSweep } from "../../src/sweep/sweep.js";

// A run takes its kernel tuning and its operator provider from the context its caller passes
// down (prepareRun → buildInstance → buildOperator → the descriptor's build → the kernels),
// never from a process-wide setting. So two runs in one process, interleaved, each keep their
// own context — with the former globals (setAutoThreadCap, setOperatorProvider) the cap or
// provider installed for one run was seen by every run built after it.

const rows = (o: RunOutput) => JSON.stringify(o.result.rows.map(({ seconds: _s, ...r }) => r));

describe("run contexts", () => {
  // m·n² float64 entries ≥ 16 MiB: the automatic thread count is 2 on ≥ 2 cores
  const big: ConfigInput = {
    seed: 5,
    problem: { n: 24, rank: 2 },
    operator: { type: "gaussian", m: 4000, storage: "float64" },
    method: { name: "gd", stepSize: 0.2 },
    stop: { maxIterations: 6 },
  };
  const twoThreads = wasmAvailable() && os.availableParallelism() >= 2;

  it.skipIf(!twoThreads)("give two interleaved runs in one process their own thread caps, and bitwise the same metrics", async () => {
    expect(4000 * 24 * 24 * 8).toBeGreaterThanOrEqual(AUTO_THREADS_MIN_BYTES);
    const capped = runContext({ threadCap: 1 });
    // the capped run is prepared first: a cap that leaked into the process would reach the second run
    const [a, b] = await Promise.all([runConfigAsync(big, { context: capped, yieldEverySeconds: 0 }), runConfigAsync(big, { yieldEverySeconds: 0 })]);
    try {
      expect(a.instance.operator.backend).toBe("wasm-simd");
      expect(b.instance.operator.backend).toBe("wasm-simd+2threads");
      // results do not depend on the thread count
      expect(rows(a)).toBe(rows(b));
      expect(a.result.rows).toHaveLength(7);
    } finally {
      a.instance.operator.dispose();
      b.instance.operator.dispose();
    }
    // and a run prepared after both, in the default context, is not capped either
    const c = prepareRun(big);
    expect(c.instance.operator.backend).toBe("wasm-simd+2threads");
    c.instance.operator.dispose();
  });

  it.skipIf(!twoThreads)("reach the runs of an inline sweep (as `sweep --cpus C --workers W` passes ⌊C/W⌋), batched or not", async () => {
    const grid = { name: "ctx", base: big, vary: { "problem.kappa": [1, 3] } };
    const backends = async (opts: Partial<SweepOptions>) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-ctx-"));
      try {
        const r = await runSweep(grid, dir, { runner: "inline", ...opts });
        expect(r.executed).toBe(2);
        return r.runs.map(
          (run) => (JSON.parse(fs.readFileSync(path.join(dir, run.id, "config.json"), "utf8")) as { matsense: { backend: string } }).matsense.backend,
        );
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    };
    const capped = runContext({ threadCap: 1 });
    expect(await backends({ context: capped })).toEqual(["wasm-simd", "wasm-simd"]);
    expect(await backends({ context: capped, batch: true })).toEqual(["wasm-simd", "wasm-simd"]);
    // the capped sweeps left nothing behind: a sweep in the default context is not capped
    expect(await backends({ batch: true })).toEqual(["wasm-simd+2threads", "wasm-simd+2threads"]);
  });

  it("give an operator provider to the run whose context holds it, and to no other run", async () => {
    const small: ConfigInput = { seed: 2, problem: { n: 8, rank: 2 }, operator: { type: "gaussian", m: 120 }, stop: { maxIterations: 20 } };
    const provided = buildOperator(resolveConfig(small));
    const asked: number[] = [];
    const withProvider = runContext({
      operatorProvider: (config) => {
        asked.push(config.seed);
        return provided;
      },
    });
    const [a, b] = await Promise.all([
      runConfigAsync(small, { context: withProvider, yieldEverySeconds: 0 }),
      runConfigAsync({ ...small, seed: 3 }, { yieldEverySeconds: 0 }),
    ]);
    expect(a.instance.operator).toBe(provided);
    expect(b.instance.operator).not.toBe(provided);
    expect(asked).toEqual([2]); // consulted once, for its own run only
    // the provided operator is the one the catalogue builds for that config: the same metrics as a run without the provider
    const alone = await runConfigAsync(small);
    expect(rows(a)).toBe(rows(alone));
    for (const o of [a, b, alone]) o.instance.operator.dispose();
  });

  it.skipIf(!wasmAvailable())("pass their FWHT block down to the SRHT kernels, with bitwise the same metrics", async () => {
    // n1·n2 = 256 = 2⁸ > 2⁴: the blocked passes of the transform run with the small block
    const srht: ConfigInput = { seed: 4, problem: { n: 16, rank: 2 }, operator: { type: "srht", m: 200 }, stop: { maxIterations: 30 } };
    const fwhtBlock = (o: RunOutput) => (o.instance.operator as unknown as { fwhtVector: { logBlock: number } }).fwhtVector.logBlock;
    const small = await runConfigAsync(srht, { context: runContext({ fwhtLogBlock: 4 }) });
    const plain = await runConfigAsync(srht);
    expect([fwhtBlock(small), fwhtBlock(plain)]).toEqual([4, 15]);
    expect(rows(small)).toBe(rows(plain));
    for (const o of [small, plain]) o.instance.operator.dispose();
  });

  it("are values: the default has no cap and no provider, and a derived context leaves its base unchanged", () => {
    expect(DEFAULT_RUN_CONTEXT.kernels.threadCap).toBe(Infinity);
    expect(DEFAULT_RUN_CONTEXT.operatorProvider).toBeUndefined();
    const base = runContext({ threadCap: 2.7, fwhtLogBlock: 12 });
    expect(base.kernels).toEqual({ threadCap: 2, fwhtLogBlock: 12 });
    const derived = withContext(base, { operatorProvider: () => null });
    expect(derived.kernels).toEqual(base.kernels);
    expect(derived.operatorProvider).toBeTypeOf("function");
    expect(base.operatorProvider).toBeUndefined();
    expect(Object.isFrozen(base) && Object.isFrozen(base.kernels)).toBe(true);
  });

  it("refuse a thread cap below 1 and a FWHT block that is not a positive integer, naming the field", () => {
    expect(() => runContext({ threadCap: 0 })).toThrow(/threadCap .* must be ≥ 1, got 0/);
    expect(() => runContext({ threadCap: Number.NaN })).toThrow(/threadCap/);
    expect(() => runContext({ fwhtLogBlock: 0 })).toThrow(/fwhtLogBlock .* integer ≥ 1, got 0/);
    expect(() => runContext({ fwhtLogBlock: 2.5 })).toThrow(/fwhtLogBlock/);
  });
});
