import { z } from "zod";
import { METHODS } from "../catalogue/methods.js";
import { OPERATORS } from "../catalogue/operators.js";
import {
  type ConfigIssue,
  ConfigError,
  describeIssue,
  finite,
  initSchema,
  modelSchema,
  nonNegInt,
  posInt,
  problemSchema,
  recordSchema,
  stopSchema,
} from "../io/config-fields.js";
import { MAX_JSON_DEPTH, nestedDeeperThan } from "../io/json.js";
import { didYouMean } from "./suggest.js";

export {
  type ConfigIssue,
  type InitConfig,
  type ModelConfig,
  type ProblemConfig,
  type RecordConfig,
  type StopConfig,
  ConfigError,
  MAX_THREADS_PER_CORE,
  applySets,
  getPath,
  initSchema,
  modelSchema,
  parseSetValue,
  problemSchema,
  recordSchema,
  setPath,
  stopSchema,
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
export function foldOptions<E extends { readonly options: z.ZodRawShape }>(
  entries: readonly E[],
  section: string,
  reserved: string[],
): UnionToIntersection<E["options"]> {
  const shape: Record<string, z.ZodType> = {};
  for (const e of entries) {
    for (const [key, schema] of Object.entries(e.options)) {
      if (reserved.includes(key))
        throw new Error(
          `catalogue: ${section}.${key} is a common field and cannot be redeclared by ` +
            `${(e as { name?: string; type?: string }).name ?? (e as { type?: string }).type ?? "an entry"}`,
        );
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

/** The fields every `operator` section has, whichever its type. */
const operatorCommon = {
  m: posInt("operator.m")
    .optional()
    .describe(
      "number of measurements (default 5·(n1+n2)·rank; ignored by identity (m = n1·n2); ignored by completion, whose m = |Ω| is random " +
        "with mean p·n1·n2, resolved to that mean; srht: at most 2^⌈log₂(n1·n2)⌉)",
    ),
};
/** The fields every `method` section has, whichever its name. */
const methodCommon = {
  stepSize: finite("method.stepSize")
    .pipe(z.number().positive("method.stepSize must be > 0"))
    .default(0.1)
    .describe("step size η for the loss f = ½‖A(P) − y‖² (a paper's update X ← X − η′A*A(XXᵀ − M*)X is η = η′/2 here)"),
};
/** The operator type of a config that names none: the first entry of the catalogue table. */
export const DEFAULT_OPERATOR: OperatorType = OPERATORS[0].type;
/** The method of a config that names none: the first entry of the catalogue table. */
export const DEFAULT_METHOD: MethodName = METHODS[0].name;

/** The parsed section of one catalogue entry E (distributes over a union of entries): its discriminator and fields. */
type SectionOut<E, K extends "type" | "name", C extends z.ZodRawShape> = E extends { readonly options: infer S extends z.ZodRawShape } & Record<K, infer V>
  ? { [P in K]: V } & z.output<z.ZodObject<C & S>>
  : never;
/** The section of one catalogue entry as written (discriminator optional for the default entry). */
type SectionIn<E, K extends "type" | "name", C extends z.ZodRawShape> = E extends { readonly options: infer S extends z.ZodRawShape } & Record<K, infer V>
  ? { [P in K]?: V } & z.input<z.ZodObject<C & S>>
  : never;

/** A discriminated section: the discriminator defaults to `dflt` when the section omits it. */
function withDefault(key: string, dflt: string) {
  return (v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v) && (v as Record<string, unknown>)[key] === undefined ? { ...v, [key]: dflt } : v;
}

/** One entry's section: the discriminator as a literal, the common fields, the entry's own options (nothing else). */
function entrySchema(key: string, value: string, summary: string, common: z.ZodRawShape, options: z.ZodRawShape) {
  return z.object({ [key]: z.literal(value).describe(summary), ...common, ...options }).strict();
}

foldOptions(OPERATORS, "operator", ["type", "m"]); // a field shared by two entries must be one schema object
foldOptions(METHODS, "method", ["name", "stepSize"]);

/**
 * The `operator` section: a union discriminated on `type` (default "gaussian"), each member
 * holding the common `m` and the options of its catalogue entry only.
 */
export const operatorSchema = z.preprocess(
  withDefault("type", DEFAULT_OPERATOR),
  z.discriminatedUnion(
    "type",
    OPERATORS.map((o) => entrySchema("type", o.type, `sensing operator "${o.type}": ${o.summary}`, operatorCommon, o.options)) as never,
  ),
) as unknown as z.ZodType<
  SectionOut<(typeof OPERATORS)[number], "type", typeof operatorCommon>,
  SectionIn<(typeof OPERATORS)[number], "type", typeof operatorCommon>
>;

/**
 * The `method` section: a union discriminated on `name` (default "gd"), each member holding
 * the common `stepSize` and the options of its catalogue entry only.
 */
export const methodSchema = z.preprocess(
  withDefault("name", DEFAULT_METHOD),
  z.discriminatedUnion("name", METHODS.map((m) => entrySchema("name", m.name, `method "${m.name}": ${m.summary}`, methodCommon, m.options)) as never),
) as unknown as z.ZodType<SectionOut<(typeof METHODS)[number], "name", typeof methodCommon>, SectionIn<(typeof METHODS)[number], "name", typeof methodCommon>>;

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
  operator: ParsedConfig["operator"] & { m: number };
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

/** The two sections whose fields depend on a catalogue entry: discriminator, common fields, entries. */
const SECTIONS = [
  {
    section: "operator",
    key: "type",
    dflt: DEFAULT_OPERATOR,
    common: ["type", ...Object.keys(operatorCommon)],
    entries: OPERATORS.map((o) => ({ id: o.type as string, options: o.options })),
  },
  {
    section: "method",
    key: "name",
    dflt: DEFAULT_METHOD,
    common: ["name", ...Object.keys(methodCommon)],
    entries: METHODS.map((m) => ({ id: m.name as string, options: m.options })),
  },
] as const;

/** The catalogue entries of a section that have an option `key` (e.g. operator.p → ["completion"]). */
export function entriesWithOption(section: "method" | "operator", key: string): string[] {
  const s = SECTIONS.find((x) => x.section === section)!;
  return s.entries.filter((e) => Object.hasOwn(e.options, key)).map((e) => e.id);
}

/**
 * Options of other catalogue entries in the `operator` and `method` sections of `input` (e.g.
 * `method.momentum` with `method.name` "gd"), as issues naming the entries that have them.
 * With `drop`, they are removed from `input` instead (a config.json written by an earlier
 * version, whose sections held every entry's options) and their paths returned.
 */
function foreignOptions(input: unknown, drop: boolean): { issues: ConfigIssue[]; dropped: string[] } {
  const issues: ConfigIssue[] = [],
    dropped: string[] = [];
  if (input === null || typeof input !== "object" || Array.isArray(input)) return { issues, dropped };
  for (const s of SECTIONS) {
    const sec = (input as Record<string, unknown>)[s.section];
    if (sec === null || typeof sec !== "object" || Array.isArray(sec)) continue;
    const chosen = (sec as Record<string, unknown>)[s.key] ?? s.dflt;
    const entry = s.entries.find((e) => e.id === chosen);
    if (!entry) continue; // an unknown type/name: the schema reports it
    for (const key of Object.keys(sec)) {
      if ((s.common as readonly string[]).includes(key) || Object.hasOwn(entry.options, key)) continue;
      const owners = s.entries.filter((e) => Object.hasOwn(e.options, key)).map((e) => `"${e.id}"`);
      if (owners.length === 0) continue; // not an option of any entry: the schema reports an unknown field
      if (drop) {
        delete (sec as Record<string, unknown>)[key];
        dropped.push(`${s.section}.${key}`);
      } else {
        issues.push({
          path: `${s.section}.${key}`,
          value: (sec as Record<string, unknown>)[key],
          message: `is an option of ${s.section}.${s.key} ${owners.join(", ")}, not of ${JSON.stringify(chosen)}`,
        });
      }
    }
  }
  return { issues, dropped };
}

/**
 * A config.json written by matsense (it carries the `matsense` provenance section) made
 * loadable: the provenance is removed and, if the file came from a version whose `method`
 * and `operator` sections held every catalogue entry's options, the options of entries other
 * than the chosen ones are dropped (they never took part in the run, so the run it describes
 * is unchanged). Returns a copy and one notice naming what was dropped, if anything.
 */
export function upgradeConfigJson(raw: unknown): { config: unknown; notice?: string } {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return { config: raw };
  const copy = structuredClone(raw) as Record<string, unknown>;
  delete copy.matsense;
  const { dropped } = foreignOptions(copy, true);
  if (dropped.length === 0) return { config: copy };
  return {
    config: copy,
    notice:
      `config.json from an earlier version: dropped ${dropped.length} option${dropped.length === 1 ? "" : "s"} of other methods/operators, ` +
      `which did not take part in its run (${dropped.join(", ")})`,
  };
}

/** Options of {@link resolveConfig}. */
export interface ResolveOptions {
  /** Told once when a config.json of an earlier version had options of other methods/operators dropped. */
  onNotice?: (message: string) => void;
}

/**
 * Validates a config and resolves every derived default. Throws {@link ConfigError}
 * with one line per problem (field, value, what is allowed). Rules are stated once: the
 * problem / model / init / record rules here, each operator's and method's in its
 * descriptor. The `operator` and `method` sections hold only the chosen entry's options: an
 * option of another entry is an error naming the entries that have it — except in a
 * config.json written by matsense (with its `matsense` provenance section), where they are
 * dropped with one notice ({@link upgradeConfigJson}). A config this function returned is
 * returned as is (a run validates once).
 */
export function resolveConfig(input: unknown, options: ResolveOptions = {}): ResolvedConfig {
  if (input !== null && typeof input === "object" && resolved.has(input)) return input as ResolvedConfig;
  if (nestedDeeperThan(input)) throw new ConfigError([{ path: "(config)", value: undefined, message: `is nested more than ${MAX_JSON_DEPTH} levels deep` }]);
  let source = input;
  if (input !== null && typeof input === "object" && Object.hasOwn(input, "matsense")) {
    const up = upgradeConfigJson(input);
    if (up.notice) options.onNotice?.(up.notice);
    source = up.config;
  }
  const foreign = foreignOptions(source, false);
  const parsed = configSchema.safeParse(foreign.issues.length ? stripped(source, foreign.issues) : (source ?? {}));
  if (!parsed.success || foreign.issues.length) {
    throw new ConfigError([...foreign.issues, ...(parsed.success ? [] : parsed.error.issues.map((i) => withSuggestion(describeIssue(i, source), i)))]);
  }
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
    errors.push({
      path: "model.type",
      value: "symmetric",
      message: 'the symmetric model XXᵀ can only fit a PSD truth; use model.type = "asymmetric" or problem.truth = "psd"',
    });
  }
  if (c.problem.truth === "file" && c.problem.file === undefined) {
    errors.push({ path: "problem.file", value: undefined, message: 'is required with problem.truth "file": the path of a .npy file holding M* (n × n2)' });
  }
  if (c.problem.truth === "file" && c.model.type === "symmetric" && n2 !== n1) {
    errors.push({
      path: "problem.n2",
      value: n2,
      message: `must equal problem.n = ${n1} for the symmetric model (M* from problem.file must be square and ` + `symmetric PSD)`,
    });
  }
  if (c.problem.truth === "none") {
    if (c.stop.targetRelError > 0)
      errors.push({
        path: "stop.targetRelError",
        value: c.stop.targetRelError,
        message: 'must be 0 with problem.truth "none" (there is no M* to measure the error against)',
      });
    if (c.record.diagnostics)
      errors.push({
        path: "record.diagnostics",
        value: true,
        message: 'must be false with problem.truth "none" (the diagnostics decompose the error against M*)',
      });
    if ((c.stop.noiseFloor ?? 0) > 0)
      errors.push({
        path: "stop.noiseFloor",
        value: c.stop.noiseFloor,
        message: 'must be 0 (off) with problem.truth "none" (the rule stops at a multiple of the noise floor relative to ‖M*‖_F)',
      });
  }
  if (c.model.type === "deep") {
    if (!(METHODS.find((d) => d.name === c.method.name) as { deep?: boolean } | undefined)?.deep) {
      errors.push({
        path: "method.name",
        value: c.method.name,
        message:
          `model.type "deep" runs with ` +
          `${METHODS.filter((d) => (d as { deep?: boolean }).deep)
            .map((d) => `"${d.name}"`)
            .join(", ")}`,
      });
    }
    if (c.init.type !== "small-random" && c.init.type !== "file") {
      errors.push({
        path: "init.type",
        value: c.init.type,
        message: 'model.type "deep" starts from "small-random" (W_N ~ N(0, α²), W_1 ~ N(0, (α/ratio)²), middle factors ~ N(0, α²)) or "file"',
      });
    }
  }
  if (c.init.alphaOf === "product" && (c.model.type !== "deep" || c.init.type !== "small-random")) {
    errors.push({
      path: "init.alphaOf",
      value: "product",
      message: 'scales the end-to-end product of model.type "deep" with init.type "small-random" only; leave it out (or "factor") otherwise',
    });
  }
  if (c.init.type === "file" && c.init.dir === undefined) {
    errors.push({
      path: "init.dir",
      value: undefined,
      message: 'is required with init.type "file": a folder holding X0.npy, or F0.npy and G0.npy (as --save-instance writes them)',
    });
  }
  const k = c.model.k ?? r;
  if (k > Math.max(n1, n2) * 4) errors.push({ path: "model.k", value: k, message: `must be ≤ 4·max(n1, n2) = ${4 * Math.max(n1, n2)}` });
  if (c.init.type === "identical" && c.model.type === "asymmetric" && n1 !== n2) {
    errors.push({ path: "init.type", value: "identical", message: "G₀ = F₀ needs a square problem (n2 = n)" });
  }
  if (c.record.singularValues > Math.min(n1, n2)) {
    errors.push({
      path: "record.singularValues",
      value: c.record.singularValues,
      message: `must be ≤ min(n1, n2) = ${Math.min(n1, n2)} (the product has no more singular values)`,
    });
  }
  const problem = { ...c.problem, n2 };
  const model = { ...c.model, k };
  type AnyOperatorEntry = { measurements: (c: unknown) => number; rules?: AnyRules; optionRules?: AnyRules; resolveOptions?: AnyResolve };
  const op = operatorDescriptor(c.operator.type) as AnyOperatorEntry;
  const m = op.measurements({ problem, model, operator: c.operator });
  const operator = { ...c.operator, m };
  // options with an "auto" value (e.g. the Gaussian storage) become the value used, recorded in config.json
  Object.assign(operator, op.resolveOptions?.({ problem, model, operator }) ?? {});
  const config = { ...c, problem, operator, model } as ResolvedConfig;
  errors.push(...(op.rules?.(config) ?? []), ...(op.optionRules?.(config) ?? []));
  if (c.problem.truth === "none" && !(op as { observed?: (c: unknown) => boolean }).observed?.(config)) {
    errors.push({
      path: "problem.truth",
      value: "none",
      message:
        `needs an operator that brings its measurements y (operator.type "completion-file", or ` +
        `"dense-file" with operator.yFile); operator.type "${c.operator.type}" measures y = A(M*)`,
    });
  }
  errors.push(...((methodDescriptor(c.method.name).rules as AnyRules | undefined)?.(config) ?? []));
  if (errors.length) throw new ConfigError(errors);
  resolved.set(config, input);
  return config;
}

/** A copy of `input` without the fields of `issues` (so the schema reports only the other problems). */
function stripped(input: unknown, issues: ConfigIssue[]): unknown {
  const copy = structuredClone(input) as Record<string, Record<string, unknown>>;
  for (const i of issues) {
    const [section, key] = i.path.split(".");
    delete copy[section][key];
  }
  return copy;
}

let knownPaths: string[] | undefined;

/** An unknown-field issue with "did you mean …" (edit distance over the schema's paths, config/suggest.ts). */
function withSuggestion(issue: ConfigIssue, raw: z.core.$ZodIssue): ConfigIssue {
  if (raw.code !== "unrecognized_keys") return issue;
  knownPaths ??= describeConfig().map((f) => f.path);
  const where = raw.path.map(String).join(".");
  return {
    ...issue,
    message:
      issue.message +
      didYouMean(
        raw.keys.map((k) => (where ? `${where}.${k}` : k)),
        knownPaths,
      ),
  };
}

/** One config field for `matsense config --schema`: path, meaning, default and allowed values. */
export interface FieldDescription {
  path: string;
  description: string;
  default?: unknown;
  allowed?: unknown[];
  /**
   * For an option of some catalogue entries only: the discriminator and the entries that
   * have it (e.g. `{ path: "operator.type", values: ["completion"] }`); absent for a field
   * every config has.
   */
  only?: { path: string; values: string[] };
  /** The JSON type of the field when it is a string (e.g. a file path). */
  type?: "string";
}

interface JsonSchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  required?: string[];
  properties?: Record<string, JsonSchemaNode>;
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
  allOf?: JsonSchemaNode[];
}

/**
 * The JSON Schema of the config (zod's export), for tools and `config --schema --json`. The
 * `operator` and `method` sections are an `anyOf` of one object per catalogue entry (its
 * discriminator a `const`, not required: it defaults to "gaussian" / "gd").
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }) as { properties: Record<string, JsonSchemaNode> };
  for (const s of SECTIONS) {
    const node = schema.properties[s.section];
    const members = node.oneOf ?? node.anyOf ?? [];
    for (const member of members) member.required = member.required?.filter((r) => r !== s.key);
    delete node.oneOf;
    node.anyOf = members;
  }
  return schema;
}

const SECTION_SUMMARY: Record<string, string> = {
  operator:
    "sensing operator (docs/methods.md; the operator section holds the options of the chosen type only): " +
    OPERATORS.map((o) => `"${o.type}": ${o.summary}`).join("; "),
  method:
    "method (docs/methods.md; the method section holds the options of the chosen method only): " + METHODS.map((m) => `"${m.name}": ${m.summary}`).join("; "),
};

/**
 * Every field of the config with its default, meaning and allowed values (from {@link
 * configJsonSchema}); the options of catalogue entries once each, with the entries that
 * have them (`only`).
 */
export function describeConfig(): FieldDescription[] {
  const out: FieldDescription[] = [];
  const leaf = (node: JsonSchemaNode, path: string): FieldDescription => {
    const entry: FieldDescription = { path, description: node.description ?? "" };
    if (node.default !== undefined) entry.default = node.default;
    const allowed = node.enum ?? node.anyOf?.find((a) => a.enum)?.enum ?? node.allOf?.find((a) => a.enum)?.enum;
    if (allowed) entry.allowed = allowed;
    if (node.type === "string" && !allowed) entry.type = "string";
    return entry;
  };
  const root = configJsonSchema() as JsonSchemaNode;
  for (const [name, node] of Object.entries(root.properties!)) {
    const s = SECTIONS.find((x) => x.section === name);
    if (s) {
      out.push({ path: `${name}.${s.key}`, description: SECTION_SUMMARY[name], default: s.dflt, allowed: s.entries.map((e) => e.id) });
      const byPath = new Map<string, FieldDescription>();
      for (const member of node.anyOf!) {
        const id = String(member.properties![s.key].const);
        for (const [k, v] of Object.entries(member.properties!)) {
          if (k === s.key) continue;
          const path = `${name}.${k}`;
          const common = (s.common as readonly string[]).includes(k);
          const f = byPath.get(path) ?? leaf(v, path);
          if (!common) f.only = { path: `${name}.${s.key}`, values: [...(f.only?.values ?? []), id] };
          if (!byPath.has(path)) {
            byPath.set(path, f);
            out.push(f);
          }
        }
      }
    } else if (node.properties) {
      for (const [k, v] of Object.entries(node.properties)) out.push(leaf(v, `${name}.${k}`));
    } else out.push(leaf(node, name));
  }
  return out;
}
