/**
 * Browser stand-in for `node:fs`, used by the library's WASM kernel loader
 * (src/kernels/wasm.ts reads dist/wasm/kernels.wasm with `readFileSync` when it loads).
 * In the explorer's Web Worker a synchronous XMLHttpRequest fetches the compiled kernels
 * (Vite emits them as an asset); everywhere else reading fails, and the library falls back
 * to its TypeScript kernels and says why.
 */
import kernelsUrl from "../../../dist/wasm/kernels.wasm?url";

let cached: Uint8Array | null = null;

export function readFileSync(file: unknown): Uint8Array {
  const name = String(file);
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

export default { readFileSync };
