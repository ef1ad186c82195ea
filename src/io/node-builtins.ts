/**
 * Node's built-in modules for code that must also load in a browser (the `matsense/core`
 * entry: config, catalogue, operators, steppers, metrics, kernels). They are fetched when
 * first used with `process.getBuiltinModule` (Node ≥ 20.16) instead of a static import, so a
 * bundler never sees them; outside Node there are none, and what needs one (reading a file,
 * the kernels' worker threads) says so or falls back.
 */

/** The built-ins the core modules use. */
export interface NodeBuiltins {
  "node:fs": typeof import("node:fs");
  "node:os": typeof import("node:os");
  "node:v8": typeof import("node:v8");
  "node:worker_threads": typeof import("node:worker_threads");
}

type GetBuiltin = <K extends keyof NodeBuiltins>(id: K) => NodeBuiltins[K];

/** Node's built-in module `id`, or null outside Node. */
export function nodeBuiltin<K extends keyof NodeBuiltins>(id: K): NodeBuiltins[K] | null {
  const get = (globalThis as { process?: { getBuiltinModule?: GetBuiltin } }).process?.getBuiltinModule;
  return typeof get === "function" ? get(id) : null;
}

/** Node's built-in module `id`; outside Node an Error saying that `what` needs Node.js ≥ 20.16. */
export function requireNodeBuiltin<K extends keyof NodeBuiltins>(id: K, what: string): NodeBuiltins[K] {
  const m = nodeBuiltin(id);
  if (!m) throw new Error(`${what} needs Node.js ≥ 20.16 (${id}); this JavaScript environment has no ${id}`);
  return m;
}
