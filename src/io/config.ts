import * as os from "node:os";
import { z } from "zod";
import { JsonInputError, MAX_JSON_DEPTH, nestedDeeperThan, parseJsonText } from "./json.js";

/**
 * The run configuration: plain JSON validated by one schema. Every field has a default
 * and a description (unit / meaning). Field names are a contract — add, never rename.
 *
 * Some defaults depend on other fields (n2 = n, operator.m = 5·(n1+n2)·rank, model.k =
 * rank); {@link resolveConfig} fills those in, so the resolved config written next to
 * every result is complete and explicit.
 */

/** "must be a number", or "is not a finite number" for ±Infinity/NaN (which z.number() rejects as a type error). */
const numberError = (what: string) => (iss: { input?: unknown }) =>
  typeof iss.input === "number" ? `${what} is not a finite number` : `${what} must be a number`;
/** An integer field: a finite number, at most 2^53 − 1 in magnitude (beyond, integers are not exact), integral. */
const safeInt = (what: string) =>
  z.number({ error: numberError(what) })
    .refine((v) => Math.abs(v) <= Number.MAX_SAFE_INTEGER, { message: `${what} exceeds the largest safe integer 2^53 − 1 = 9007199254740991`, abort: true })
    .int(`${what} must be an integer`);
const posInt = (what: string) => safeInt(what).positive(`${what} must be ≥ 1`);
const nonNegInt = (what: string) => safeInt(what).min(0, `${what} must be ≥ 0`);
const finite = (what: string) => z.number({ error: numberError(what) }).refine(Number.isFinite, `${what} must be finite`);

export const problemSchema = z
  .object({
    n: posInt("problem.n").default(20).describe("rows of the ground truth M* (n1)"),
    n2: posInt("problem.n2").optional().describe("columns of M* (default: n); must equal n for a PSD truth"),
    rank: posInt("problem.rank").default(2).describe("rank r of M*"),
    truth: z.enum(["psd", "general"]).default("psd").describe('"psd": M* = U diag(σ) Uᵀ; "general": M* = U diag(σ) Vᵀ'),
    kappa: finite("problem.kappa").pipe(z.number().min(1, "problem.kappa must be ≥ 1")).default(1).describe("condition number σ₁/σ_r of M*"),
    spectrum: z.enum(["linspace", "geomspace"]).default("linspace").describe("spacing of σ from 1 down to 1/κ"),
    singularValues: z
      .array(finite("problem.singularValues[i]").pipe(z.number().positive("problem.singularValues entries must be > 0")))
      .optional()
      .describe("explicit σ (overrides kappa/spectrum; its length must equal rank)"),
    noise: finite("problem.noise").pipe(z.number().min(0, "problem.noise must be ≥ 0")).default(0).describe("std of i.i.d. Gaussian noise added to each measurement y_i"),
    outliers: finite("problem.outliers").pipe(z.number().min(0, "problem.outliers must be ≥ 0").max(0.5, "problem.outliers must be ≤ 0.5")).default(0).describe("fraction of the measurements y_i corrupted by gross outliers (round(fraction·m) entries, chosen uniformly; random stream \"outliers\")"),
    outlierScale: finite("problem.outlierScale").pipe(z.number().positive("problem.outlierScale must be > 0")).default(10).describe("an outlier adds outlierScale·rms(A(M*))·N(0,1) to its y_i"),
  })
  .strict();

export const operatorSchema = z
  .object({
    type: z.enum(["gaussian", "symmetric-gaussian", "identity", "completion", "rank-one", "srht"]).default("gaussian").describe('sensing operator (DESIGN §2, docs/methods.md): "completion" samples entries with rate operator.p; "rank-one" A_i = a_i b_iᵀ (a_i a_iᵀ/√2 for the symmetric model); "srht" subsampled randomized Hadamard transform of vec(Z)'),
    m: posInt("operator.m").optional().describe("number of measurements (default 5·(n1+n2)·rank; ignored by identity; ignored by completion, whose m = |Ω| is random with mean p·n1·n2, resolved to that mean; srht: at most 2^⌈log₂(n1·n2)⌉)"),
    p: finite("operator.p").pipe(z.number().gt(0, "operator.p must be > 0").max(1, "operator.p must be ≤ 1")).default(0.3).describe("completion: probability that an entry is observed (ignored by other operators)"),
    storage: z.enum(["auto", "float64", "float32", "packed", "regenerate"]).default("auto").describe('how Gaussian operators hold A: "auto" (default: "packed" for symmetric-gaussian — the same draws, results differ from "float64" only by summation order — else "float64"; the choice is recorded in config.json); "float64"; "float32" (the entries are float32 values, accumulation in float64, half the memory); "packed" (symmetric-gaussian only: the n(n+1)/2 upper-triangle entries, same values as float64); "regenerate" (matrix-free: rows regenerated from a counter-based seed every iteration — a different instance than the stored storages, slower, unlimited size)'),
    backend: z.enum(["auto", "ts", "wasm"]).default("auto").describe("kernel backend for the hot loop (auto: WASM SIMD when available and the operator fits its 4 GiB memory, else ts); the backend used is recorded in config.json"),
    threads: nonNegInt("operator.threads").default(0).describe("threads for the wasm backend's operator multiplies (0 = automatic: 2 on ≥ 2 cores for operators ≥ 16 MiB, else 1 — and 1 per run when a sweep runs one run per core; results do not depend on it; the ts backend and storage regenerate need 1)"),
  })
  .strict();

export const modelSchema = z
  .object({
    type: z.enum(["symmetric", "asymmetric"]).default("symmetric").describe("XXᵀ (symmetric) or FGᵀ (asymmetric)"),
    k: posInt("model.k").optional().describe("columns of the factors (default: rank); k > rank is over-parameterized"),
  })
  .strict();

export const initSchema = z
  .object({
    type: z.enum(["small-random", "identical", "spectral", "scaled-identity"]).default("small-random").describe('"small-random": X₀, F₀ ~ N(0, α²), G₀ ~ N(0, (α/ratio)²) independent; "identical": G₀ = F₀; "spectral": top-k eigenpairs / singular triplets of A*(y), X₀ = U_k Λ_k^{1/2}, F₀ = U Σ^{1/2}, G₀ = V Σ^{1/2} (alpha and ratio ignored); "scaled-identity": X₀ = F₀ = α·I (n×k, ones on the diagonal), G₀ = (α/ratio)·I — deterministic, the worst-case instance of Xiong, Ding & Du'),
    alpha: finite("init.alpha").pipe(z.number().positive("init.alpha must be > 0")).default(1e-3).describe("init scale α: entry std of X₀ / F₀"),
    ratio: finite("init.ratio").pipe(z.number().positive("init.ratio must be > 0")).default(3).describe("F₀ scale / G₀ scale (G₀ std = α/ratio); 1 = balanced"),
  })
  .strict();

export const methodSchema = z
  .object({
    name: z
      .enum(["gd", "scaled-gd", "scaled-gd-lambda", "precgd", "gradient-flow", "subgradient-l1", "svt"])
      .default("gd")
      .describe("method (see docs/methods.md); options that do not apply to the chosen method are ignored"),
    stepSize: finite("method.stepSize").pipe(z.number().positive("method.stepSize must be > 0")).default(0.1).describe("step size η in the ½-loss convention of DESIGN §2"),
    balanceWeight: finite("method.balanceWeight").pipe(z.number().min(0, "method.balanceWeight must be ≥ 0")).default(0).describe("gd on FGᵀ: weight μ of the balancing regularizer (μ/4)‖FᵀF − GᵀG‖²_F added to the loss (0 = off)"),
    rebalanceAtIteration: nonNegInt("method.rebalanceAtIteration").optional().describe("gd on FGᵀ: one-step rebalancing (F, G) ← (F P, G P⁻ᵀ), P = (FᵀF)^(−1/2), right after this iteration (0 = at the init; unset = off)"),
    rebalanceBelowRelResidual: finite("method.rebalanceBelowRelResidual").pipe(z.number().positive("method.rebalanceBelowRelResidual must be > 0")).optional().describe("gd on FGᵀ: one-step rebalancing the first time ‖A(FGᵀ) − y‖/‖y‖ < this (unset = off)"),
    lambda: finite("method.lambda").pipe(z.number().positive("method.lambda must be > 0")).default(0.01).describe("scaled-gd-lambda: damping λ of the preconditioner (XᵀX + λI)⁻¹, in units of M* (σ₁ = 1 by default)"),
    dampingScale: finite("method.dampingScale").pipe(z.number().min(0, "method.dampingScale must be ≥ 0")).default(1).describe("precgd: λ_t = max(dampingFloor, dampingScale·‖A(P_t) − y‖₂)"),
    dampingFloor: finite("method.dampingFloor").pipe(z.number().positive("method.dampingFloor must be > 0")).default(1e-15).describe("precgd: lower bound of λ_t (keeps the k×k solve well posed at convergence; too small to limit accuracy)"),
    tolerance: finite("method.tolerance").pipe(z.number().min(1e-14, "method.tolerance must be ≥ 1e-14 (float64 rounding alone leaves a relative local error of about 1e-16 per step, so a smaller tolerance cannot be met)").lt(1, "method.tolerance must be < 1")).default(1e-8).describe("gradient-flow: relative local error per Runge–Kutta step, ‖err‖₂ ≤ tolerance·‖x‖₂ (method.stepSize = first trial step)"),
    decay: finite("method.decay").pipe(z.number().gt(0, "method.decay must be > 0").max(1, "method.decay must be ≤ 1")).default(0.98).describe("subgradient-l1: steps η_t = stepSize·decay^t"),
    tau: finite("method.tau").pipe(z.number().min(0, "method.tau must be ≥ 0")).optional().describe("svt: singular value threshold τ (default 5‖y‖₂ ≈ 5‖M*‖_F)"),
  })
  .strict();

export const stopSchema = z
  .object({
    maxIterations: nonNegInt("stop.maxIterations").default(1000).describe("iterations to run at most"),
    targetRelError: finite("stop.targetRelError").pipe(z.number().min(0, "stop.targetRelError must be ≥ 0")).default(0).describe("stop when ‖P − M*‖_F/‖M*‖_F ≤ this (0 disables)"),
    maxSeconds: finite("stop.maxSeconds").pipe(z.number().min(0, "stop.maxSeconds must be ≥ 0")).default(0).describe("wall-clock budget in seconds (0 disables)"),
    divergenceRelError: finite("stop.divergenceRelError").pipe(z.number().gt(1, "stop.divergenceRelError must be > 1")).default(1e6).describe("status diverged when the relative error exceeds this or any metric is non-finite"),
  })
  .strict();

export const recordSchema = z
  .object({
    every: posInt("record.every").default(1).describe("record metrics every this many iterations (linear schedule)"),
    schedule: z.enum(["linear", "log"]).default("linear").describe('"linear": every `every` iterations; "log": about `perDecade` log-spaced iterations per decade'),
    perDecade: posInt("record.perDecade").default(20).describe("points per decade for the log schedule"),
    singularValues: nonNegInt("record.singularValues").default(0).describe("record this many top singular values of the product (columns sv_1…)"),
    imbalanceEigenvalues: z.boolean().default(false).describe("record the eigenvalues of FᵀF − GᵀG (columns imb_eig_1…; asymmetric only)"),
    diagnostics: z.boolean().default(false).describe("record signal_error, spurious_norm, cross_error, alignment_X (or alignment_F, alignment_G), perturbation_ratio and imbalance_min_eig (docs/diagnostics.md; factored methods only)"),
  })
  .strict();

export const configSchema = z
  .object({
    seed: nonNegInt("seed").pipe(z.number().max(Number.MAX_SAFE_INTEGER)).default(0).describe("seed of every random draw"),
    problem: problemSchema.prefault({}),
    operator: operatorSchema.prefault({}),
    model: modelSchema.prefault({}),
    init: initSchema.prefault({}),
    method: methodSchema.prefault({}),
    stop: stopSchema.prefault({}),
    record: recordSchema.prefault({}),
  })
  .strict();

/** A config as written by a user (every field optional). */
export type ConfigInput = z.input<typeof configSchema>;
/** A validated config with defaults applied (some derived fields may still be unset). */
export type ParsedConfig = z.output<typeof configSchema>;

/** The fully resolved config: every derived default made explicit. */
export interface ResolvedConfig extends ParsedConfig {
  problem: ParsedConfig["problem"] & { n2: number };
  operator: ParsedConfig["operator"] & { m: number; storage: Exclude<ParsedConfig["operator"]["storage"], "auto"> };
  model: ParsedConfig["model"] & { k: number };
}

/** A config error: names the field, the value and what is allowed. */
export class ConfigError extends Error {
  constructor(readonly issues: { path: string; value: unknown; message: string }[]) {
    super(
      issues
        .map((i) => `${i.path || "(config)"}: ${i.message}${i.value === undefined ? "" : ` (got ${fmtValue(i.value)})`}`)
        .join("\n"),
    );
    this.name = "ConfigError";
  }
}

function fmtValue(v: unknown): string {
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? s.slice(0, 77) + "..." : s;
}

function valueAt(obj: unknown, path: PropertyKey[]): unknown {
  let cur: unknown = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): { path: string; value: unknown; message: string } {
  const path = issue.path.map(String).join(".");
  const value = valueAt(input, issue.path);
  let message = issue.message;
  if (issue.code === "invalid_value" && "values" in issue) {
    message = `must be one of ${(issue.values as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
  } else if (issue.code === "unrecognized_keys") {
    const where = path ? `${path}.` : "";
    return { path: path || "(config)", value: undefined, message: `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => where + k).join(", ")} (check the spelling; see \`matsense config --schema\`)` };
  } else if (issue.code === "invalid_type" && message.startsWith("Invalid")) {
    message = issue.expected === "int" ? "must be an integer" : `must be ${issue.expected}`;
  }
  // custom messages name their field ("init.alpha must be > 0"); don't repeat it after "init.alpha: "
  if (path && message.startsWith(path + " ")) message = message.slice(path.length + 1);
  return { path, value, message };
}

/**
 * Validates a config and resolves every derived default. Throws {@link ConfigError}
 * with one line per problem (field, value, what is allowed).
 */
export function resolveConfig(input: unknown): ResolvedConfig {
  if (nestedDeeperThan(input)) throw new ConfigError([{ path: "(config)", value: undefined, message: `is nested more than ${MAX_JSON_DEPTH} levels deep` }]);
  const parsed = configSchema.safeParse(input ?? {});
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => describeIssue(i, input)));
  const c = parsed.data;
  const errors: { path: string; value: unknown; message: string }[] = [];
  const n1 = c.problem.n;
  const n2 = c.problem.n2 ?? n1;
  const r = c.problem.rank;
  if (r > Math.min(n1, n2)) errors.push({ path: "problem.rank", value: r, message: `must be ≤ min(n, n2) = ${Math.min(n1, n2)}` });
  if (c.problem.singularValues && c.problem.singularValues.length !== r) {
    errors.push({ path: "problem.singularValues", value: c.problem.singularValues, message: `must have exactly problem.rank = ${r} entries` });
  }
  if (c.problem.truth === "psd" && n2 !== n1) {
    errors.push({ path: "problem.n2", value: n2, message: `must equal problem.n = ${n1} for a PSD truth (use problem.truth = "general")` });
  }
  if (c.model.type === "symmetric" && c.problem.truth !== "psd") {
    errors.push({ path: "model.type", value: "symmetric", message: 'the symmetric model XXᵀ can only fit a PSD truth; use model.type = "asymmetric" or problem.truth = "psd"' });
  }
  if (c.operator.type === "symmetric-gaussian" && n2 !== n1) {
    errors.push({ path: "operator.type", value: "symmetric-gaussian", message: `needs a square problem (n2 = ${n2} ≠ n = ${n1})` });
  }
  if (c.operator.storage === "packed" && c.operator.type !== "symmetric-gaussian") {
    errors.push({ path: "operator.storage", value: "packed", message: 'packed storage needs operator.type "symmetric-gaussian" (use "float64" or "float32")' });
  }
  if (c.operator.storage === "regenerate" && c.operator.type !== "gaussian" && c.operator.type !== "symmetric-gaussian") {
    errors.push({ path: "operator.storage", value: "regenerate", message: 'regenerate storage needs operator.type "gaussian" or "symmetric-gaussian"' });
  }
  if (c.operator.storage === "regenerate" && c.operator.backend === "wasm") {
    errors.push({ path: "operator.backend", value: "wasm", message: 'operator.storage "regenerate" runs on the ts backend; use operator.backend "auto" or "ts"' });
  }
  if (c.operator.threads > 1 && (c.operator.backend === "ts" || c.operator.storage === "regenerate")) {
    errors.push({ path: "operator.threads", value: c.operator.threads, message: `must be 0 (auto) or 1 with ${c.operator.backend === "ts" ? 'operator.backend "ts"' : 'operator.storage "regenerate"'}; threads need the wasm backend` });
  }
  if (c.record.singularValues > Math.min(n1, n2)) {
    errors.push({ path: "record.singularValues", value: c.record.singularValues, message: `must be ≤ min(n1, n2) = ${Math.min(n1, n2)} (the product has no more singular values)` });
  }
  const maxThreads = MAX_THREADS_PER_CORE * os.availableParallelism();
  if (c.operator.threads > maxThreads) {
    errors.push({ path: "operator.threads", value: c.operator.threads, message: `must be ≤ ${maxThreads} (${MAX_THREADS_PER_CORE} × the ${os.availableParallelism()} cores of this machine; 0 = automatic)` });
  }
  const k = c.model.k ?? r;
  if (k > Math.max(n1, n2) * 4) errors.push({ path: "model.k", value: k, message: `must be ≤ 4·max(n1, n2) = ${4 * Math.max(n1, n2)}` });
  if (c.init.type === "identical" && c.model.type === "asymmetric" && n1 !== n2) {
    errors.push({ path: "init.type", value: "identical", message: "G₀ = F₀ needs a square problem (n2 = n)" });
  }
  const m =
    c.operator.type === "identity" ? n1 * n2
    : c.operator.type === "completion" ? Math.max(1, Math.round(c.operator.p * n1 * n2))
    : (c.operator.m ?? 5 * (n1 + n2) * r);
  errors.push(...methodOperatorErrors(c, n1, n2, m));
  if (errors.length) throw new ConfigError(errors);
  return {
    ...c,
    problem: { ...c.problem, n2 },
    operator: { ...c.operator, m, storage: c.operator.storage === "auto" ? (c.operator.type === "symmetric-gaussian" ? "packed" : "float64") : c.operator.storage },
    model: { ...c.model, k },
  };
}

/** operator.threads may be at most this many times the machine's cores (more only oversubscribes). */
export const MAX_THREADS_PER_CORE = 4;

/** Largest number of n1×n2 entries for which the dense-matrix method svt is allowed. */
export const SVT_MAX_ENTRIES = 1_000_000;

/** Method/operator combinations that are not defined (each names the field and what is allowed). */
function methodOperatorErrors(c: ParsedConfig, n1: number, n2: number, m: number): { path: string; value: unknown; message: string }[] {
  const errors: { path: string; value: unknown; message: string }[] = [];
  if (c.operator.type === "srht") {
    let L = 1;
    while (L < n1 * n2) L *= 2;
    if (m > L) errors.push({ path: "operator.m", value: m, message: `srht samples distinct rows of the ${L}×${L} Hadamard transform of vec(Z) (n1·n2 = ${n1 * n2} padded to a power of two), so operator.m must be ≤ ${L}` });
  }
  const k = c.model.k ?? c.problem.rank;
  if (c.method.name === "scaled-gd" && k > Math.min(n1, n2)) {
    errors.push({
      path: "model.k", value: k,
      message: `scaled-gd preconditions with (GᵀG)⁻¹ and (FᵀF)⁻¹, which are singular for k > min(n1, n2) = ${Math.min(n1, n2)}; use scaled-gd-lambda or precgd`,
    });
  }
  if (c.method.name === "gd" && c.model.type === "asymmetric" && (c.method.rebalanceAtIteration !== undefined || c.method.rebalanceBelowRelResidual !== undefined) && k > n1) {
    errors.push({
      path: "method.rebalanceAtIteration", value: c.method.rebalanceAtIteration ?? c.method.rebalanceBelowRelResidual,
      message: `one-step rebalancing needs FᵀF invertible, impossible for model.k = ${k} > n1 = ${n1}`,
    });
  }
  if (c.method.name === "svt" && n1 * n2 > SVT_MAX_ENTRIES) {
    errors.push({
      path: "method.name", value: "svt",
      message: `svt works on a dense n1×n2 matrix variable and takes a full SVD of it every iteration; n1·n2 = ${n1 * n2} exceeds ${SVT_MAX_ENTRIES} — use a factored method (gd, scaled-gd, …) for this size`,
    });
  }
  return errors;
}

/** Sets `path` (dot-separated, e.g. "init.alpha") in a plain JSON object, creating objects on the way. */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  if (keys.some((k) => k === "" || k === "__proto__" || k === "constructor" || k === "prototype")) {
    throw new ConfigError([{ path, value, message: "is not a valid config path" }]);
  }
  let cur: Record<string, unknown> = obj;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    if (next === undefined) cur[k] = {};
    else if (next === null || typeof next !== "object" || Array.isArray(next)) {
      throw new ConfigError([{ path, value, message: `cannot set inside ${k}, which is not an object` }]);
    }
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]] = value;
}

/** Reads `path` (dot-separated) from a plain object, or undefined. */
export function getPath(obj: unknown, path: string): unknown {
  return valueAt(obj, path.split("."));
}

/**
 * Parses the value of a `--set path=value` flag: JSON when it parses (numbers, booleans,
 * arrays, quoted strings), otherwise the raw string. JSON that breaks a strict rule of
 * src/io/json.ts (nesting deeper than 64, a duplicate key, a number that overflows or
 * underflows) is refused with a ConfigError naming `path` (when given).
 */
export function parseSetValue(raw: string, path = "--set"): unknown {
  try {
    return parseJsonText(raw, { object: false, source: `--set ${path}` });
  } catch (e) {
    if (e instanceof JsonInputError && e.kind !== "syntax" && e.kind !== "empty") {
      const first = e.message.split("\n")[0].replace(`--set ${path}, `, "").replace(`--set ${path}: `, "");
      throw new ConfigError([{ path, value: undefined, message: raw.includes("\n") ? first : first.replace(/^line 1, column \d+: /, "") }]);
    }
    return raw;
  }
}

/** Applies `--set path=value` assignments to a config object (in place). */
export function applySets(obj: Record<string, unknown>, sets: string[]): void {
  for (const s of sets) {
    const eq = s.indexOf("=");
    if (eq <= 0) throw new ConfigError([{ path: s, value: undefined, message: "--set expects path=value, e.g. --set init.alpha=0.01" }]);
    const path = s.slice(0, eq).trim();
    setPath(obj, path, parseSetValue(s.slice(eq + 1).trim(), path));
  }
}

/** A JSON description of every field: path, default, and description (for `matsense config --schema`). */
export function describeConfig(): { path: string; description: string; default?: unknown; allowed?: unknown[] }[] {
  const out: { path: string; description: string; default?: unknown; allowed?: unknown[] }[] = [];
  const walk = (schema: z.ZodType, prefix: string) => {
    const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
    const inner = def.innerType as z.ZodType | undefined;
    if (def.type === "object") {
      const shape = def.shape as Record<string, z.ZodType>;
      for (const [k, v] of Object.entries(shape)) walk(v, prefix ? `${prefix}.${k}` : k);
      return;
    }
    if ((def.type === "default" || def.type === "prefault" || def.type === "optional") && inner) {
      const innerDef = (inner as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
      if (innerDef.type === "object") return walk(inner, prefix);
    }
    const entry: { path: string; description: string; default?: unknown; allowed?: unknown[] } = {
      path: prefix,
      description: schema.description ?? "",
    };
    if (def.type === "default") {
      const dv = def.defaultValue;
      entry.default = typeof dv === "function" ? (dv as () => unknown)() : dv;
    }
    let core: Record<string, unknown> = def;
    while ((core.type === "default" || core.type === "optional" || core.type === "pipe") && (core.innerType || core.in)) {
      const next = (core.innerType ?? core.in) as { _zod: { def: Record<string, unknown> } };
      core = next._zod.def;
    }
    if (core.type === "enum") entry.allowed = Object.values(core.entries as Record<string, unknown>);
    out.push(entry);
  };
  walk(configSchema, "");
  return out;
}
