/**
 * Browser stand-in for `node:os`: the library's kernels ask for the core count to choose
 * an automatic thread count (2 threads for operators ≥ 16 MiB on ≥ 2 cores). In the
 * compute worker the usable cores are this thread plus the kernel helper threads started
 * and idle right now (../helpers.ts), so the library never asks for more than exist.
 */
import { idleHelpers } from "../helpers.js";

export function availableParallelism(): number {
  return 1 + idleHelpers();
}

export function cpus(): unknown[] {
  return Array.from({ length: availableParallelism() }, () => ({}));
}

export default { availableParallelism, cpus };
