import { z } from "zod";
import { JsonInputError, parseJsonText } from "./json.js";

/**
 * The parts of the run configuration that do not depend on the catalogue of methods and
 * operators: field builders with messages that name the field, the problem / model /
 * init / stop / record sections, the error type and the `--set path=value` helpers.
 * The full schema (with the `operator` and `method` sections folded from the catalogue)
 * is in `config/schema.ts`.
 */

/** "must be a number", or "is not a finite number" for ±Infinity/NaN (which z.number() rejects as a type error). */
const numberError = (what: string) => (iss: { input?: unknown }) =>
  typeof iss.input === "number" ? `${what} is not a finite number` : `${what} must be a number`;
/** An integer field: a finite number, at most 2^53 − 1 in magnitude (beyond, integers are not exact), integral. */
const safeInt = (what: string) =>
  z
    .number({ error: numberError(what) })
    .refine((v) => Math.abs(v) <= Number.MAX_SAFE_INTEGER, { message: `${what} exceeds the largest safe integer 2^53 − 1 = 9007199254740991`, abort: true })
    .int(`${what} must be an integer`);
export const posInt = (what: string) => safeInt(what).positive(`${what} must be ≥ 1`);
export const nonNegInt = (what: string) => safeInt(what).min(0, `${what} must be ≥ 0`);
export const finite = (what: string) => z.number({ error: numberError(what) }).refine(Number.isFinite, `${what} must be finite`);

/** operator.threads may be at most this many times the machine's cores (more only oversubscribes). */
export const MAX_THREADS_PER_CORE = 4;

export const problemSchema = z
  .object({
    n: posInt("problem.n").default(20).describe("rows of the ground truth M* (n1)"),
    n2: posInt("problem.n2").optional().describe("columns of M* (default: n); must equal n for a PSD truth"),
    rank: posInt("problem.rank").default(2).describe("rank r of M*"),
    truth: z
      .enum(["psd", "general", "file", "none"])
      .default("psd")
      .describe(
        '"psd": M* = U diag(σ) Uᵀ; "general": M* = U diag(σ) Vᵀ; "file": M* read from problem.file; "none": no M* (the operator brings y, e.g. ' +
          '"completion-file"; the truth-based columns are omitted) (docs/inputs.md)',
      ),
    file: z
      .string()
      .min(1, "problem.file must be a path")
      .optional()
      .describe(
        'problem.truth "file": a .npy file holding M* (n × n2, float64/float32; kappa, spectrum and singularValues are ignored; its numerical rank ' +
          "is checked against problem.rank with a warning; a relative path is relative to the working directory)",
      ),
    kappa: finite("problem.kappa").pipe(z.number().min(1, "problem.kappa must be ≥ 1")).default(1).describe("condition number σ₁/σ_r of M*"),
    spectrum: z.enum(["linspace", "geomspace"]).default("linspace").describe("spacing of σ from 1 down to 1/κ"),
    singularValues: z
      .array(finite("problem.singularValues[i]").pipe(z.number().positive("problem.singularValues entries must be > 0")))
      .optional()
      .describe("explicit σ (overrides kappa/spectrum; its length must equal rank)"),
    noise: finite("problem.noise")
      .pipe(z.number().min(0, "problem.noise must be ≥ 0"))
      .default(0)
      .describe("std of i.i.d. Gaussian noise added to each measurement y_i"),
    outliers: finite("problem.outliers")
      .pipe(z.number().min(0, "problem.outliers must be ≥ 0").max(0.5, "problem.outliers must be ≤ 0.5"))
      .default(0)
      .describe('fraction of the measurements y_i corrupted by gross outliers (round(fraction·m) entries, chosen uniformly; random stream "outliers")'),
    outlierScale: finite("problem.outlierScale")
      .pipe(z.number().positive("problem.outlierScale must be > 0"))
      .default(10)
      .describe("an outlier adds outlierScale·rms(A(M*))·N(0,1) to its y_i"),
  })
  .strict();

export const modelSchema = z
  .object({
    type: z
      .enum(["symmetric", "asymmetric", "deep"])
      .default("symmetric")
      .describe(
        "XXᵀ (symmetric), FGᵀ (asymmetric) or the deep product W_N⋯W_1 (deep: W_1 k×n2, W_2…W_{N−1} k×k, W_N n1×k; depth 2 is FGᵀ with F = W_2, G = W_1ᵀ)",
      ),
    depth: posInt("model.depth")
      .pipe(z.number().min(2, "model.depth must be ≥ 2"))
      .default(2)
      .describe("deep: the number N ≥ 2 of factors of W_N⋯W_1 (ignored by the other models)"),
    k: posInt("model.k").optional().describe("columns of the factors (default: rank); k > rank is over-parameterized"),
  })
  .strict();

export const initSchema = z
  .object({
    type: z
      .enum(["small-random", "identical", "spectral", "scaled-identity", "file"])
      .default("small-random")
      .describe(
        '"file": X0.npy or F0.npy + G0.npy read from the folder init.dir (the names --save-instance writes); "small-random": X₀, F₀ ~ N(0, α²), G₀ ~ ' +
          'N(0, (α/ratio)²) independent; "identical": G₀ = F₀; "spectral": top-k eigenpairs / singular triplets of A*(y), X₀ = U_k Λ_k^{1/2}, F₀ = ' +
          "U Σ^{1/2}, " +
          'G₀ = V Σ^{1/2} (alpha and ratio ignored); "scaled-identity": X₀ = F₀ = α·I (n×k, ones on the diagonal), G₀ = (α/ratio)·I — deterministic, the ' +
          "worst-case instance of Xiong, Ding & Du",
      ),
    alpha: finite("init.alpha").pipe(z.number().positive("init.alpha must be > 0")).default(1e-3).describe("init scale α: entry std of X₀ / F₀"),
    dir: z
      .string()
      .min(1, "init.dir must be a path")
      .optional()
      .describe(
        'init.type "file": the folder holding X0.npy (symmetric model) or F0.npy and G0.npy (asymmetric), e.g. a run folder written with ' +
          "--save-instance (relative to the working directory)",
      ),
    ratio: finite("init.ratio").pipe(z.number().positive("init.ratio must be > 0")).default(3).describe("F₀ scale / G₀ scale (G₀ std = α/ratio); 1 = balanced"),
    alphaOf: z
      .enum(["factor", "product"])
      .optional()
      .describe(
        'deep model, "small-random": what α scales. "factor" (absent): every factor\'s entries ~ N(0, α²), W_1\'s ~ N(0, (α/ratio)²); "product": the ' +
          "end-to-end scale of Arora et al.'s code — each factor's entry std is α^{1/N}/√k (W_1's divided by ratio), so E‖W_N⋯W_1‖_F² = n1·n2·α²/(k·ratio²)",
      ),
  })
  .strict();

export const stopSchema = z
  .object({
    maxIterations: nonNegInt("stop.maxIterations").default(1000).describe("iterations to run at most"),
    targetRelError: finite("stop.targetRelError")
      .pipe(z.number().min(0, "stop.targetRelError must be ≥ 0"))
      .default(0)
      .describe("stop when ‖P − M*‖_F/‖M*‖_F ≤ this (0 disables)"),
    targetLoss: finite("stop.targetLoss")
      .pipe(z.number().min(0, "stop.targetLoss must be ≥ 0"))
      .optional()
      .describe("stop (status converged) when the loss ½‖A(P) − y‖² ≤ this, e.g. once the observed entries are fitted (absent or 0: off; needs no M*)"),
    maxSeconds: finite("stop.maxSeconds")
      .pipe(z.number().min(0, "stop.maxSeconds must be ≥ 0"))
      .default(0)
      .describe("wall-clock budget in seconds (0 disables)"),
    noiseFloor: finite("stop.noiseFloor")
      .refine(
        (v) => v === 0 || v >= 1,
        "stop.noiseFloor must be 0 (off) or a multiple ≥ 1 of the noise floor (below 1 asks for an error the exact model does not reach)",
      )
      .optional()
      .describe(
        "stop (status converged) once ‖P − M*‖_F ≤ this multiple of the exact model's noise floor s·√(d·m/(m − d − 1)) (docs/diagnostics.md); " +
          "absent or 0: off; inert without noise; the floor used is in summary.json `noiseFloor`",
      ),
    divergenceRelError: finite("stop.divergenceRelError")
      .pipe(z.number().gt(1, "stop.divergenceRelError must be > 1"))
      .default(1e6)
      .describe("status diverged when the relative error exceeds this or any metric is non-finite"),
  })
  .strict();

export const recordSchema = z
  .object({
    every: posInt("record.every").default(1).describe("record metrics every this many iterations (linear schedule)"),
    schedule: z
      .enum(["linear", "log"])
      .default("linear")
      .describe('"linear": every `every` iterations; "log": about `perDecade` log-spaced iterations per decade'),
    perDecade: posInt("record.perDecade").default(20).describe("points per decade for the log schedule"),
    singularValues: nonNegInt("record.singularValues")
      .default(0)
      .describe("record this many top singular values of the product — XXᵀ, FGᵀ, or the matrix iterate X of svt and mirror-descent (columns sv_1…)"),
    imbalanceEigenvalues: z.boolean().default(false).describe("record the eigenvalues of FᵀF − GᵀG (columns imb_eig_1…; asymmetric only)"),
    effectiveRank: z
      .boolean()
      .default(false)
      .describe(
        "record effective_rank = exp(−Σ p_i log p_i), p_i = σ_i/Σσ_j over the singular values of the product (Roy & Vetterli 2007; every model and " +
          "method)",
      ),
    nuclearNorm: z
      .boolean()
      .default(false)
      .describe("record nuclear_norm = ‖P‖_* = Σ σ_i(P), the sum of the singular values of the product (every model and method; docs/diagnostics.md)"),
    diagnostics: z
      .boolean()
      .default(false)
      .describe(
        "record signal_error, spurious_norm, cross_error, alignment_X (or alignment_F, alignment_G), perturbation_ratio, operator_factor, " +
          "imbalance_min_eig and slow_mode_norm2 (docs/diagnostics.md; factored methods only)",
      ),
  })
  .strict();

/** The resolved `stop` section. */
export type StopConfig = z.output<typeof stopSchema>;
/** The resolved `record` section. */
export type RecordConfig = z.output<typeof recordSchema>;
/** The resolved `problem` section (n2 made explicit). */
export type ProblemConfig = z.output<typeof problemSchema> & { n2: number };
/** The resolved `model` section (k made explicit). */
export type ModelConfig = z.output<typeof modelSchema> & { k: number };
/** The resolved `init` section. */
export type InitConfig = z.output<typeof initSchema>;

/** One problem with a config: the field (dot path), the value and what is allowed. */
export interface ConfigIssue {
  path: string;
  value: unknown;
  message: string;
}

/** A config error: names the field, the value and what is allowed. */
export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map((i) => `${i.path || "(config)"}: ${i.message}${i.value === undefined ? "" : ` (got ${fmtValue(i.value)})`}`).join("\n"));
    this.name = "ConfigError";
  }
}

function fmtValue(v: unknown): string {
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  let s: string | undefined;
  try {
    // a library caller may pass what JSON cannot hold (a BigInt, a cycle): shown, not thrown
    s = JSON.stringify(v, (_, x: unknown) => (typeof x === "bigint" ? `${x}n` : x));
  } catch {
    s = String(v);
  }
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

export function describeIssue(issue: z.core.$ZodIssue, input: unknown): ConfigIssue {
  const path = issue.path.map(String).join(".");
  const value = valueAt(input, issue.path);
  let message = issue.message;
  if (issue.code === "invalid_value" && "values" in issue) {
    message = `must be one of ${(issue.values as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
  } else if (issue.code === "unrecognized_keys") {
    const where = path ? `${path}.` : "";
    return {
      path: path || "(config)",
      value: undefined,
      message:
        `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => where + k).join(", ")} (check the spelling; see ` +
        `\`matsense config --schema\`)`,
    };
  } else if (issue.code === "invalid_union" && /^Invalid discriminator value\. Expected /.test(message)) {
    const values = message.replace(/^Invalid discriminator value\. Expected /, "").split(" | ");
    message = `must be one of ${values.map((v) => `"${v.replace(/^'|'$/g, "")}"`).join(", ")}`;
  } else if (issue.code === "invalid_type" && message.startsWith("Invalid")) {
    message = issue.expected === "int" ? "must be an integer" : `must be ${issue.expected}`;
  }
  // custom messages name their field ("init.alpha must be > 0"); don't repeat it after "init.alpha: "
  if (path && message.startsWith(path + " ")) message = message.slice(path.length + 1);
  return { path, value, message };
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
