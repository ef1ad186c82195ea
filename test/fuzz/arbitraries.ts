import fc from "fast-check";
import { ConfigError, describeConfig, getPath, setPath } from "../../src/config/schema.js";

/**
 * Generators for the fuzzers, built from the config schema itself (`describeConfig`: every
 * field's path, default and allowed values), so a field added to the schema is fuzzed
 * without touching this file: enums take their allowed values, booleans both, numbers
 * their default or — for the fields listed in {@link TINY} — a range that keeps a run tiny
 * (n ≤ 6, m ≤ 200, ≤ 25 iterations) so that hundreds of runs take seconds.
 */

/** Seed of every fuzzer (override with MATSENSE_FUZZ_SEED to explore further). */
export const FUZZ_SEED = Number(process.env.MATSENSE_FUZZ_SEED ?? 20261130);
/** Cases per surface (override with MATSENSE_FUZZ_RUNS; the issue asks for ≥ 1000). */
export const FUZZ_RUNS = Number(process.env.MATSENSE_FUZZ_RUNS ?? 1000);

export const FIELDS = describeConfig();
export const FIELD_PATHS = FIELDS.map((f) => f.path);
const SECTIONS = [...new Set(FIELD_PATHS.filter((p) => p.includes(".")).map((p) => p.split(".")[0]))];

const dbl = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/** Valid values of the numeric/array fields that keep a run tiny. */
const TINY: Record<string, fc.Arbitrary<unknown>> = {
  seed: fc.nat(1000),
  "problem.n": fc.integer({ min: 1, max: 6 }),
  "problem.n2": fc.integer({ min: 1, max: 6 }),
  "problem.rank": fc.integer({ min: 1, max: 3 }),
  "problem.kappa": dbl(1, 100),
  "problem.singularValues": fc.array(dbl(0.1, 10), { minLength: 1, maxLength: 3 }),
  "problem.noise": dbl(0, 1),
  "problem.outliers": dbl(0, 0.5),
  "problem.outlierScale": dbl(0.1, 100),
  "operator.m": fc.integer({ min: 1, max: 200 }),
  "operator.p": dbl(0.05, 1),
  "operator.threads": fc.integer({ min: 0, max: 2 }),
  "model.k": fc.integer({ min: 1, max: 8 }),
  "init.alpha": dbl(1e-6, 2),
  "init.ratio": dbl(0.1, 10),
  "method.stepSize": dbl(1e-4, 2),
  "method.balanceWeight": dbl(0, 2),
  "method.rebalanceAtIteration": fc.integer({ min: 0, max: 30 }),
  "method.rebalanceBelowRelResidual": dbl(1e-6, 1),
  "method.lambda": dbl(1e-6, 1),
  "method.dampingScale": dbl(0, 2),
  "method.dampingFloor": dbl(1e-15, 1e-3),
  "method.tolerance": dbl(1e-10, 0.5),
  "method.decay": dbl(0.5, 1),
  "method.tau": dbl(0, 10),
  "stop.maxIterations": fc.integer({ min: 0, max: 25 }),
  "stop.targetRelError": dbl(0, 1e-2),
  "stop.maxSeconds": fc.constantFrom(0, 30),
  "stop.divergenceRelError": dbl(1.5, 1e8),
  "record.every": fc.integer({ min: 1, max: 5 }),
  "record.perDecade": fc.integer({ min: 1, max: 30 }),
  "record.singularValues": fc.integer({ min: 0, max: 3 }),
};

/** A valid (type- and range-wise) value of a field, small enough to run. */
export function validValue(path: string): fc.Arbitrary<unknown> {
  if (TINY[path]) return TINY[path];
  const f = FIELDS.find((x) => x.path === path)!;
  if (f.allowed) return fc.constantFrom(...f.allowed);
  if (typeof f.default === "boolean") return fc.boolean();
  return fc.constant(f.default);
}

/** Values no field of this kind accepts (wrong type, not finite). */
export function typeJunk(path: string): fc.Arbitrary<unknown> {
  const f = FIELDS.find((x) => x.path === path)!;
  const common = [null, {}, [], { a: 1 }];
  if (f.allowed) return fc.constantFrom(...common, 42, true, "no-such-choice", "");
  if (typeof f.default === "boolean") return fc.constantFrom(...common, "yes", 1, 0);
  if (f.type === "string") return fc.constantFrom(...common, 42, true, "");
  if (path === "problem.singularValues") return fc.constantFrom(null, "x", 3, ["a"], [NaN], [Infinity], [{}]);
  return fc.constantFrom(...common, "abc", "1", true, NaN, Infinity, -Infinity);
}

/** Numbers at the edges: may be valid or not for a given field (never a type error). */
export const edgeNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 0.5, 1.5, 2 ** 53, 2 ** 53 - 1, -(2 ** 53), 1e300, -1e300, 5e-324, Number.MAX_VALUE, 1e9, 7),
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/**
 * A config object: a random subset of at most 8 fields set to valid tiny values (more
 * fields at once would mostly produce cross-field refusals and few runs).
 */
export const validConfig: fc.Arbitrary<Record<string, unknown>> = fc
  .shuffledSubarray(FIELD_PATHS, { maxLength: 8 })
  .chain((paths) => fc.tuple(...paths.map((p) => validValue(p).map((v) => [p, v] as const))))
  .map((fields) => {
    const c: Record<string, unknown> = {};
    for (const [p, v] of fields) setPath(c, p, structuredClone(v));
    // a config holds only the chosen operator's and method's options (others are errors, fuzzed by the mutations)
    for (const [p] of fields) {
      const only = FIELDS.find((f) => f.path === p)!.only;
      const chosen = only ? (getPath(c, only.path) ?? FIELDS.find((f) => f.path === only.path)!.default) : undefined;
      if (only && !only.values.includes(String(chosen))) {
        const [section, key] = p.split(".");
        delete (c[section] as Record<string, unknown>)[key];
      }
    }
    // keep every run tiny even when the subset leaves n at its default of 20
    if (!("n" in ((c.problem as object) ?? {}))) setPath(c, "problem.n", 4);
    if (!("maxIterations" in ((c.stop as object) ?? {}))) setPath(c, "stop.maxIterations", 10);
    return c;
  });

/** One way to break a config, and the config path the error must name (when it must name one). */
export interface Mutation {
  kind: "type" | "edge" | "unknown-key" | "section";
  path: string;
  value: unknown;
  /** The path an error must name ("" when no particular path is owed). */
  mustName: string;
}

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constantFrom(...FIELD_PATHS).chain((p) => typeJunk(p).map((v): Mutation => ({ kind: "type", path: p, value: v, mustName: p }))),
  fc.constantFrom(...FIELD_PATHS).chain((p) => edgeNumber.map((v): Mutation => ({ kind: "edge", path: p, value: v, mustName: "" }))),
  fc.tuple(fc.constantFrom("", ...SECTIONS), fc.constantFrom("nn", "stepsize", "Alpha", "k2", "extra")).map(
    ([s, k]): Mutation => ({
      kind: "unknown-key",
      path: s ? `${s}.${k}` : k,
      value: 1,
      mustName: k,
    }),
  ),
  fc
    .tuple(fc.constantFrom(...SECTIONS), fc.constantFrom(5, "x", null, [1], true))
    .map(([s, v]): Mutation => ({ kind: "section", path: s, value: v, mustName: s })),
);

/** Applies a mutation to a copy of a config (overwriting whatever is on the way). */
export function applyMutation(config: Record<string, unknown>, m: Mutation): Record<string, unknown> {
  const c = structuredClone(config);
  const keys = m.path.split(".");
  let cur = c;
  for (const k of keys.slice(0, -1)) {
    if (cur[k] === null || typeof cur[k] !== "object" || Array.isArray(cur[k])) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]] = m.value;
  return c;
}

/** Every path a ConfigError may name: schema fields (and indices below them), sections, the whole config. */
export function isKnownPath(p: string): boolean {
  return p === "(config)" || SECTIONS.includes(p) || FIELD_PATHS.some((f) => p === f || p.startsWith(`${f}.`));
}

/** Checks a thrown value is a ConfigError whose issues all name known fields; returns it. */
export function expectConfigError(e: unknown): ConfigError {
  if (!(e instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`);
  for (const i of e.issues) {
    if (!isKnownPath(i.path)) throw new Error(`ConfigError names an unknown path ${JSON.stringify(i.path)}: ${i.message}`);
  }
  return e;
}

/** Counts of outcomes, printed after each fuzzer. */
export class Tally {
  private counts = new Map<string, number>();
  constructor(readonly surface: string) {}
  add(outcome: string): void {
    this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + 1);
  }
  total(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }
  print(): void {
    const parts = [...this.counts.entries()]
      .sort()
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    process.stdout.write(`fuzz ${this.surface}: ${this.total()} cases (seed ${FUZZ_SEED}): ${parts}\n`);
  }
}

/** A stack trace line in CLI output means an uncaught exception escaped. */
export function hasStackTrace(s: string): boolean {
  return /\n\s+at .+:\d+:\d+\)?/.test(s) || /Error: .*\n\s+at /.test(s);
}

/** Rethrows anything that is not a documented refusal. */
export function isConfigError(e: unknown): e is ConfigError {
  return e instanceof ConfigError;
}
