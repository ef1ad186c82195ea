import * as fs from "node:fs";
import * as path from "node:path";
import { readJsonInput } from "../io/json.js";
import { type RunFolderInspection, inspectRunFolder } from "./validate.js";
import { writeFileAtomic } from "../io/files.js";
import { type Grid, type RunSpec, expandGrid, gridPoints, parseGrid, pointName, variedPaths } from "../config/grid.js";
import { type ManifestEntry, entryFromFolder, expectedConfigs, makeManifest, writeManifest } from "./manifest.js";
import { type RateFit, fitRates, iterationsToLevel } from "./rates.js";
import { toCsv } from "./results.js";
import { diagnosticsColumns } from "./diagnosticsColumns.js";
import { noiseFloorEstimate, noiseFloorSetting } from "../metrics/noiseFloor.js";

/** Error levels ε for the `iters_to_ε` columns of runs.csv. */
export const ERROR_LEVELS = [1e-1, 1e-2, 1e-3, 1e-4, 1e-6, 1e-8];

/** Column name of the iterations-to-level column, e.g. `iters_to_1e-4`. */
export function itersToColumn(level: number): string {
  return `iters_to_${level
    .toExponential()
    .replace("e+", "e")
    .replace(/^(\d)\.0+e/, "$1e")}`;
}

/**
 * One row of runs.csv: parameters, status, final errors, iterations to levels, fitted rates
 * (per iteration; for runs that record `flow_time` — the gradient flow — per unit of the flow's
 * time t, since its iterations are adaptive accepted steps).
 */
export type RunRow = Record<string, string | number>;

/** Per-parameter-point summary: the median of every numeric run column across seeds. */
export interface PointSummary {
  point: string;
  params: Record<string, unknown>;
  runs: number;
  /** Runs per status. */
  statuses: Record<string, number>;
  /**
   * Median across seeds of each numeric column of runs.csv (missing iters_to = ∞), over the
   * runs that ended (interrupted, failed and pending runs never enter a median). The rate
   * columns are class-honest: `linear_rate` and `contraction` are medians over the runs
   * classified linear only, `loglog_slope` over the sublinear runs only (NaN when none).
   */
  median: Record<string, number>;
  /** The rate columns' medians over all ended runs whatever their class (to draw excluded points). */
  anyClassMedian: Record<string, number>;
  /** Runs left out of the medians, by status (interrupted, failed, pending). */
  excluded: Record<string, number>;
  /** The most frequent rate class among the point's finished runs. */
  classification: string;
  /** Rate classes of the runs. */
  classes: string[];
}

/** Median and 10–90% band of each metric per recorded iteration across the seeds of a point. */
export interface CurveTable {
  point: string;
  params: Record<string, unknown>;
  iterations: number[];
  /** Runs contributing at each iteration. */
  counts: number[];
  metrics: Record<string, { median: number[]; q10: number[]; q90: number[] }>;
}

/** A run folder the validating reader refused (excluded from every median, curve and fit). */
export interface DamagedRun {
  id: string;
  dir: string;
  reason: string;
}

export interface Aggregate {
  dir: string;
  /** Damaged run folders (path and reason); they are in runs.csv with status "damaged" but in no statistic. */
  damaged: DamagedRun[];
  /** Finished runs made with other stop rules than the grid's (path and which): in runs.csv, in no statistic, not re-run. */
  differing: DamagedRun[];
  grid: Grid;
  paths: string[];
  errorMetric: string;
  runs: RunRow[];
  points: PointSummary[];
  curves: CurveTable[];
}

/** Linear-interpolation quantile (type 7) of sorted values. */
export function quantileSorted(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h),
    hi = Math.ceil(h);
  if (lo === hi) return sorted[lo];
  if (!Number.isFinite(sorted[lo]) || !Number.isFinite(sorted[hi])) return h - lo < 0.5 ? sorted[lo] : sorted[hi];
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** Median of numbers (NaN entries ignored). */
export function median(values: number[]): number {
  return quantileSorted(
    values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b),
    0.5,
  );
}

/** Statuses of runs that did not end by a stop rule: never in medians, curves or fits. */
export const UNENDED_STATUSES = ["pending", "interrupted", "failed", "damaged"];

function endedRun(r: RunRow): boolean {
  return !UNENDED_STATUSES.includes(String(r.status)) && r.config_differs === undefined;
}

/**
 * The rate class each fitted rate column means something for: a linear rate λ only for
 * linear runs, a log-log slope only for sublinear ones.
 */
export const RATE_COLUMN_CLASS: Record<string, string> = { linear_rate: "linear", contraction: "linear", loglog_slope: "sublinear" };

/**
 * Splits parameter points for a fit of a rate column against a parameter: a point enters
 * the fit only when its class is the one the column means something for (linear rates
 * from linear points, log-log slopes from sublinear points) and its median is finite;
 * the others are returned with the reason (to be drawn hollow and reported).
 */
export function classHonestPoints<P extends Pick<PointSummary, "classification" | "median">>(
  points: P[],
  metric: string,
): { fit: P[]; excluded: { point: P; reason: string }[] } {
  const cls = RATE_COLUMN_CLASS[metric];
  const fit: P[] = [],
    excluded: { point: P; reason: string }[] = [];
  for (const p of points) {
    if (cls && p.classification !== cls) excluded.push({ point: p, reason: `class ${p.classification || "unknown"}, not ${cls}` });
    else if (!Number.isFinite(p.median[metric])) excluded.push({ point: p, reason: `no finite ${metric}` });
    else fit.push(p);
  }
  return { fit, excluded };
}

/** "2 points excluded (α=0.01: class sublinear, not linear; …)" or "". */
export function excludedPointsText(excluded: { point: { params: Record<string, unknown> }; reason: string }[], labels: Record<string, string> = {}): string {
  if (!excluded.length) return "";
  return (
    `${excluded.length} point${excluded.length > 1 ? "s" : ""} excluded from the fit ` +
    `(${excluded.map((e) => `${pointLabel(e.point.params, labels)}: ${e.reason}`).join("; ")})`
  );
}

/** The runs.csv row of one run folder. */
export function runRow(dir: string, spec: RunSpec, paths: string[], errorMetric: string, inspection?: RunFolderInspection): RunRow {
  const i = inspection ?? inspectRunFolder(path.join(dir, spec.id));
  const files = { ...i, config: i.config ?? {} };
  const e = entryFromFolder(dir, spec, i);
  const row: RunRow = { id: spec.id, point: spec.point };
  for (const p of paths)
    row[p] = spec.params[p] === undefined ? "" : typeof spec.params[p] === "object" ? JSON.stringify(spec.params[p]) : (spec.params[p] as string | number);
  row.seed = spec.seed;
  row.status = e.status;
  row.iterations = e.iterations ?? NaN;
  row.seconds = e.seconds ?? NaN;
  const final = (files.summary?.final ?? null) as Record<string, number> | null;
  for (const c of ["rel_error", "abs_error", "loss", "imbalance_norm", "sym_rel_error", "nuclear_norm", "effective_rank", "test_rel_error"]) {
    if (final && final[c] !== undefined) row[`final_${c}`] = final[c];
  }
  const m = files.metrics;
  if (m?.data.imbalance_norm?.length) row.initial_imbalance_norm = m.data.imbalance_norm[0];
  const it = m?.data.iteration ?? [];
  const err = m?.data[errorMetric] ?? [];
  for (const level of ERROR_LEVELS) row[itersToColumn(level)] = iterationsToLevel(it, err, level) ?? NaN;
  // the gradient flow's iterations are adaptive accepted steps: its rates are fitted on the flow's time t
  const fit: RateFit = fitRates(m?.data.flow_time ?? it, err, { status: e.status });
  row.linear_rate = fit.linearRate;
  row.contraction = fit.contraction;
  row.loglog_slope = fit.logLogSlope;
  row.slope_ratio = fit.slopeRatio;
  row.shifted_power_exponent = fit.shiftedPowerExponent;
  row.fit_from = fit.from;
  row.fit_to = fit.to;
  row.rate_class = e.status === "pending" ? "" : fit.classification;
  Object.assign(row, diagnosticsColumns(m?.data, fit, files.config));
  if (m?.data.sym_rel_error?.length) Object.assign(row, symmetricPartFitColumns(fitRates(it, m.data.sym_rel_error, { status: e.status })));
  const floor = noiseFloor(files.config);
  if (floor !== undefined && typeof row.final_abs_error === "number") row.noise_floor_ratio = row.final_abs_error / floor;
  return row;
}

/**
 * The exact model's noise floor ‖P − M*‖_F for a run's config.json: s·√(d·m/(m − d − 1)) under Gaussian sensing
 * (s√d for the identity operator), d the degrees of freedom of the model at M* (see {@link noiseFloorEstimate}).
 * Reported for every k (runs with k > r are compared with the exact model's floor); undefined without noise and
 * where no estimate holds.
 */
export function noiseFloor(config: Record<string, unknown> | undefined): number | undefined {
  const setting = noiseFloorSetting(config);
  if (!setting || !(setting.noise > 0)) return undefined;
  return noiseFloorEstimate(setting)?.abs;
}

/**
 * The rate fit of the symmetric part's error sym_rel_error = ‖sym(P) − M*‖_F/‖M*‖_F (recorded where the
 * skew part of FGᵀ is invisible to the measurements, e.g. symmetric Aᵢ): `sym_rate_class`, and only where
 * they mean something `sym_linear_rate` (linear runs) and `sym_loglog_slope` (sublinear runs); `sym_slope_ratio` s₂/s₁.
 */
export function symmetricPartFitColumns(fit: RateFit): Record<string, number | string> {
  return {
    sym_linear_rate: fit.classification === "linear" ? fit.linearRate : NaN,
    sym_loglog_slope: fit.classification === "sublinear" ? fit.logLogSlope : NaN,
    sym_slope_ratio: fit.slopeRatio,
    sym_rate_class: fit.classification,
  };
}

/**
 * Aggregates a sweep folder (the union of all shards' run folders): reads grid.json,
 * every run's summary.json and metrics.csv, fits rates on `errorMetric` (default
 * rel_error), and returns one row per run, a summary per parameter point and the curves.
 */
export function aggregateSweep(dir: string, opts: { errorMetric?: string } = {}): Aggregate {
  return aggregateWithEntries(dir, opts).agg;
}

/** Runs and specs of each parameter point, in the grid's order (one pass: linear in the number of runs). */
function groupByPoint<T>(items: T[], pointOf: (t: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const t of items) {
    const p = pointOf(t);
    const list = groups.get(p);
    if (list) list.push(t);
    else groups.set(p, [t]);
  }
  return groups;
}

/**
 * {@link aggregateSweep} and the manifest entries of its runs, from one reading of every
 * run folder, one parameter point at a time: a point's run folders are read, its rows,
 * entries, summary and curves computed, and its parsed files dropped before the next point
 * is read — so the parsed metrics of at most one point's runs are held at a time besides
 * the per-run rows (linear in the number of runs; memory bounded by the largest point).
 */
function aggregateWithEntries(dir: string, opts: { errorMetric?: string }): { agg: Aggregate; entries: ManifestEntry[] } {
  const gridFile = path.join(dir, "grid.json");
  if (!fs.existsSync(gridFile)) throw new Error(`${dir} is not a sweep folder (no grid.json); run \`matsense sweep --grid … --out ${dir}\` first`);
  const grid = parseGrid(readJsonInput(gridFile, "grid"));
  const specs = expandGrid(grid, { validate: false, allowLarge: true });
  const paths = variedPaths(grid);
  const errorMetric = opts.errorMetric ?? "rel_error";
  const index = new Map(specs.map((s, i) => [s.id, i]));
  const runs: RunRow[] = new Array(specs.length);
  const entries: ManifestEntry[] = new Array(specs.length);
  // per run: the validating reader's verdicts that outlive the point (in the grid's order at the end)
  const damagedAt: (DamagedRun | undefined)[] = new Array(specs.length);
  const differingAt: (DamagedRun | undefined)[] = new Array(specs.length);
  // a metric no run recorded would classify every run as stalled: refused (after reading), naming the columns there are
  let tablesSeen = 0,
    metricSeen = false;
  const columnsSeen = new Set<string>();
  const readPoint = (pointSpecs: RunSpec[]): Map<string, RunFolderInspection> => {
    const expected = expectedConfigs(pointSpecs);
    const inspections = new Map(pointSpecs.map((s) => [s.id, inspectRunFolder(path.join(dir, s.id), { expected: expected.get(s.id) })]));
    for (const s of pointSpecs) {
      const i = inspections.get(s.id)!;
      if (i.metrics) {
        tablesSeen++;
        if (i.metrics.columns.includes(errorMetric)) metricSeen = true;
        else if (!metricSeen) for (const c of i.metrics.columns) columnsSeen.add(c);
      }
      const at = index.get(s.id)!;
      const r = runRow(dir, s, paths, errorMetric, i);
      entries[at] = entryFromFolder(dir, s, i);
      // a damaged run has no trustworthy metrics: no rate class, and the reason in its row
      if (r.status === "damaged") Object.assign(r, { rate_class: "", damaged: i.reason ?? "" });
      // a run made with other stop rules is not the grid's run: named, kept out of the statistics
      if (i.stopDiffers) Object.assign(r, { rate_class: "", config_differs: i.stopDiffers });
      runs[at] = r;
      if (i.state === "damaged") damagedAt[at] = { id: path.basename(i.dir), dir: i.dir, reason: i.reason ?? "" };
      if (i.stopDiffers !== undefined) differingAt[at] = { id: path.basename(i.dir), dir: i.dir, reason: i.stopDiffers };
      // what the row and entry took from the run's config is kept; the parsed file is not
      delete i.config;
    }
    return inspections;
  };
  const points: PointSummary[] = [];
  const curves: CurveTable[] = [];
  const specsOf = groupByPoint(specs, (s) => s.point);
  for (const params of gridPoints(grid)) {
    const point = pointName(params);
    const pointSpecs = specsOf.get(point) ?? [];
    specsOf.delete(point);
    const inspections = readPoint(pointSpecs);
    const rows = pointSpecs.map((s) => runs[index.get(s.id)!]);
    const statuses: Record<string, number> = {};
    for (const r of rows) statuses[String(r.status)] = (statuses[String(r.status)] ?? 0) + 1;
    const med: Record<string, number> = {};
    const anyClassMedian: Record<string, number> = {};
    const excluded: Record<string, number> = {};
    for (const r of rows) if (!endedRun(r)) excluded[String(r.status)] = (excluded[String(r.status)] ?? 0) + 1;
    const ended = rows.filter(endedRun);
    const numericCols = new Set(rows.flatMap((r) => Object.keys(r).filter((k) => typeof r[k] === "number" && !paths.includes(k) && k !== "seed")));
    const medianOf = (rs: RunRow[], c: string) =>
      median(
        rs.map((r) => {
          const v = r[c];
          return typeof v === "number" ? (Number.isNaN(v) && c.startsWith("iters_to_") ? Infinity : v) : NaN;
        }),
      );
    for (const c of numericCols) {
      const cls = RATE_COLUMN_CLASS[c];
      med[c] = medianOf(cls ? ended.filter((r) => r.rate_class === cls) : ended, c);
      if (cls) anyClassMedian[c] = medianOf(ended, c);
    }
    const classes = ended.map((r) => String(r.rate_class)).filter((c) => c !== "");
    const tally = new Map<string, number>();
    for (const c of classes) tally.set(c, (tally.get(c) ?? 0) + 1);
    const classification = [...tally.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "";
    points.push({ point, params, runs: rows.length, statuses, median: med, anyClassMedian, excluded, classification, classes });
    const endedIds = new Set(ended.map((r) => r.id));
    curves.push(
      pointCurves(
        dir,
        point,
        params,
        pointSpecs.filter((s) => endedIds.has(s.id)),
        inspections,
      ),
    );
  }
  // runs of no listed point (none today: every spec belongs to a point of gridPoints) still get their rows
  for (const rest of specsOf.values()) readPoint(rest);
  if (tablesSeen > 0 && !metricSeen) {
    const numeric = [...columnsSeen].filter((c) => c !== "iteration" && c !== "seconds");
    throw new Error(`--metric ${errorMetric}: no run recorded a column ${errorMetric} in metrics.csv; choose one of ${numeric.join(", ")}`);
  }
  const damaged = damagedAt.filter((d): d is DamagedRun => d !== undefined);
  const differing = differingAt.filter((d): d is DamagedRun => d !== undefined);
  return { agg: { dir, damaged, differing, grid, paths, errorMetric, runs, points, curves }, entries };
}

/** Median and 10–90% quantiles across seeds at every recorded iteration of a point. */
export function pointCurves(
  dir: string,
  point: string,
  params: Record<string, unknown>,
  specs: RunSpec[],
  inspections?: Map<string, RunFolderInspection>,
): CurveTable {
  // only validated metrics (a damaged folder has none)
  const tables = specs.map((s) => (inspections?.get(s.id) ?? inspectRunFolder(path.join(dir, s.id))).metrics).filter((t) => t !== undefined);
  const metricNames = [...new Set(tables.flatMap((t) => t.columns))].filter((c) => c !== "iteration" && c !== "seconds");
  const byIter = new Map<number, { table: number; row: number }[]>();
  tables.forEach((t, ti) =>
    t.data.iteration.forEach((it, ri) => {
      const list = byIter.get(it) ?? [];
      list.push({ table: ti, row: ri });
      byIter.set(it, list);
    }),
  );
  const iterations = [...byIter.keys()].sort((a, b) => a - b);
  const metrics: CurveTable["metrics"] = {};
  for (const name of metricNames) metrics[name] = { median: [], q10: [], q90: [] };
  const counts: number[] = [];
  for (const it of iterations) {
    const refs = byIter.get(it)!;
    counts.push(refs.length);
    for (const name of metricNames) {
      const vals = refs
        .map((r) => tables[r.table].data[name]?.[r.row])
        .filter((v): v is number => v !== undefined && !Number.isNaN(v))
        .sort((a, b) => a - b);
      metrics[name].median.push(quantileSorted(vals, 0.5));
      metrics[name].q10.push(quantileSorted(vals, 0.1));
      metrics[name].q90.push(quantileSorted(vals, 0.9));
    }
  }
  return { point, params, iterations, counts, metrics };
}

/** runs.csv columns: id, point, varied paths, seed, status, …, in a fixed order. */
export function runColumns(agg: Aggregate): string[] {
  const fixed = ["id", "point", ...agg.paths, "seed", "status", "iterations", "seconds"];
  const rest = [...new Set(agg.runs.flatMap((r) => Object.keys(r)))].filter((c) => !fixed.includes(c));
  const finals = rest.filter((c) => c.startsWith("final_"));
  const others = rest.filter((c) => !c.startsWith("final_"));
  return [...fixed, ...finals, ...others];
}

/** curves.csv text: point, varied paths, iteration, runs, then <metric>_median/_q10/_q90. */
export function curvesCsv(agg: Aggregate): string {
  const metricNames = [...new Set(agg.curves.flatMap((c) => Object.keys(c.metrics)))];
  const cols = ["point", ...agg.paths, "iteration", "runs", ...metricNames.flatMap((m) => [`${m}_median`, `${m}_q10`, `${m}_q90`])];
  const rows: Record<string, unknown>[] = [];
  for (const c of agg.curves) {
    c.iterations.forEach((it, i) => {
      const r: Record<string, unknown> = { point: c.point, iteration: it, runs: c.counts[i] };
      for (const p of agg.paths) r[p] = c.params[p];
      for (const m of metricNames) {
        const s = c.metrics[m];
        r[`${m}_median`] = s ? s.median[i] : undefined;
        r[`${m}_q10`] = s ? s.q10[i] : undefined;
        r[`${m}_q90`] = s ? s.q90[i] : undefined;
      }
      rows.push(r);
    });
  }
  return toCsv(cols, rows);
}

/**
 * Aggregates a sweep folder and writes runs.csv, curves.csv and the merged manifest.json
 * (every run of the grid with its status, from all shards' folders). Returns the aggregate.
 */
export function writeAggregate(dir: string, opts: { errorMetric?: string } = {}): Aggregate {
  const { agg, entries } = aggregateWithEntries(dir, opts);
  writeFileAtomic(path.join(dir, "runs.csv"), toCsv(runColumns(agg), agg.runs));
  writeFileAtomic(path.join(dir, "curves.csv"), curvesCsv(agg));
  writeManifest(dir, makeManifest(entries, agg.grid.name));
  return agg;
}

function fmtNum(v: number | undefined, digits = 3): string {
  if (v === undefined || Number.isNaN(v)) return "—";
  if (v === Infinity) return "never";
  if (Number.isInteger(v) && Math.abs(v) < 1e7) return String(v);
  return v.toExponential(digits - 1);
}

/** A plain-text table of the parameter points (printed at the end of a sweep). */
export function formatPointTable(agg: Aggregate): string {
  // record.diagnostics with k > r: the slow mode's predicted rate next to the fitted one
  const predicted = agg.points.some((p) => p.median.predicted_rate !== undefined);
  const header = [
    ...agg.paths.map(shortLabel),
    "runs",
    "status",
    `final ${agg.errorMetric}`,
    "iters→1e-4",
    "rate λ",
    ...(predicted ? ["predicted λ"] : []),
    "log-log",
    "class",
  ];
  const body = agg.points.map((p) => [
    ...agg.paths.map((k) => formatValue(p.params[k])),
    String(p.runs),
    Object.entries(p.statuses)
      .map(([s, n]) => (Object.keys(p.statuses).length > 1 ? `${s}:${n}` : s))
      .join(" "),
    fmtNum(p.median[`final_${agg.errorMetric}`]),
    fmtNum(p.median[itersToColumn(1e-4)]),
    p.classification === "linear" ? fmtNum(p.median.linear_rate) : "—",
    ...(predicted ? [fmtNum(p.median.predicted_rate)] : []),
    p.classification === "sublinear" && Number.isFinite(p.median.loglog_slope) ? p.median.loglog_slope.toFixed(2) : "—",
    p.classification || "—",
  ]);
  return (
    formatTable(header, body) +
    `(medians over the seeds that ended; rate λ = −d ln e/dt over the tail, shown for linear points, from their linear runs; ` +
    `log-log = d ln e/d ln t, shown for sublinear points, from their sublinear runs; see docs/experiments.md` +
    `${predicted ? "; predicted λ = −ln(1 − η σ_min(F)²), the slow mode's rate under the identity operator, docs/diagnostics.md" : ""})\n` +
    excludedNote(agg)
  );
}

/** "3 runs left out of the medians (interrupted ×2, failed ×1)." or "" when none. */
export function excludedNote(agg: Aggregate): string {
  const tally: Record<string, number> = {};
  for (const p of agg.points) for (const [s, n] of Object.entries(p.excluded ?? {})) tally[s] = (tally[s] ?? 0) + n;
  const total = Object.values(tally).reduce((a, b) => a + b, 0);
  if (total === 0) return "";
  return `${total} run${total > 1 ? "s" : ""} left out of the medians, curves and fits (${Object.entries(tally)
    .map(([s, n]) => `${s} ×${n}`)
    .join(", ")}).\n`;
}

/** Formats rows as an aligned plain-text table. */
export function formatTable(header: string[], body: string[][]): string {
  // a loop, not Math.max(...): a spread of > 10⁵ rows overflows the stack
  const widths = header.map((h, i) => body.reduce((w, r) => Math.max(w, r[i].length), h.length));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd() + "\n";
  return line(header) + line(widths.map((w) => "-".repeat(w))) + body.map(line).join("");
}

/** Short names for common config paths (tables, legends). */
const SHORT: Record<string, string> = {
  "init.alpha": "α",
  "model.k": "k",
  "problem.kappa": "κ",
  "method.name": "method",
  "method.stepSize": "η",
  "init.type": "init",
  "init.ratio": "ratio",
  "problem.rank": "r",
  "problem.n": "n",
  "operator.m": "m",
  "operator.type": "operator",
  "model.type": "model",
  variant: "variant",
  "operator.p": "p",
  "problem.noise": "noise",
};

/** A short label for a config path: α for init.alpha, k for model.k, … else the last segment. */
export function shortLabel(p: string): string {
  return SHORT[p] ?? p.split(".").pop()!;
}

/** A value as shown in tables and legends. */
export function formatValue(v: unknown): string {
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

/** "k=4, α=0.05" for a parameter point (values written by `format`, default {@link formatValue}). */
export function pointLabel(params: Record<string, unknown>, labels: Record<string, string> = {}, format: (v: unknown) => string = formatValue): string {
  const parts = Object.entries(params).map(([p, v]) => (p === "variant" ? format(v) : `${labels[p] ?? shortLabel(p)}=${format(v)}`));
  return parts.length ? parts.join(", ") : "base";
}
