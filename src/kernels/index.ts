import { tsBackend } from "./ts.js";
import type { KernelBackend } from "./types.js";

export type { KernelBackend, StoredMatrix, StorageType } from "./types.js";
export { tsBackend } from "./ts.js";

/** Backend names accepted by `--backend` / `operator.backend`. */
export type BackendName = "auto" | "ts" | "wasm";

const registry = new Map<string, KernelBackend>([["ts", tsBackend]]);

/** Registers a backend under its name (used by the WASM module once it has loaded). */
export function registerBackend(backend: KernelBackend, alias?: string): void {
  registry.set(backend.name, backend);
  if (alias) registry.set(alias, backend);
}

/**
 * The backend for a name: "ts" is the reference; "auto" picks the fastest registered
 * backend ("wasm" when available, else "ts"). An unknown or unavailable name is an error.
 */
export function getBackend(name: BackendName | string = "auto"): KernelBackend {
  if (name === "auto") return registry.get("wasm") ?? tsBackend;
  const b = registry.get(name);
  if (!b) {
    throw new RangeError(`backend "${name}" is not available; available: auto, ${[...registry.keys()].join(", ")}`);
  }
  return b;
}

/** Names of the registered backends. */
export function availableBackends(): string[] {
  return [...registry.keys()];
}
