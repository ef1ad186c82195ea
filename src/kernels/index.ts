import { tsBackend } from "./ts.js";
import type { KernelBackend } from "./types.js";
import { fwhtReference } from "./fwht.js";
import { WASM_RELAXED_BACKEND_NAME, wasmBackend, wasmRelaxedBackend, wasmUnavailableReason } from "./wasm.js";

export type { AllocateOptions, KernelBackend, KernelTuning, StoredMatrix, StorageType } from "./types.js";
export { tsBackend } from "./ts.js";
export {
  AUTO_THREADS_MIN_BYTES,
  WASM_BACKEND_NAME,
  WASM_MAX_BYTES,
  WASM_RELAXED_BACKEND_NAME,
  autoThreads,
  wasmAvailable,
  wasmMatrixBytes,
  wasmRelaxedStatus,
  wasmUnavailableReason,
} from "./wasm.js";
export { fwhtReference } from "./fwht.js";

/** Backend names accepted by `--backend` / `operator.backend`. */
export type BackendName = "auto" | "ts" | "wasm" | "wasm-relaxed";

const registry = new Map<string, KernelBackend>([["ts", tsBackend]]);

/** Registers a backend under its name (used by the WASM module once it has loaded). */
export function registerBackend(backend: KernelBackend, alias?: string): void {
  registry.set(backend.name, backend);
  if (alias) registry.set(alias, backend);
}

if (wasmBackend) registerBackend(wasmBackend, "wasm");

/**
 * The backend for a name: "ts" is the reference; "auto" picks the fastest registered
 * backend ("wasm" when available, else "ts"). "wasm-relaxed" (fused multiply-add, results
 * differ from "wasm" in the last bits) is never chosen automatically: it is compiled on
 * first request. An unknown or unavailable name is an error.
 */
export function getBackend(name: BackendName | string = "auto"): KernelBackend {
  if (name === "auto") return registry.get("wasm") ?? tsBackend;
  if (name === WASM_RELAXED_BACKEND_NAME) return wasmRelaxedBackend();
  const b = registry.get(name);
  if (!b) {
    const why = (name === "wasm" || name === "wasm-simd") && wasmUnavailableReason ? ` (${wasmUnavailableReason})` : "";
    const all = [...registry.keys(), `${WASM_RELAXED_BACKEND_NAME} (when the engine has relaxed SIMD)`];
    throw new RangeError(`backend "${name}" is not available${why}; available: auto, ${all.join(", ")}`);
  }
  return b;
}

/**
 * The backend for a name and a matrix size: like {@link getBackend}, but "auto" falls back
 * to the next backend when the matrix does not fit the fastest one (e.g. > 4 GiB for the
 * wasm32 memory), while an explicitly named backend that is too small is an error naming
 * the bytes needed.
 */
export function chooseBackend(name: BackendName | string, rows: number, cols: number, storage: "float64" | "float32"): KernelBackend {
  const b = getBackend(name);
  const need = b.matrixBytes ? b.matrixBytes(rows, cols, storage) : rows * cols * (storage === "float32" ? 4 : 8);
  if (b.maxBytes === undefined || need <= b.maxBytes) return b;
  if (name === "auto") return tsBackend;
  throw new RangeError(
    `the ${rows} × ${cols} ${storage} operator needs ${need} bytes in the ${b.name} backend, more than its limit of ${b.maxBytes} bytes; ` +
      `use operator.storage "float32", "packed" (symmetric-gaussian) or "regenerate", or operator.backend "ts"`,
  );
}

/**
 * Checks `operator.backend` for an operator that runs its own WASM kernels (completion,
 * SRHT): an unknown or unavailable name is an error, and so is "wasm-relaxed", which has
 * fused kernels for the stored Gaussian operators only.
 */
export function checkKernelBackend(operator: string, name: string): void {
  if (name === WASM_RELAXED_BACKEND_NAME) {
    throw new RangeError(`${operator}: operator.backend "${name}" applies to the gaussian and symmetric-gaussian operators only; use "auto", "wasm" or "ts"`);
  }
  if (name !== "auto") getBackend(name);
}

/** Names of the registered backends. */
export function availableBackends(): string[] {
  return [...registry.keys()];
}

/**
 * In-place unnormalized fast Walsh–Hadamard transform x ← H x (x.length a power of 2,
 * H_ij = (−1)^popcount(i & j)), on the WASM SIMD kernel when available.
 */
export function fastWalshHadamard(x: Float64Array): Float64Array {
  const n = x.length;
  if (n === 0 || (n & (n - 1)) !== 0) throw new RangeError(`fastWalshHadamard needs a power-of-2 length, got ${n}`);
  if (wasmBackend && n >= 2) wasmBackend.fwht(x);
  else fwhtReference(x);
  return x;
}
