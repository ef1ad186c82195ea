/*
 * Runs of a sweep that share a stored Gaussian operator, advanced together: one batched
 * operator (src/operators/batch.ts) serves them all, so each iteration streams the operator
 * once for the whole group instead of once per run. Every run keeps its own folder, lock,
 * metrics, checkpoint and summary (executeRunAsync), so kill and resume work as for any run,
 * and its metrics are bitwise those of running it alone.
 */
import type { ResolvedConfig } from "../config/schema.js";
import { DEFAULT_RUN_CONTEXT, type RunContext, withContext } from "../catalogue/context.js";
import { gaussianOperatorBatch } from "../operators/batch.js";
import { streamRng } from "../random/rng.js";
import { autoThreads, wasmAvailable, wasmMatrixBytes, WASM_MAX_BYTES } from "../kernels/wasm.js";

/** Most runs one batched pass serves (working slots of the stored matrix; the kernel's mask is 32 bits). */
export const MAX_BATCH = 32;

/**
 * The batch key of a run: runs with the same key draw the same stored operator (seed, shape,
 * m, storage) and can be batched; null when the run cannot be (not a general Gaussian
 * operator stored float64/float32 on the default WASM backend).
 */
export function batchKey(config: ResolvedConfig): string | null {
  const o = config.operator;
  if (o.type !== "gaussian" || (o.storage !== "float64" && o.storage !== "float32")) return null;
  if ((o.backend !== "auto" && o.backend !== "wasm") || !wasmAvailable()) return null;
  const { n, n2 } = config.problem;
  if (wasmMatrixBytes(o.m, n * n2, o.storage, 2) > WASM_MAX_BYTES) return null;
  return JSON.stringify([config.seed, n, n2, o.m, o.storage]);
}

/** Splits runs (in order) into groups of ≤ MAX_BATCH runs with the same batch key; unbatchable runs are groups of one. */
export function batchGroups<T>(runs: T[], configs: ResolvedConfig[]): T[][] {
  const groups: T[][] = [];
  const open = new Map<string, T[]>();
  runs.forEach((r, i) => {
    const key = batchKey(configs[i]);
    if (key === null) return void groups.push([r]);
    let g = open.get(key);
    if (!g || g.length === MAX_BATCH) {
      g = [];
      open.set(key, g);
      groups.push(g);
    }
    g.push(r);
  });
  return groups;
}

/**
 * Runs `configs` (one batch key) together on one batched operator: `start(i, context)` starts
 * run i (e.g. executeRunAsync of its folder) in `context`, which is `base` (its thread cap
 * also caps the batch's automatic threads) with an operator provider that hands run i slot i
 * of the batch. Resolves when all runs have ended: each result or error in `settled`, in
 * order; `passes` over the operator and `shared` run-iterations served by another run's pass.
 */
export async function runBatched<R>(
  configs: ResolvedConfig[],
  start: (i: number, context: RunContext) => Promise<R>,
  base: RunContext = DEFAULT_RUN_CONTEXT,
): Promise<{ settled: PromiseSettledResult<R>[]; passes: number; shared: number }> {
  const c = configs[0];
  const o = c.operator as { m: number; threads: number; storage: string }; // a batch key is a Gaussian operator's (batchKey)
  const threads = o.threads || autoThreads(o.m * c.problem.n * c.problem.n2 * (o.storage === "float32" ? 4 : 8), base.kernels.threadCap);
  const storage = o.storage as "float64" | "float32";
  const batch = gaussianOperatorBatch(o.m, c.problem.n, c.problem.n2, streamRng(c.seed, "operator"), storage, threads, configs.length);
  try {
    const started: Promise<R>[] = [];
    for (let i = 0; i < configs.length; i++) {
      const key = batchKey(configs[i]);
      const context = withContext(base, { operatorProvider: (config) => (batchKey(config) === key ? batch.member(i) : null) });
      started.push(start(i, context).finally(() => batch.leave(i)));
    }
    const settled = await Promise.allSettled(started);
    return { settled, passes: batch.passes, shared: batch.hits };
  } finally {
    batch.dispose();
  }
}
