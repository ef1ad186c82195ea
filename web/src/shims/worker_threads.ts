/**
 * Browser stand-in for `node:worker_threads`: the library's kernel thread pool is never
 * started in the explorer (its automatic thread count is 1 there, see ./os.ts); an
 * explicit operator.threads > 1 fails with this message.
 */
export class Worker {
  constructor() {
    throw new Error("kernel worker threads are not available in the browser explorer; use operator.threads = 0 or 1");
  }
}

export const workerData: unknown = undefined;
export const parentPort: unknown = null;

export default { Worker, workerData, parentPort };
