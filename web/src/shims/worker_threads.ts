/**
 * Browser stand-in for `node:worker_threads`, enough for the library's kernel thread pool
 * (src/kernels/wasm.ts): a `Worker` built from source text with `workerData` runs on one
 * of the compute worker's pre-started helpers (../helpers.ts). With no helper left (a page
 * that is not cross-origin isolated starts none) it throws, naming the reason; the
 * automatic thread count never asks for more threads than there are helpers (./os.ts).
 */
import { takeHelper } from "../helpers.js";

export class Worker {
  private readonly w: globalThis.Worker;

  constructor(source: string, opts: { eval?: boolean; workerData?: unknown } = {}) {
    const h = takeHelper();
    if (!h) {
      throw new Error(
        "no kernel helper thread is available in the browser (threads need a cross-origin-isolated page, as served by `npx matsense explore`); use " +
          "operator.threads = 0 or 1",
      );
    }
    this.w = h.worker;
    h.port.postMessage({ source, workerData: opts.workerData });
  }

  unref(): void {}

  on(event: string, listener: (e: Error) => void): this {
    if (event === "error") this.w.addEventListener("error", (ev) => listener(new Error(ev.message)));
    return this;
  }

  terminate(): Promise<number> {
    this.w.terminate();
    return Promise.resolve(0);
  }
}

export const workerData: unknown = undefined;
export const parentPort: unknown = null;

export default { Worker, workerData, parentPort };
