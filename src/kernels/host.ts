import { nodeBuiltin } from "../io/node-builtins.js";

/**
 * What the WASM kernels need from their environment: the compiled module's bytes, the core
 * count, a V8 flag and worker threads. In Node these are node:fs / os / v8 / worker_threads
 * (found at run time, see io/node-builtins.ts, so the kernels bundle for a browser); a page
 * that is not Node registers its own host under {@link KERNEL_HOST} before matsense loads
 * (the explorer: web/src/kernel-host.ts). Without a host the WASM backend is unavailable
 * and the TypeScript kernels run.
 */
export interface KernelHost {
  /** The bytes of the file at `url` (a compiled module next to dist/); throws when it cannot be read. */
  readFile(url: URL): Uint8Array;
  /** The cores usable for kernel threads. */
  cores(): number;
  /** Sets a V8 flag (Node 20 needs one before it compiles relaxed SIMD); does nothing where there is none. */
  setFlag(flag: string): void;
  /** A kernel thread running `source` (CommonJS text that reads `require("node:worker_threads").workerData`). */
  Worker: new (
    source: string,
    opts: { eval: true; workerData: unknown },
  ) => KernelWorker;
}

/** The part of a worker thread the kernels' pool uses. */
export interface KernelWorker {
  unref(): void;
  on(event: "error", listener: (e: Error) => void): unknown;
  terminate(): Promise<number>;
}

/** The global symbol under which a page that is not Node registers its {@link KernelHost}. */
export const KERNEL_HOST = Symbol.for("matsense.kernelHost");

/** Node's host, else the one registered under {@link KERNEL_HOST}, else null. */
export function kernelHost(): KernelHost | null {
  const fs = nodeBuiltin("node:fs");
  const os = nodeBuiltin("node:os");
  const v8 = nodeBuiltin("node:v8");
  const threads = nodeBuiltin("node:worker_threads");
  if (fs && os && v8 && threads) {
    return {
      readFile: (url) => fs.readFileSync(url),
      cores: () => (typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length),
      setFlag: (flag) => v8.setFlagsFromString(flag),
      Worker: threads.Worker,
    };
  }
  return ((globalThis as Record<symbol, unknown>)[KERNEL_HOST] as KernelHost | undefined) ?? null;
}
