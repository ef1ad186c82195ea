import type { ResolvedConfig } from "../config/schema.js";
import type { KernelTuning } from "../kernels/types.js";
import type { SensingOperator } from "../operators/types.js";

/**
 * Supplies a ready operator for a run's config, or null to build it from the catalogue (a
 * sweep hands its runs an operator held once in shared memory, or one member of a batch).
 */
export type OperatorProvider = (config: ResolvedConfig) => SensingOperator | null;

/**
 * What a run takes from whoever starts it besides its config: the kernel tuning of the
 * operators it builds and, optionally, an operator provider. Created by the shell that starts
 * runs (the CLI, the sweep driver and its worker threads, the queue worker, a Slurm shard,
 * the explorer) and passed down — prepareRun → buildInstance → buildOperator → the operator
 * descriptor's `build` → the kernels — so nothing is set process-wide and two runs in one
 * process with different contexts do not affect each other. None of it changes a result:
 * the same config gives bitwise the same metrics under any context.
 */
export interface RunContext {
  /** Kernel tuning: the cap on automatic kernel threads (always set), the FWHT cache block (absent: the kernels' default, 15). */
  readonly kernels: Readonly<KernelTuning & { threadCap: number }>;
  /** Consulted first by buildOperator (absent: every operator is built from the catalogue). */
  readonly operatorProvider?: OperatorProvider;
}

/** What {@link runContext} accepts: every field optional (absent = the default). */
export interface RunContextOptions extends KernelTuning {
  operatorProvider?: OperatorProvider | null;
}

/**
 * A run context: threadCap (default Infinity; must be ≥ 1, rounded down), fwhtLogBlock
 * (default: the kernels' 15; an integer ≥ 1) and an optional operator provider. `runContext()` is the
 * default context, which gives the behaviour of a run started on its own.
 */
export function runContext(opts: RunContextOptions = {}): RunContext {
  const threadCap = opts.threadCap ?? Infinity;
  if (!(threadCap >= 1)) throw new RangeError(`the run context's threadCap (cap on automatic kernel threads) must be ≥ 1, got ${threadCap}`);
  const block = opts.fwhtLogBlock;
  if (block !== undefined && (!Number.isInteger(block) || block < 1)) {
    throw new RangeError(`the run context's fwhtLogBlock (log₂ of the FWHT cache block) must be an integer ≥ 1, got ${block}`);
  }
  const kernels = Object.freeze({ threadCap: Math.floor(threadCap), ...(block !== undefined ? { fwhtLogBlock: block } : {}) });
  return Object.freeze({ kernels, ...(opts.operatorProvider ? { operatorProvider: opts.operatorProvider } : {}) });
}

/** The default context (no thread cap, the default FWHT block, no operator provider). */
export const DEFAULT_RUN_CONTEXT: RunContext = runContext();

/** `base` with some fields replaced (e.g. a sweep worker adds its operator provider to its context for one run). */
export function withContext(base: RunContext, opts: RunContextOptions): RunContext {
  return runContext({ ...base.kernels, operatorProvider: base.operatorProvider, ...opts });
}
