import type { z } from "zod";
import type { MethodDescriptor } from "../algorithms/method.js";
import { type ConfigIssue, ConfigError } from "../io/config-fields.js";
import { type ResolvedConfig, configInputOf, methodDescriptor, operatorDescriptor, resolveConfig } from "../config/schema.js";
import { getPath } from "../io/config-fields.js";
import { DENSE_ENTRIES_LIMIT } from "../linalg/limits.js";
import { nodeBuiltin } from "../io/node-builtins.js";
import type { OperatorDescriptor } from "../operators/operator.js";
import { methodFacts, operatorFacts } from "./registry.js";

/** One thing a run allocates, with its bytes and the config field that sets its size (named when it does not fit). */
export interface MemoryItem {
  what: string;
  bytes: number;
  field: string;
}

/** What a run allocates before and during its loop (see {@link runMemory}). */
export interface RunMemory {
  /** Sum of the items. */
  total: number;
  items: MemoryItem[];
}

/** Whether a run keeps its recorded rows in memory (see {@link runMemory}). */
export interface RowRetention {
  /** Every recorded row is kept in memory (default true, as in the library's runConfig); false: they are streamed, only the last is kept. */
  keepRows?: boolean;
}

type AnyOperator = OperatorDescriptor<string, z.ZodRawShape>;
type AnyMethod = MethodDescriptor<string, z.ZodRawShape>;

/**
 * The bytes a run of a resolved config allocates, item by item: the operator (its
 * catalogue entry's exact `bytes`), the ground truth (factors, and M* when it is formed
 * densely), the measurements y and A(M*), the iterate (factors, the saved initial point,
 * the residual, the product and the fused-pass matrix S when used), the method's own work
 * arrays (its catalogue entry's `workspaceBytes`), the spectral init's dense A*(y), and the
 * recorded metrics rows — all of them when they are kept in memory (`keepRows`, the library's
 * default: rows × (8·columns + 64) bytes), else only the last one (executeRun and the CLI stream
 * the rows to metrics.csv, so a run's memory does not grow with its iterations). Computed from
 * the config alone, before anything is allocated.
 */
export function runMemory(config: ResolvedConfig, opts: RowRetention = {}): RunMemory {
  const { n: n1, n2, rank: r } = config.problem;
  const k = config.model.k;
  const m = config.operator.m;
  const entries = n1 * n2;
  const svt = !methodFacts(config).factored; // a dense iterate (svt): no factors, a dense truth
  const dense = entries <= DENSE_ENTRIES_LIMIT || k + r > Math.min(n1, n2) || svt;
  const facts = operatorFacts(config);
  const symPartError = config.model.type !== "symmetric" && facts.symmetricMeasurements;
  const op = operatorDescriptor(config.operator.type) as AnyOperator;
  const method = methodDescriptor(config.method.name) as AnyMethod;
  const factorEntries = config.model.type === "symmetric" ? n1 * k : (n1 + n2) * k + (config.model.type === "deep" ? (config.model.depth - 2) * k * k : 0);
  const fused = facts.fusedPass;
  const keepRows = opts.keepRows !== false;
  const rows = keepRows ? Math.min(config.stop.maxIterations, recordedRowsBound(config)) + 1 : 1;
  const columns = 8 + config.record.singularValues + (config.record.imbalanceEigenvalues ? k : 0);
  const mField = facts.takesM ? "operator.m" : "problem.n";
  const items: MemoryItem[] = [
    { what: `operator (${config.operator.type})`, bytes: op.bytes(config as never), field: mField },
    {
      what: "ground truth (factors" + (dense || symPartError ? " and the dense n1×n2 M*)" : ")"),
      bytes: 8 * (r * (n1 + n2) + (dense || symPartError ? entries : 0)),
      field: "problem.n",
    },
    { what: "measurements y and A(M*)", bytes: 2 * 8 * m, field: mField },
    {
      what: "iterate: factors, initial point, residual" + (dense || symPartError ? ", product" : "") + (fused ? ", fused A*(r)" : ""),
      bytes: svt ? 0 : 8 * (2 * factorEntries + m + (dense || symPartError ? entries : 0) + (fused ? entries : 0)),
      field: "problem.n",
    },
    { what: `method ${config.method.name} work arrays`, bytes: method.workspaceBytes?.(config as never) ?? 0, field: "method.name" },
    { what: "spectral init: dense A*(y) and its decomposition", bytes: config.init.type === "spectral" ? 8 * 3 * entries : 0, field: "init.type" },
    // record.diagnostics: the noise vector y − A(M*), and dense n1×n2 work for the perturbation ratio of small problems
    { what: "diagnostics", bytes: config.record.diagnostics ? 8 * (m + (entries <= DENSE_ENTRIES_LIMIT ? 3 * entries : 0)) : 0, field: "record.diagnostics" },
    {
      what: keepRows ? "recorded metrics rows" : "the last recorded metrics row (the rows are streamed to metrics.csv)",
      bytes: rows * ((columns + (config.record.diagnostics ? 8 : 0)) * 8 + 64),
      field: "stop.maxIterations",
    },
  ];
  return { total: items.reduce((s, i) => s + i.bytes, 0), items: items.filter((i) => i.bytes > 0) };
}

/** An upper bound on the recorded rows of a run (linear: maxIterations/every; log: perDecade per decade). */
function recordedRowsBound(config: ResolvedConfig): number {
  const { maxIterations } = config.stop;
  const rec = config.record;
  if (rec.schedule === "linear") return Math.ceil(maxIterations / rec.every);
  return Math.ceil(rec.perDecade * (Math.log10(Math.max(10, maxIterations)) + 1)) + 10;
}

/**
 * The default memory limit of a run: 75% of the machine's RAM, and no more than the memory
 * available right now (MemAvailable on Linux) — so a run that would push the machine into
 * swap or the OOM killer is refused with its byte count instead. Outside Node (a browser):
 * 75% of the device memory the browser reports (`navigator.deviceMemory`, at most 8 GiB), else
 * of 4 GiB.
 */
export function defaultMemoryLimit(): number {
  const os = nodeBuiltin("node:os");
  if (os) return Math.floor(Math.min(os.totalmem() * 0.75, os.freemem()));
  const gib = (globalThis as { navigator?: { deviceMemory?: number } }).navigator?.deviceMemory ?? 4;
  return Math.floor(gib * 1024 ** 3 * 0.75);
}

/** The sum of the w largest entries. */
export function largestSum(bytes: number[], w: number): number {
  return [...bytes]
    .sort((a, b) => b - a)
    .slice(0, w)
    .reduce((t, b) => t + b, 0);
}

/**
 * The largest number of parallel runs w ≤ `wanted` whose memory together, `bytesFor(w)`,
 * fits in `limit` — at least 1 (a run that does not fit alone is refused on its own, with
 * its byte count).
 */
export function workersWithin(wanted: number, bytesFor: (w: number) => number, limit: number): number {
  let w = Math.max(1, wanted);
  while (w > 1 && bytesFor(w) > limit) w--;
  return w;
}

/**
 * How many runs of a sweep may run at once within `limit` bytes: at most `workers`, and
 * no more than the largest w for which the w largest runs fit together (at least 1).
 */
export function workersWithinMemory(runBytes: number[], workers: number, limit: number): number {
  return workersWithin(workers, (w) => largestSum(runBytes, w), limit);
}

/**
 * Parses a byte count as written on a command line: a number of bytes ("3000000000",
 * "3e9") or a number with a unit (kB, MB, GB, TB = powers of 1000; KiB, MiB, GiB, TiB =
 * powers of 1024), e.g. "3GB", "512MiB". Throws RangeError naming the value otherwise.
 */
export function parseBytes(text: string): number {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?\d+)?)\s*([kMGT]i?B|B)?\s*$/i.exec(text);
  const units: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };
  const v = m ? Number(m[1]) * units[(m[2] ?? "B").toLowerCase()] : NaN;
  if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`must be a byte count such as 3000000000, 3GB or 512MiB (got ${JSON.stringify(text)})`);
  return Math.floor(v);
}

/** Human-readable byte count. */
export function formatBytes(b: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let i = 0;
  let v = b;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

function isResolved(x: unknown): boolean {
  return x !== null && typeof x === "object" && configInputOf(x as ResolvedConfig) !== undefined;
}

/**
 * The field to blame for a run that does not fit: the one that sets the size of its largest
 * item (e.g. stop.maxIterations for the recorded rows); for the operator and measurements,
 * operator.m when the user wrote it, else problem.n (the default m grows with n).
 */
function blameField(config: ResolvedConfig, need: RunMemory, input: unknown): { path: string; value: unknown } {
  const largest = [...need.items].sort((a, b) => b.bytes - a.bytes)[0];
  let path = largest?.field ?? "problem.n";
  if (path === "operator.m") {
    const written = input !== undefined && !isResolved(input) ? input : configInputOf(config);
    if (written === undefined || getPath(written, "operator.m") === undefined) path = "problem.n";
  }
  return { path, value: getPath(config, path) };
}

/**
 * Throws a ConfigError when a run of `config` would allocate more than `limit` bytes. The
 * message names the field that sets the size of the largest item (see {@link blameField}),
 * quotes the bytes of each item for the storage actually chosen, and lists only the operator
 * options that would fit. `opts.keepRows` as in {@link runMemory}.
 */
export function checkRunMemory(config: ResolvedConfig, limit: number, input?: unknown, opts: RowRetention = {}): void {
  const need = runMemory(config, opts);
  if (need.total <= limit) return;
  const op = operatorDescriptor(config.operator.type) as AnyOperator;
  const explained = op.explainBytes?.(config as never);
  const fits = (explained?.alternatives ?? [])
    .map((a) => {
      const alt = structuredClone(config) as unknown as Record<string, Record<string, unknown>>;
      const [, key, raw] = /^operator\.(\w+) = (.*)$/.exec(a.set) ?? [];
      if (key) alt.operator[key] = JSON.parse(raw);
      let total = Infinity;
      try {
        total = runMemory(resolveConfig(alt), opts).total;
      } catch {
        /* an alternative that is not valid for this config is not suggested */
      }
      return { set: a.set, total };
    })
    .filter((a) => a.total <= limit);
  const blame = blameField(config, need, input);
  // when the recorded rows are the largest item, the record settings are what to change, not the problem size
  const rowsBlamed = blame.path === "stop.maxIterations";
  // the items that matter (≥ 1% of the total), largest first; the rest summed
  const big = need.items.filter((i) => i.bytes >= need.total / 100).sort((a, b) => b.bytes - a.bytes);
  const small = need.items.filter((i) => i.bytes < need.total / 100);
  const smallBytes = small.reduce((t, i) => t + i.bytes, 0);
  const items = big
    .map((i) => `${i.what} ${i.bytes} (${formatBytes(i.bytes)})`)
    .concat(small.length ? [`${small.length} smaller item${small.length > 1 ? "s" : ""} ${smallBytes} (${formatBytes(smallBytes)})`] : [])
    .join(", ");
  const issue: ConfigIssue = {
    path: blame.path,
    value: blame.value,
    message:
      `the run needs ${need.total} bytes (${formatBytes(need.total)}), more than the limit of ${limit} bytes (${formatBytes(limit)}): ${items}` +
      (explained
        ? `; the ${config.operator.type} operator holds ${explained.formula} with m = ${config.operator.m}, n1 = ${config.problem.n}, n2 = ${config.problem.n2}`
        : "") +
      (rowsBlamed
        ? `; the run records up to ${Math.min(config.stop.maxIterations, recordedRowsBound(config)) + 1} metrics rows: reduce stop.maxIterations, ` +
          `or record fewer rows (a larger record.every, or record.schedule "log"), or do not keep them in memory ` +
          `(keepRows: false: they reach onRecord only; the CLI and executeRun stream them to metrics.csv and never keep them)`
        : `; reduce ${blame.path}${blame.path === "operator.m" ? " or the problem size" : ""}` +
          (explained?.sizeOptions ?? [])
            .filter((o) => o !== blame.path)
            .map((o) => ` or ${o}`)
            .join("")) +
      (fits.length ? `, or use ${fits.map((f) => `${f.set} (${f.total} bytes, ${formatBytes(f.total)})`).join(" or ")}` : ""),
  };
  throw new ConfigError([issue]);
}
