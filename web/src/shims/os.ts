/**
 * Browser stand-in for `node:os`: the library's kernels ask for the core count to choose
 * an automatic thread count. The explorer runs the kernels on the one thread of its Web
 * Worker (the library's kernel thread pool is built on Node's worker_threads), so it
 * reports one core.
 */
export function availableParallelism(): number {
  return 1;
}

export function cpus(): unknown[] {
  return [{}];
}

export default { availableParallelism, cpus };
