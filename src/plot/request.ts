import * as fs from "node:fs";
import * as path from "node:path";
import type { Aggregate } from "../results/aggregate.js";
import type { Series } from "./figure.js";

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
  reference?: { slope: number; label: string; metric?: string };
  /** Leave the caption out (e.g. for a paper, whose caption is written there). */
  noCaption?: boolean;
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

/** The reference line c·t^slope anchored a factor 2 above the end of the longest series (none if no data). */
export function referenceLine(series: Series[], ref: { slope: number; label: string }): Series[] {
  let best: { T: number; y: number } | undefined;
  for (const s of series) {
    for (let i = s.x.length - 1; i >= 0; i--) {
      if (Number.isFinite(s.y[i]) && s.y[i] > 0) {
        if (!best || s.x[i] > best.T) best = { T: s.x[i], y: s.y[i] };
        break;
      }
    }
  }
  if (!best || best.T < 10) return [];
  const { T, y } = best;
  const x = Array.from({ length: 21 }, (_, i) => T * Math.pow(10, -2 + (2 * i) / 20));
  return [{ label: ref.label, x, y: x.map((t) => 2 * y * Math.pow(t / T, ref.slope)), color: "#555", dashed: true }];
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
  parts.push(v("operator.type", `operator=${op.type}`) + (op.type === "identity" ? "" : op.p !== undefined && op.type === "completion" ? `, ${v("operator.p", `p=${op.p}`)}` : `, ${v("operator.m", `m=${op.m}`)}`));
  const mo = c.model ?? {};
  parts.push(`${v("model.type", `model=${mo.type === "asymmetric" ? "FGᵀ" : mo.type === "symmetric" ? "XXᵀ" : mo.type}`)}, ${v("model.k", `k=${mo.k}`)}`);
  const ini = c.init ?? {};
  if (ini.type === "spectral") parts.push(v("init.type", "init=spectral"));
  else parts.push(`${v("init.type", `init=${ini.type}`)}, ${v("init.alpha", `α=${ini.alpha}`)}` + (mo.type === "asymmetric" && ini.type !== "identical" ? `, ${v("init.ratio", `ratio=${ini.ratio}`)}` : ""));
  const me = c.method ?? {};
  parts.push(`${v("method.name", `method=${me.name}`)}, ${v("method.stepSize", `η=${me.stepSize}`)} (½-loss convention)`);
  parts.push(v("stop.maxIterations", `≤${c.stop?.maxIterations} iterations`));
  if (seeds && seeds.length) parts.push(seeds.length === 1 ? `seed ${seeds[0]}` : `${seeds.length} seeds (${seeds[0]}…${seeds[seeds.length - 1]})`);
  if (c.matsense?.version) parts.push(`matsense ${c.matsense.version}`);
  return parts.join("; ") + ".";
}

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
