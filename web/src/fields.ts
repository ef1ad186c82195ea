/**
 * Which config fields the explorer's form shows: only the options of the methods and
 * operators in use, read from the catalogue's descriptor tables (a new method or operator
 * needs no change here). Pure module.
 */
import { METHODS, OPERATORS } from "../../src/core.js";
import { type ExplorerState, effectiveValue } from "./state.js";

/** True when the operator uses the configured `operator.m` (identity and completion fix m themselves). */
function takesMeasurementCount(d: (typeof OPERATORS)[number]): boolean {
  const probe = 7;
  try {
    const view = { problem: { n: 6, n2: 5, rank: 1 }, model: { type: "symmetric", k: 1 }, operator: { type: d.type, m: probe } };
    return (d.measurements as (c: unknown) => number)(view) === probe;
  } catch {
    return true;
  }
}

const methodOptions = new Map<string, Set<string>>(METHODS.map((d) => [d.name, new Set(Object.keys(d.options))]));
const operatorOptions = new Map<string, Set<string>>(
  OPERATORS.map((d) => [d.type, new Set([...Object.keys(d.options), ...(takesMeasurementCount(d) ? ["m"] : [])])]),
);

/** The method names and operator types a state's runs use (base with each run's overrides; defaults where unset). */
export function entriesInUse(
  state: Pick<ExplorerState, "config" | "runs" | "edits">,
  defaults: { method: string; operator: string },
): {
  methods: Set<string>;
  operators: Set<string>;
} {
  const methods = new Set<string>(),
    operators = new Set<string>();
  const base = {
    method: (effectiveValue(state as ExplorerState, "method.name") as string | undefined) ?? defaults.method,
    operator: (effectiveValue(state as ExplorerState, "operator.type") as string | undefined) ?? defaults.operator,
  };
  for (const r of state.runs.length ? state.runs : [{}]) {
    methods.add(String(r["method.name"] ?? base.method));
    operators.add(String(r["operator.type"] ?? base.operator));
  }
  return { methods, operators };
}

/**
 * Whether the form shows `path`: `method.<option>` only when a method in use has that
 * option, `operator.<option>` (and `operator.m`) only when an operator in use has it;
 * every other field always. Unknown names (a typo in a link) show every option.
 */
export function fieldApplies(path: string, inUse: { methods: Set<string>; operators: Set<string> }): boolean {
  const [section, key] = path.split(".");
  if (section === "method" && key !== "name" && key !== "stepSize") {
    return [...inUse.methods].some((m) => methodOptions.get(m)?.has(key) ?? true);
  }
  if (section === "operator" && key !== "type") {
    return [...inUse.operators].some((o) => operatorOptions.get(o)?.has(key) ?? true);
  }
  return true;
}
