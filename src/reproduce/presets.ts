import * as fs from "node:fs";
import { closest } from "fastest-levenshtein";
import { readJsonInput } from "../io/json.js";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ConfigError } from "../config/schema.js";
import { type Aggregate, type PointSummary, classHonestPoints, excludedPointsText, formatValue, pointLabel } from "../results/aggregate.js";
import { type Grid, parseGrid, quickGrid } from "../config/grid.js";
import { logLogFit, lsSlope } from "../results/rates.js";

/**
 * Presets: the papers' phenomena at our sizes, as a checked-in sweep grid (`presets/<name>/grid.json`, with a
 * `quick` section for CI) plus an expectations file (`presets/<name>/expectations.json`)
 * that states the paper's claims and how each is checked against the aggregate of the
 * sweep. See docs/presets.md.
 */

const where = z.record(z.string(), z.unknown()).optional();
const bounds = { min: z.number().optional(), max: z.number().optional() };

/** How a claim is checked (evaluated on the per-point medians across seeds). */
export const checkSchema = z.discriminatedUnion("type", [
  /** Every matching run (at least `fraction` of them) has this rate class. */
  z
    .object({
      type: z.literal("class"),
      where,
      equals: z.enum(["linear", "sublinear", "stalled", "diverged"]),
      fraction: z.number().min(0).max(1).default(1),
      /** the runs.csv class column (default rate_class, the error metric's; e.g. sym_rate_class, the symmetric part's) */
      column: z.string().default("rate_class"),
    })
    .strict(),
  /** The median `metric` of every matching point lies in [min, max]. */
  z.object({ type: z.literal("range"), where, metric: z.string(), ...bounds }).strict(),
  /** The slope of ln(median metric) against ln(param) over the matching points lies in [min, max]. */
  z
    .object({
      type: z.literal("exponent"),
      where,
      param: z.string(),
      metric: z.string().default("linear_rate"),
      ...bounds,
      /** "linear": the slope of the metric itself against ln(param), e.g. iterations per unit of ln α (Wind's T ∝ ln(1/α)) */
      metricScale: z.enum(["log", "linear"]).default("log"),
    })
    .strict(),
  /**
   * metric(numerator point) / metric(denominator point) lies in [min, max], for every pair
   * of matching points that agree on all parameters not named in the two filters.
   */
  z
    .object({
      type: z.literal("ratio"),
      metric: z.string(),
      numerator: z.record(z.string(), z.unknown()),
      denominator: z.record(z.string(), z.unknown()),
      ...bounds,
    })
    .strict(),
  /** max/min of the median metric over the matching points is ≤ maxRatio (e.g. a rate that does not depend on α). */
  z.object({ type: z.literal("spread"), where, metric: z.string(), maxRatio: z.number().gt(1) }).strict(),
  /**
   * In every matching point, the fraction of finished runs whose runs.csv `metric` lies in
   * [min, max] is within [atLeast, atMost] (e.g. the share of seeds that recover M*).
   */
  z
    .object({
      type: z.literal("fraction"),
      where,
      metric: z.string(),
      ...bounds,
      atLeast: z.number().min(0).max(1).default(0),
      atMost: z.number().min(0).max(1).default(1),
    })
    .strict(),
  /**
   * Singular values are learned one by one: in each matching run's metrics, the first
   * iteration at which sv_i ≥ fraction·σ_i increases with i (i = 1…count).
   */
  z.object({ type: z.literal("sv-order"), where, count: z.number().int().min(2), fraction: z.number().gt(0).lt(1).default(0.5) }).strict(),
]);
export type Check = z.infer<typeof checkSchema>;

export const claimSchema = z
  .object({
    claim: z.string().describe("the paper's claim, in words"),
    check: checkSchema,
    margin: z.string().describe("why the bounds are what they are"),
    modes: z
      .array(z.enum(["quick", "full"]))
      .default(["quick", "full"])
      .describe("which modes check this claim"),
  })
  .strict();

export const expectationsSchema = z
  .object({
    title: z.string(),
    source: z.string().describe("the paper (authors, venue, year, figure/theorem)"),
    setup: z.string().describe("what the preset runs, including the step-size convention"),
    paperSetting: z.string().optional().describe("the paper's experimental setting as far as it is public, against this preset's"),
    sizes: z.string().optional().describe("full vs quick sizes and the measured wall time"),
    errorMetric: z.string().default("rel_error"),
    labels: z.record(z.string(), z.string()).default({}),
    figures: z.array(z.record(z.string(), z.unknown())).default([]),
    claims: z.array(claimSchema).min(1),
  })
  .strict();
export type Expectations = z.infer<typeof expectationsSchema>;

/** A loaded preset. */
export interface Preset {
  name: string;
  dir: string;
  grid: Grid;
  expectations: Expectations;
}

/** The presets folder of the package (presets/ next to src/ or dist/). */
export function presetsDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, "..", "..", "presets");
}

/** Names of the shipped presets (folders of presets/ with a grid.json), sorted. */
export function listPresets(dir = presetsDir()): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((n) => fs.existsSync(path.join(dir, n, "grid.json")))
    .sort();
}

/** A preset name that does not exist; the message names the closest existing one. */
export class UnknownPresetError extends Error {
  constructor(
    readonly preset: string,
    readonly available: string[],
  ) {
    const near = available.length ? closest(preset, available) : undefined;
    super(
      `unknown preset "${preset}"${near ? `; did you mean "${near}"?` : ""} (available: ${available.join(", ") || "none"}; see \`matsense reproduce --list\`)`,
    );
    this.name = "UnknownPresetError";
  }
}

/** Loads and validates a preset by name. */
export function loadPreset(name: string, dir = presetsDir()): Preset {
  const names = listPresets(dir);
  if (!names.includes(name)) throw new UnknownPresetError(name, names);
  const pdir = path.join(dir, name);
  const grid = parseGrid(readJsonInput(path.join(pdir, "grid.json"), `preset ${name}: grid`));
  const raw = readJsonInput(path.join(pdir, "expectations.json"), `preset ${name}: expectations`);
  const parsed = expectationsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => ({ path: `${name}/expectations.json: ${i.path.join(".")}`, value: undefined, message: i.message })));
  }
  return { name, dir: pdir, grid, expectations: parsed.data };
}

/** The grid a preset runs in a mode (quick applies the grid's quick section). */
export function presetGrid(preset: Preset, quick: boolean): Grid {
  return quick ? quickGrid(preset.grid) : preset.grid;
}

/** The outcome of one claim. */
export interface ClaimResult {
  claim: string;
  check: Check;
  margin: string;
  verdict: "pass" | "fail" | "not measured";
  /** What was measured, in words and numbers. */
  measured: string;
  /** What the check expected. */
  expected: string;
}

function matchesWhere(params: Record<string, unknown>, w: Record<string, unknown> | undefined): boolean {
  if (!w) return true;
  return Object.entries(w).every(([p, v]) => {
    const vals = Array.isArray(v) ? v : [v];
    return vals.some((x) => JSON.stringify(x) === JSON.stringify(params[p]));
  });
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "n/a" : v > 0 ? "∞ (never)" : "−∞";
  if (Number.isInteger(v) && Math.abs(v) < 1e7) return String(v);
  const a = Math.abs(v);
  return a >= 0.01 && a < 1000 ? String(Number(v.toPrecision(4))) : v.toExponential(3);
}

function rangeText(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return `in [${fmt(min)}, ${fmt(max)}]`;
  if (min !== undefined) return `≥ ${fmt(min)}`;
  if (max !== undefined) return `≤ ${fmt(max)}`;
  return "any value";
}

function inRange(v: number, min?: number, max?: number): boolean {
  return !Number.isNaN(v) && (min === undefined || v >= min) && (max === undefined || v <= max);
}

/** Reads a run's metrics and the true singular values of its M* (for sv-order checks). */
export type RunReader = (runId: string) => { columns: string[]; data: Record<string, number[]>; sigma: number[] } | undefined;

/** Evaluates one check against a sweep's aggregate. */
export function evaluateCheck(
  check: Check,
  agg: Aggregate,
  labels: Record<string, string> = {},
  readMetrics?: RunReader,
): { verdict: ClaimResult["verdict"]; measured: string; expected: string } {
  const pts = (w: Record<string, unknown> | undefined) => agg.points.filter((p) => matchesWhere(p.params, w) && p.runs > (p.statuses.pending ?? 0));
  const lab = (p: PointSummary) => pointLabel(p.params, labels);
  switch (check.type) {
    case "class": {
      const ps = pts(check.where);
      const ended = (p: PointSummary) => agg.runs.filter((r) => r.point === p.point && r.status !== "pending" && r.status !== "failed");
      const classesOf = (p: PointSummary) =>
        check.column === "rate_class"
          ? p.classes
          : ended(p)
              .map((r) => String(r[check.column] ?? ""))
              .filter((c) => c !== "");
      const classes = ps.flatMap(classesOf);
      if (!classes.length) return { verdict: "not measured", measured: "no finished runs match", expected: check.equals };
      const hit = classes.filter((c) => c === check.equals).length;
      const byPoint = ps.map((p) => `${lab(p)}: ${summarizeClasses(classesOf(p))}`).join("; ");
      return {
        verdict: hit / classes.length >= check.fraction ? "pass" : "fail",
        measured: `${hit}/${classes.length} runs ${check.equals} (${byPoint})`,
        expected:
          `${check.fraction === 1 ? "all" : `≥ ${Math.round(check.fraction * 100)}% of`} runs ${check.equals}` +
          (check.column === "rate_class" ? "" : ` (${check.column})`),
      };
    }
    case "range": {
      const ps = pts(check.where);
      if (!ps.length) return { verdict: "not measured", measured: "no finished runs match", expected: `${check.metric} ${rangeText(check.min, check.max)}` };
      const vals = ps.map((p) => p.median[check.metric] ?? NaN);
      return {
        verdict: vals.every((v) => inRange(v, check.min, check.max)) ? "pass" : "fail",
        measured: ps.map((p, i) => `${lab(p)}: ${fmt(vals[i])}`).join("; "),
        expected: `median ${check.metric} ${rangeText(check.min, check.max)}`,
      };
    }
    case "exponent": {
      const { fit: ps, excluded } = classHonestPoints(pts(check.where), check.metric);
      const xs = ps.map((p) => Number(p.params[check.param])),
        ys = ps.map((p) => p.median[check.metric] ?? NaN);
      const fit = check.metricScale === "log" ? logLogFit(xs, ys) : semiLogFit(xs, ys);
      const metricText = `${check.metricScale === "log" ? "ln " : ""}${check.metric}`;
      const exp = `slope of ${metricText} vs ln ${labels[check.param] ?? check.param} ${rangeText(check.min, check.max)}`;
      const ex = excluded.length ? `; ${excludedPointsText(excluded, labels)}` : "";
      if (fit.points < 2) return { verdict: "not measured", measured: `${fit.points} usable point(s)${ex}`, expected: exp };
      return {
        verdict: inRange(fit.slope, check.min, check.max) ? "pass" : "fail",
        measured: `slope ${fit.slope.toFixed(2)} over ${fit.points} points (${ps.map((p) => `${lab(p)}: ${fmt(p.median[check.metric])}`).join("; ")})${ex}`,
        expected: exp,
      };
    }
    case "ratio": {
      const named = new Set([...Object.keys(check.numerator), ...Object.keys(check.denominator)]);
      const key = (p: PointSummary) => JSON.stringify(Object.entries(p.params).filter(([k]) => !named.has(k)));
      const nums = pts(check.numerator),
        dens = pts(check.denominator);
      const pairs = nums.flatMap((n) =>
        dens.filter((d) => key(d) === key(n)).map((d) => ({ n, d, r: (n.median[check.metric] ?? NaN) / (d.median[check.metric] ?? NaN) })),
      );
      const exp =
        `${check.metric}(${pointLabel(check.numerator, labels)}) / ${check.metric}(${pointLabel(check.denominator, labels)}) ` +
        `${rangeText(check.min, check.max)}`;
      if (!pairs.length) return { verdict: "not measured", measured: "no matching pairs of points", expected: exp };
      return {
        verdict: pairs.every((p) => inRange(p.r, check.min, check.max)) ? "pass" : "fail",
        measured: pairs
          .map((p) => {
            const rest = Object.fromEntries(Object.entries(p.n.params).filter(([k]) => !named.has(k)));
            return (
              `${Object.keys(rest).length ? `${pointLabel(rest, labels)}: ` : ""}${fmt(p.n.median[check.metric])} / ` +
              `${fmt(p.d.median[check.metric])} = ${fmt(p.r)}`
            );
          })
          .join("; "),
        expected: exp,
      };
    }
    case "spread": {
      const ps = pts(check.where);
      const vals = ps.map((p) => p.median[check.metric] ?? NaN);
      const exp = `max/min of ${check.metric} ≤ ${check.maxRatio}`;
      if (ps.length < 2) return { verdict: "not measured", measured: `${ps.length} point(s)`, expected: exp };
      const ratio = Math.max(...vals) / Math.min(...vals);
      return {
        verdict: vals.every((v) => v > 0 && Number.isFinite(v)) && ratio <= check.maxRatio ? "pass" : "fail",
        measured: `max/min = ${fmt(ratio)} (${ps.map((p, i) => `${lab(p)}: ${fmt(vals[i])}`).join("; ")})`,
        expected: exp,
      };
    }
    case "fraction": {
      const ps = pts(check.where);
      const exp = `share of runs with ${check.metric} ${rangeText(check.min, check.max)} in [${fmt(check.atLeast)}, ${fmt(check.atMost)}] at every point`;
      if (!ps.length) return { verdict: "not measured", measured: "no finished runs match", expected: exp };
      const shares = ps.map((p) => {
        const rs = agg.runs.filter((r) => r.point === p.point && r.status !== "pending" && r.status !== "failed");
        const hit = rs.filter((r) => inRange(Number(r[check.metric]), check.min, check.max)).length;
        return { p, hit, n: rs.length, share: rs.length ? hit / rs.length : NaN };
      });
      return {
        verdict: shares.every((s) => s.share >= check.atLeast && s.share <= check.atMost) ? "pass" : "fail",
        measured: shares.map((s) => `${lab(s.p)}: ${s.hit}/${s.n}`).join("; "),
        expected: exp,
      };
    }
    case "sv-order": {
      const ps = pts(check.where);
      const runs = agg.runs.filter((r) => ps.some((p) => p.point === r.point) && r.status !== "pending" && r.status !== "failed");
      const exp = `first iteration with σᵢ(P) ≥ ${check.fraction}·σᵢ(M*) increases with i = 1…${check.count}`;
      if (!runs.length || !readMetrics) return { verdict: "not measured", measured: "no finished runs match", expected: exp };
      let ok = 0;
      const details: string[] = [];
      for (const r of runs) {
        const t = readMetrics(String(r.id));
        const sigma = t?.sigma ?? [];
        if (!t || !t.columns.includes(`sv_${check.count}`) || sigma.length < check.count) continue;
        const times = Array.from({ length: check.count }, (_, i) => {
          const col = t.data[`sv_${i + 1}`];
          const j = col.findIndex((v) => v >= check.fraction * sigma[i]);
          return j < 0 ? Infinity : t.data.iteration[j];
        });
        const increasing = times.every((v, i) => i === 0 || v > times[i - 1]);
        if (increasing) ok++;
        if (details.length < 3)
          details.push(
            `seed ${r.seed}${ps.length > 1 ? ` (${pointLabel(ps.find((p) => p.point === r.point)!.params, labels)})` : ""}: ${times.map(fmt).join(" < ")}`,
          );
      }
      return { verdict: ok === runs.length ? "pass" : "fail", measured: `${ok}/${runs.length} runs in order (${details.join("; ")})`, expected: exp };
    }
  }
}

/** Least-squares slope of y against ln x over the points with x > 0 and finite y (y itself, not ln y). */
function semiLogFit(x: number[], y: number[]): { slope: number; points: number } {
  const keep = x.map((v, i) => v > 0 && Number.isFinite(v) && Number.isFinite(y[i]));
  const lx = x.filter((_, i) => keep[i]).map(Math.log),
    fy = y.filter((_, i) => keep[i]);
  return { slope: lsSlope(lx, fy), points: lx.length };
}

function summarizeClasses(classes: string[]): string {
  const t = new Map<string, number>();
  for (const c of classes) t.set(c, (t.get(c) ?? 0) + 1);
  return [...t.entries()].map(([c, n]) => (t.size > 1 || n > 1 ? `${n}× ${c}` : c)).join(", ");
}

/** Evaluates a preset's claims for a mode. */
export function evaluateClaims(preset: Preset, agg: Aggregate, quick: boolean, readMetrics?: RunReader): ClaimResult[] {
  return preset.expectations.claims
    .filter((c) => c.modes.includes(quick ? "quick" : "full"))
    .map((c) => ({ claim: c.claim, check: c.check, margin: c.margin, ...evaluateCheck(c.check, agg, preset.expectations.labels, readMetrics) }));
}

/** Value text for tables. */
export { formatValue };
