import { z } from "zod";
import { METHODS } from "../catalogue/methods.js";
import { OPERATORS } from "../catalogue/operators.js";
import {
  type ConfigIssue, ConfigError, describeIssue, finite, initSchema, modelSchema, nonNegInt, posInt, problemSchema, recordSchema, stopSchema,
} from "../io/config-fields.js";
import { MAX_JSON_DEPTH, nestedDeeperThan } from "../io/json.js";

export {
  type ConfigIssue, type InitConfig, type ModelConfig, type ProblemConfig, type RecordConfig, type StopConfig,
  ConfigError, MAX_THREADS_PER_CORE, applySets, getPath, initSchema, modelSchema, parseSetValue, problemSchema, recordSchema, setPath, stopSchema,
} from "../io/config-fields.js";
export { SVT_MAX_ENTRIES } from "../algorithms/svt.js";

/**
 * The run configuration: plain JSON validated by one schema. Every field has a default
 * and a description (unit / meaning). Field names are a contract — add, never rename.
 *
 * The `method` and `operator` sections are folds over the catalogue (`catalogue/methods.ts`,
 * `catalogue/operators.ts`): each descriptor contributes its options and its rules, so a new
 * method or operator adds its fields here without an edit to this file. Some defaults depend
 * on other fields (n2 = n, operator.m from the operator, model.k = rank); {@link resolveConfig}
 * fills those in, so the resolved config written next to every result is complete and explicit.
 */

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/**
 * The union of the option shapes of catalogue entries (one flat section). A field declared
 * by two entries must be the same schema object (a shared option group), otherwise the
 * catalogue is inconsistent and this throws when the module loads.
 */
export function foldOptions<E extends { readonly options: z.ZodRawShape }>(entries: readonly E[], section: string, reserved: string[]): UnionToIntersection<E["options"]> {
  const shape: Record<string, z.ZodType> = {};
  for (const e of entries) {
    for (const [key, schema] of Object.entries(e.options)) {
      if (reserved.includes(key)) throw new Error(`catalogue: ${section}.${key} is a common field and cannot be redeclared by ${(e as { name?: string; type?: string }).name ?? (e as { type?: string }).type ?? "an entry"}`);
      if (shape[key] !== undefined && shape[key] !== schema) {
        throw new Error(`catalogue: ${section}.${key} is declared by two entries with different schemas; share one schema object or rename the option`);
      }
      shape[key] = schema as z.ZodType;
    }
  }
  return shape as UnionToIntersection<E["options"]>;
}

type MethodName = (typeof METHODS)[number]["name"];
type OperatorType = (typeof OPERATORS)[number]["type"];
const methodNames = METHODS.map((m) => m.name) as [MethodName, ...MethodName[]];
const operatorTypes = OPERATORS.map((o) => o.type) as [OperatorType, ...OperatorType[]];

export const operatorSchema = z
  .object({
    type: z.enum(operatorTypes).default("gaussian").describe(`sensing operator (docs/methods.md): ${OPERATORS.map((o) => `"${o.type}": ${o.summary}`).join("; ")}`),
    m: posInt("operator.m").optional().describe("number of measurements (default 5·(n1+n2)·rank; ignored by identity (m = n1·n2); ignored by completion, whose m = |Ω| is random with mean p·n1·n2, resolved to that mean; srht: at most 2^⌈log₂(n1·n2)⌉)"),
    ...foldOptions(OPERATORS, "operator", ["type", "m"]),
  })
  .strict();

export const methodSchema = z
  .object({
    name: z.enum(methodNames).default("gd").describe(`method (see docs/methods.md; options that do not apply to the chosen method are ignored): ${METHODS.map((m) => `"${m.name}": ${m.summary}`).join("; ")}`),
    stepSize: finite("method.stepSize").pipe(z.number().positive("method.stepSize must be > 0")).default(0.1).describe("step size η for the loss f = ½‖A(P) − y‖² (a paper's update X ← X − η′A*A(XXᵀ − M*)X is η = η′/2 here)"),
    ...foldOptions(METHODS, "method", ["name", "stepSize"]),
  })
  .strict();

export const configSchema = z
  .object({
    seed: nonNegInt("seed").default(0).describe("seed of every random draw"),
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

/** The catalogue entry of a method name. */
export function methodDescriptor(name: string): (typeof METHODS)[number] {
  const d = METHODS.find((m) => m.name === name);
  if (!d) throw new RangeError(`method.name "${name}" is not in the catalogue (${methodNames.join(", ")})`);
  return d;
}

/** The catalogue entry of an operator type. */
export function operatorDescriptor(type: string): (typeof OPERATORS)[number] {
  const d = OPERATORS.find((o) => o.type === type);
  if (!d) throw new RangeError(`operator.type "${type}" is not in the catalogue (${operatorTypes.join(", ")})`);
  return d;
}

// Descriptors are typed by their own options; the fold hands each one the whole resolved
// section, which holds those options (and others it ignores).
type AnyRules = (c: unknown) => ConfigIssue[];
type AnyResolve = (c: unknown) => Record<string, unknown>;

/**
 * Configs returned by {@link resolveConfig}, each with the input it was resolved from:
 * resolving one again returns it unchanged (validated once), and refusals can name the
 * fields the user actually wrote.
 */
const resolved = new WeakMap<object, unknown>();

/** The input a resolved config came from (what the user wrote), if it came from {@link resolveConfig}. */
export function configInputOf(config: ResolvedConfig): unknown {
  return resolved.get(config);
}

/**
 * Validates a config and resolves every derived default. Throws {@link ConfigError}
 * with one line per problem (field, value, what is allowed). Rules are stated once: the
 * problem / model / init / record rules here, each operator's and method's in its
 * descriptor. A config this function returned is returned as is (a run validates once).
 */
export function resolveConfig(input: unknown): ResolvedConfig {
  if (input !== null && typeof input === "object" && resolved.has(input)) return input as ResolvedConfig;
  if (nestedDeeperThan(input)) throw new ConfigError([{ path: "(config)", value: undefined, message: `is nested more than ${MAX_JSON_DEPTH} levels deep` }]);
  const parsed = configSchema.safeParse(input ?? {});
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => describeIssue(i, input)));
  const c = parsed.data;
  const errors: ConfigIssue[] = [];
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
  if (c.model.type === "symmetric" && c.problem.truth === "general") {
    errors.push({ path: "model.type", value: "symmetric", message: 'the symmetric model XXᵀ can only fit a PSD truth; use model.type = "asymmetric" or problem.truth = "psd"' });
  }
  if (c.problem.truth === "file" && c.problem.file === undefined) {
    errors.push({ path: "problem.file", value: undefined, message: 'is required with problem.truth "file": the path of a .npy file holding M* (n × n2)' });
  }
  if (c.problem.truth === "file" && c.model.type === "symmetric" && n2 !== n1) {
    errors.push({ path: "problem.n2", value: n2, message: `must equal problem.n = ${n1} for the symmetric model (M* from problem.file must be square and ` +
      `symmetric PSD)` });
  }
  if (c.problem.truth === "none") {
    if (c.stop.targetRelError > 0) errors.push({ path: "stop.targetRelError", value: c.stop.targetRelError, message: 'must be 0 with problem.truth "none" ' +
      '(there is no M* to measure the error against)' });
    if (c.record.diagnostics) errors.push({ path: "record.diagnostics", value: true, message: 'must be false with problem.truth "none" (the diagnostics ' +
      'decompose the error against M*)' });
  }
  if (c.model.type === "deep") {
    if (!(METHODS.find((d) => d.name === c.method.name) as { deep?: boolean } | undefined)?.deep) {
      errors.push({ path: "method.name", value: c.method.name, message: `model.type "deep" runs with ` +
        `${METHODS.filter((d) => (d as { deep?: boolean }).deep).map((d) => `"${d.name}"`).join(", ")}` });
    }
    if (c.init.type !== "small-random" && c.init.type !== "file") {
      errors.push({ path: "init.type", value: c.init.type, message: 'model.type "deep" starts from "small-random" (W_N ~ N(0, α²), W_1 ~ N(0, (α/ratio)²), ' +
        'middle factors ~ N(0, α²)) or "file"' });
    }
  }
  if (c.init.type === "file" && c.init.dir === undefined) {
    errors.push({ path: "init.dir", value: undefined, message: 'is required with init.type "file": a folder holding X0.npy, or F0.npy and G0.npy (as ' +
      '--save-instance writes them)' });
  }
  const k = c.model.k ?? r;
  if (k > Math.max(n1, n2) * 4) errors.push({ path: "model.k", value: k, message: `must be ≤ 4·max(n1, n2) = ${4 * Math.max(n1, n2)}` });
  if (c.init.type === "identical" && c.model.type === "asymmetric" && n1 !== n2) {
    errors.push({ path: "init.type", value: "identical", message: "G₀ = F₀ needs a square problem (n2 = n)" });
  }
  if (c.record.singularValues > Math.min(n1, n2)) {
    errors.push({ path: "record.singularValues", value: c.record.singularValues, message: `must be ≤ min(n1, n2) = ${Math.min(n1, n2)} (the product has no more singular values)` });
  }
  const problem = { ...c.problem, n2 };
  const model = { ...c.model, k };
  const op = operatorDescriptor(c.operator.type);
  const m = op.measurements({ problem, model, operator: c.operator } as never);
  const operator = { ...c.operator, m };
  // options with an "auto" value (e.g. the Gaussian storage) become the value used, recorded in config.json
  for (const resolveOptions of new Set(OPERATORS.map((o) => (o as { resolveOptions?: AnyResolve }).resolveOptions))) {
    Object.assign(operator, resolveOptions?.({ problem, model, operator }) ?? {});
  }
  const config = { ...c, problem, operator, model } as ResolvedConfig;
  errors.push(...((op.rules as AnyRules | undefined)?.(config) ?? []));
  if (c.problem.truth === "none" && !(op as { observed?: (c: unknown) => boolean }).observed?.(config)) {
    errors.push({ path: "problem.truth", value: "none", message: `needs an operator that brings its measurements y (operator.type "completion-file", or ` +
      `"dense-file" with operator.yFile); operator.type "${c.operator.type}" measures y = A(M*)` });
  }
  for (const rules of new Set(OPERATORS.map((o) => (o as { optionRules?: AnyRules }).optionRules))) errors.push(...(rules?.(config) ?? []));
  errors.push(...((methodDescriptor(c.method.name).rules as AnyRules | undefined)?.(config) ?? []));
  if (errors.length) throw new ConfigError(errors);
  resolved.set(config, input);
  return config;
}

/** One config field for `matsense config --schema`: path, meaning, default and allowed values. */
export interface FieldDescription {
  path: string;
  description: string;
  default?: unknown;
  allowed?: unknown[];
  /** The JSON type of the field when it is a string (e.g. a file path). */
  type?: "string";
}

interface JsonSchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchemaNode>;
  anyOf?: JsonSchemaNode[];
  allOf?: JsonSchemaNode[];
}

/** The JSON Schema of the config (zod's own export), for tools and `config --schema --json`. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
}

/** Every field of the config with its default, meaning and allowed values (from {@link configJsonSchema}). */
export function describeConfig(): FieldDescription[] {
  const out: FieldDescription[] = [];
  const walk = (node: JsonSchemaNode, prefix: string) => {
    if (node.properties) {
      for (const [k, v] of Object.entries(node.properties)) walk(v, prefix ? `${prefix}.${k}` : k);
      return;
    }
    const entry: FieldDescription = { path: prefix, description: node.description ?? "" };
    if (node.default !== undefined) entry.default = node.default;
    const allowed = node.enum ?? node.anyOf?.find((a) => a.enum)?.enum ?? node.allOf?.find((a) => a.enum)?.enum;
    if (allowed) entry.allowed = allowed;
    if (node.type === "string" && !allowed) entry.type = "string";
    out.push(entry);
  };
  walk(configJsonSchema() as JsonSchemaNode, "");
  return out;
}
