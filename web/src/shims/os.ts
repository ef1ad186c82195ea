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

/** The device's memory as the browser reports it (navigator.deviceMemory, GiB, capped at 8 by browsers), else 4 GiB. */
export function totalmem(): number {
  const gib = (globalThis.navigator as { deviceMemory?: number } | undefined)?.deviceMemory ?? 4;
  return gib * 1024 ** 3;
}

/** Unknown in a browser: the same as {@link totalmem} (the explorer passes its own limit to the memory check). */
export function freemem(): number {
  return totalmem();
}

export default { availableParallelism, cpus, totalmem, freemem };
