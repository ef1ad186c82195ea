/**
 * The explorer's kernel host (see KernelHost in matsense/core): what the library's WASM
 * kernels get from Node's fs / os / worker_threads / v8, here from the browser. Imported
 * first by the compute worker (./worker.ts), so it is registered before the library loads.
 *
 * - readFile: a synchronous XMLHttpRequest for the compiled kernels (Vite emits them as an
 *   asset), in the Web Worker only; anything else fails, and the library falls back to its
 *   TypeScript kernels and says why.
 * - cores: this thread plus the kernel helper threads started and idle right now
 *   (./helpers.ts), so the automatic thread count never asks for more than exist.
 * - Worker: a kernel thread runs on one of the pre-started helpers; with none left (a page
 *   that is not cross-origin isolated starts none) it throws, naming the reason.
 * - setFlag: a browser has no V8 flags (Chromium enables relaxed SIMD by default).
 */
import type { KernelHost, KernelWorker } from "../../src/core.js";
import kernelsUrl from "../../dist/wasm/kernels.wasm?url";
import { idleHelpers, takeHelper } from "./helpers.js";

let cached: Uint8Array | null = null;

function readFile(url: URL): Uint8Array {
  const name = String(url);
  // the loader's name, or the asset name Vite gives it when it bundles the loader's URL (kernels-<8-char hash>.wasm)
  if (!/(^|\/)kernels(-[A-Za-z0-9_-]{8})?\.wasm$/.test(name)) throw new Error(`no file system in the browser (${name})`);
  if (cached) return cached;
  const XHR = (globalThis as unknown as { XMLHttpRequest?: typeof XMLHttpRequest }).XMLHttpRequest;
  const inWorker = typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined";
  if (!XHR || !inWorker) throw new Error("the kernels load only in a Web Worker");
  const xhr = new XHR();
  xhr.open("GET", kernelsUrl, false);
  xhr.responseType = "arraybuffer";
  xhr.send();
  if (xhr.status !== 200) throw new Error(`GET ${kernelsUrl}: HTTP ${xhr.status}`);
  cached = new Uint8Array(xhr.response as ArrayBuffer);
  return cached;
}

/** A kernel thread on a pre-started helper. */
class HelperThread implements KernelWorker {
  private readonly w: globalThis.Worker;

  constructor(source: string, opts: { workerData?: unknown } = {}) {
    const h = takeHelper();
    if (!h) {
      throw new Error(
        "no kernel helper thread is available in the browser (threads need a cross-origin-isolated page, as served by " +
          "`npx matsense explore`); use operator.threads = 0 or 1",
      );
    }
    this.w = h.worker;
    h.port.postMessage({ source, workerData: opts.workerData });
  }

  unref(): void {}

  on(event: "error", listener: (e: Error) => void): this {
    if (event === "error") this.w.addEventListener("error", (ev) => listener(new Error(ev.message)));
    return this;
  }

  terminate(): Promise<number> {
    this.w.terminate();
    return Promise.resolve(0);
  }
}

const host: KernelHost = { readFile, cores: () => 1 + idleHelpers(), setFlag: () => {}, Worker: HelperThread };
(globalThis as Record<symbol, unknown>)[Symbol.for("matsense.kernelHost")] = host;
