import * as fs from "node:fs";
import * as path from "node:path";
import type { Aggregate } from "../results/aggregate.js";
import { type FigureSpec, type LegendPosition, REFERENCE_COLOR, REFERENCE_DASH, type Series } from "./figure.js";
import { shortLabel } from "../results/aggregate.js";
import { getPath } from "../config/schema.js";
import { OPERATORS } from "../catalogue/operators.js";

/*
 * What a figure request is, and the helpers every figure module shares (charts.ts and
 * diagnosticsFigure.ts both draw from these; neither imports the other's figures).
 */

/** What to draw (presets list these; `matsense plot` picks them automatically). */
export interface FigureRequest {
  type: "error" | "singular-values" | "imbalance" | "rate-vs" | "iters-vs" | "diagnostics";
  /** For diagnostics figures: the metrics drawn on each point's panel (see plot/diagnosticsFigure.ts). */
  metrics?: string[];
  /** File name without extension (default: derived from the type). */
  name?: string;
  title?: string;
  /** Error column (default: the aggregate's error metric, rel_error). */
  metric?: string;
  /** Log-scale iteration axis (error plots). */
  xLog?: boolean;
  /**
   * For iters-vs and error plots: a log-scale y axis (default true; false for a linear axis, e.g. where iterations ∝ ln(1/α) is a straight line
   * against a log α axis, or for an effective rank between 1 and 20).
   */
  yLog?: boolean;
  /** For rate-vs / iters-vs: the parameter on the x axis. */
  param?: string;
  /** For iters-vs: the error level ε (default 1e-4). */
  level?: number;
  /** Only points whose params match (path → value or list of values). */
  where?: Record<string, unknown>;
  /** For error plots: one panel per value of this parameter. */
  panelBy?: string;
  /**
   * A dashed reference line. Error plots: c·t^slope (e.g. slope −1 for the 1/T law), drawn
   * over the last two decades of the longest curve, a factor 2 above it (`metric`: only on
   * that metric's figure). rate-vs plots: c·param^slope (e.g. slope 2 for λ ∝ α²) through
   * the geometric mean of the fitted points.
   */
  reference?: { slope: number; label: string; metric?: string; anchor?: string };
  /** Leave the caption out (e.g. for a paper, whose caption is written there). */
  noCaption?: boolean;
  /** Axis ranges [lo, hi] (data outside is clipped). */
  xlim?: [number, number];
  ylim?: [number, number];
  /** Legend position (default: on top when it fits in two rows, else right of the panels). */
  legend?: LegendPosition | "auto";
  /** Total figure size in px. */
  width?: number;
  height?: number;
  /** Series colours (default: the colour-blind-safe PALETTE). */
  palette?: string[];
  /** Draw the theory lines that apply (population 1/T law, λ ∝ α²); default true. */
  theory?: boolean;
  /** Continuous time t = η·iteration on the x axis (default: when GD and the gradient flow are mixed). */
  timeAxis?: boolean;
}

/** Human-readable labels of config paths (legends); presets may pass their own. */
export type Labels = Record<string, string>;

/** True when params match a filter (path → value or list of allowed values). */
export function matches(params: Record<string, unknown>, where: Record<string, unknown> | undefined): boolean {
  if (!where) return true;
  return Object.entries(where).every(([p, v]) => (Array.isArray(v) ? v.some((x) => sameValue(x, params[p])) : sameValue(v, params[p])));
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Curves whose last value is at or below this are at machine precision: never an anchor. */
export const MACHINE_PRECISION_FLOOR = 1e-12;

/** A curve that a reference line may be anchored to, with what the anchor rules read. */
export interface AnchorCandidate {
  series: Series;
  /** model.k and problem.rank of the curve's runs. */
  k?: number;
  r?: number;
  /** Rate class of the curve (linear, sublinear, stalled, diverged). */
  cls?: string;
  params?: Record<string, unknown>;
}

function lastValue(s: Series): number {
  for (let i = s.y.length - 1; i >= 0; i--) if (Number.isFinite(s.y[i])) return s.y[i];
  return NaN;
}

/**
 * Parses an anchor rule of `--reference slope=-1@RULE`: `k>r`, `k=r`, `sublinear`, `linear`,
 * `stalled`, or `<param>=<value>` (a config path, its last segment or its symbol, e.g. model.k=4,
 * k=4, α=0.01); several rules joined by `,` must all hold.
 */
export function parseAnchor(text: string): (c: AnchorCandidate) => boolean {
  const rules = text
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t): ((c: AnchorCandidate) => boolean) => {
      if (t === "k>r") return (c) => c.k !== undefined && c.r !== undefined && c.k > c.r;
      if (t === "k=r") return (c) => c.k !== undefined && c.r !== undefined && c.k === c.r;
      if (["linear", "sublinear", "stalled", "diverged"].includes(t)) return (c) => c.cls === t;
      const m = /^([A-Za-z_.α-ωκ][\w.α-ωκ]*)=(.+)$/.exec(t);
      if (m) {
        const [, name, value] = m;
        return (c) =>
          Object.entries(c.params ?? {}).some(
            ([p, v]) => (p === name || p.split(".").pop() === name || shortLabel(p) === name) && (String(v) === value || Number(v) === Number(value)),
          );
      }
      throw new Error(`--reference anchor "${t}" is not understood; use k>r, k=r, sublinear, linear, stalled or <parameter>=<value> (e.g. model.k=4)`);
    });
  if (rules.length === 0) throw new Error(`--reference anchor is empty; use e.g. slope=-1@k>r`);
  return (c) => rules.every((r) => r(c));
}

/**
 * The curves a reference line is anchored to: those matching `anchor` (see {@link parseAnchor});
 * by default the sublinear curves, else the k > r curves, else all — never a curve whose last
 * value is at machine precision (≤ {@link MACHINE_PRECISION_FLOOR}). Returns them and a text
 * for the legend ("the k > r curves").
 */
export function referenceAnchors(cands: AnchorCandidate[], anchor?: string): { series: Series[]; text: string } {
  const live = cands.filter((c) => lastValue(c.series) > MACHINE_PRECISION_FLOOR);
  if (anchor) {
    const rule = parseAnchor(anchor);
    return { series: live.filter(rule).map((c) => c.series), text: `the ${anchor} curves` };
  }
  const sub = live.filter((c) => c.cls === "sublinear");
  if (sub.length) return { series: sub.map((c) => c.series), text: "the sublinear curves" };
  const over = live.filter((c) => c.k !== undefined && c.r !== undefined && c.k > c.r);
  if (over.length) return { series: over.map((c) => c.series), text: "the k>r curves" };
  return { series: live.map((c) => c.series), text: live.length === cands.length ? "the curves" : "the curves above machine precision" };
}

/** The reference line c·t^slope anchored a factor 2 above the end of the longest series, the highest of those ending last (none if no data). */
export function referenceLine(series: Series[], ref: { slope: number; label: string }): Series[] {
  let best: { T: number; y: number } | undefined;
  for (const s of series) {
    for (let i = s.x.length - 1; i >= 0; i--) {
      if (Number.isFinite(s.y[i]) && s.y[i] > 0) {
        if (!best || s.x[i] > best.T || (s.x[i] === best.T && s.y[i] > best.y)) best = { T: s.x[i], y: s.y[i] };
        break;
      }
    }
  }
  if (!best || best.T < 10) return [];
  const { T, y } = best;
  const x = Array.from({ length: 21 }, (_, i) => T * Math.pow(10, -2 + (2 * i) / 20));
  return [{ label: ref.label, x, y: x.map((t) => 2 * y * Math.pow(t / T, ref.slope)), color: REFERENCE_COLOR, dash: REFERENCE_DASH }];
}

/** A one-paragraph summary of a run config (the caption of every figure). */
export function configSummary(config: Record<string, unknown>, varied: string[] = [], seeds?: number[]): string {
  const c = config as {
    problem?: { n?: number; n2?: number; rank?: number; kappa?: number; spectrum?: string; singularValues?: number[]; truth?: string; noise?: number };
    operator?: { type?: string; m?: number; p?: number };
    model?: { type?: string; k?: number };
    init?: { type?: string; alpha?: number; ratio?: number };
    method?: Record<string, unknown> & { name?: string; stepSize?: number };
    stop?: { maxIterations?: number; targetRelError?: number };
    matsense?: { version?: string; backend?: string };
  };
  const v = (p: string, s: string) => (varied.includes(p) ? `${s.split("=")[0]}=varied` : s);
  const parts: string[] = [];
  const pr = c.problem ?? {};
  parts.push(`${pr.truth ?? "psd"} truth ${pr.n}×${pr.n2 ?? pr.n}`, v("problem.rank", `r=${pr.rank}`));
  if (pr.singularValues) parts.push(v("problem.singularValues", `σ=[${pr.singularValues.join(", ")}]`));
  else parts.push(v("problem.kappa", `κ=${pr.kappa}`) + ` (${pr.spectrum ?? "linspace"})`);
  if (pr.noise) parts.push(v("problem.noise", `noise=${pr.noise}`));
  const op = c.operator ?? {};
  // the size of the operator: m when it takes it, else its own size option (completion's p), from its catalogue entry
  const d = OPERATORS.find((o) => o.type === op.type) as { takesM?: boolean; options: object } | undefined;
  const size =
    d?.takesM !== false
      ? `, ${v("operator.m", `m=${op.m}`)}`
      : d && Object.hasOwn(d.options, "p") && op.p !== undefined
        ? `, ${v("operator.p", `p=${op.p}`)}`
        : "";
  parts.push(v("operator.type", `operator=${op.type}`) + size);
  const mo = c.model ?? {};
  parts.push(`${v("model.type", `model=${mo.type === "asymmetric" ? "FGᵀ" : mo.type === "symmetric" ? "XXᵀ" : mo.type}`)}, ${v("model.k", `k=${mo.k}`)}`);
  const ini = c.init ?? {};
  if (ini.type === "spectral") parts.push(v("init.type", "init=spectral"));
  else
    parts.push(
      `${v("init.type", `init=${ini.type}`)}, ${v("init.alpha", `α=${ini.alpha}`)}` +
        (mo.type === "asymmetric" && ini.type !== "identical" ? `, ${v("init.ratio", `ratio=${ini.ratio}`)}` : ""),
    );
  const me = c.method ?? {};
  parts.push(`${v("method.name", `method=${me.name}`)}, ${v("method.stepSize", `η=${me.stepSize}`)} (½-loss convention)`);
  parts.push(v("stop.maxIterations", `≤${c.stop?.maxIterations} iterations`));
  if (seeds && seeds.length) parts.push(seeds.length === 1 ? `seed ${seeds[0]}` : `${seeds.length} seeds (${seeds[0]}…${seeds[seeds.length - 1]})`);
  if (c.matsense?.version) parts.push(`matsense ${c.matsense.version}`);
  return parts.join("; ") + ".";
}

/** The config paths a sweep varies: its varied parameters and every path its variants set (for captions: "method=varied"). */
export function variedConfigPaths(agg: Aggregate): string[] {
  const variants = agg.grid.variants ?? [];
  const base = agg.grid.base;
  const valueIn = (set: Record<string, unknown>, p: string) => JSON.stringify(p in set ? set[p] : getPath(base, p));
  const set = [...new Set(variants.flatMap((v) => Object.keys(v.set)))].filter((p) => new Set(variants.map((v) => valueIn(v.set, p))).size > 1);
  return [...new Set([...agg.paths, ...set])];
}

/** Applies a request's layout (legend, size, palette, axis ranges) to a figure spec. */
export function withLayout(spec: FigureSpec, req: FigureRequest): FigureSpec {
  return {
    ...spec,
    ...(req.legend ? { legend: req.legend } : {}),
    ...(req.width ? { width: req.width } : {}),
    ...(req.height ? { height: req.height } : {}),
    ...(req.palette ? { palette: req.palette } : {}),
    panels: spec.panels.map((p) => ({ ...p, ...(req.xlim ? { xDomain: req.xlim } : {}), ...(req.ylim ? { yDomain: req.ylim } : {}) })),
  };
}

/** The first run's config.json of a sweep (its grid's base when no run has one). */
export function firstRunConfig(agg: Aggregate): Record<string, unknown> {
  for (const r of agg.runs) {
    const f = path.join(agg.dir, String(r.id), "config.json");
    if (fs.existsSync(f)) return JSON.parse(fs.readFileSync(f, "utf8")) as Record<string, unknown>;
  }
  return agg.grid.base;
}

export function seedsOf(agg: Aggregate): number[] {
  return [...new Set(agg.runs.map((r) => Number(r.seed)))].sort((a, b) => a - b);
}
