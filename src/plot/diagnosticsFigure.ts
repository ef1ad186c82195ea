import type { Aggregate } from "../results/aggregate.js";
import { pointLabel } from "../results/aggregate.js";
import { PALETTE, type Panel, type Series, renderFigure } from "./figure.js";
import { type FigureRequest, type Labels, configSummary, firstRunConfig, matches, referenceLine, seedsOf } from "./request.js";

/** Axis/legend names of the diagnostics columns (docs/diagnostics.md). */
const DIAGNOSTIC_LABELS: Record<string, string> = {
  rel_error: "relative error",
  signal_error: "signal ‖U*ᵀΔV*‖/‖M*‖",
  spurious_norm: "spurious ‖U⊥ᵀPV⊥‖/‖M*‖",
  cross_error: "cross terms /‖M*‖",
  alignment_X: "sin∠(U*, top-r of X)",
  alignment_F: "sin∠(U*, top-r of F)",
  alignment_G: "sin∠(V*, top-r of G)",
  perturbation_ratio: "‖A*A(Δ) − Δ‖₂/‖Δ‖_F",
  imbalance_min_eig: "|λ_min(FᵀF − GᵀG)|",
};

/** Legend name of a diagnostics column (alignment_F_2 → sin∠(top-2 of U*, top-2 of F)). */
export function diagnosticLabel(m: string): string {
  const top = /^alignment_([XFG])_(\d+)$/.exec(m);
  if (top) return `sin∠(top-${top[2]} of ${top[1] === "G" ? "V*" : "U*"}, top-${top[2]} of ${top[1]})`;
  return DIAGNOSTIC_LABELS[m] ?? m;
}

/**
 * Several metrics of each parameter point on one panel (median across seeds, 10–90 % band),
 * one panel per point (at most 6): e.g. signal_error next to spurious_norm, or alignment
 * then error (rel_error is drawn dashed). `req.metrics` lists the columns; `req.reference` adds a dashed c·t^slope line
 * anchored on `req.reference.metric` (default: the first metric).
 */
export function diagnosticsFigure(agg: Aggregate, req: FigureRequest, labels: Labels = {}): string {
  const metrics = req.metrics ?? ["signal_error", "spurious_norm", "rel_error"];
  const curves = agg.curves.filter((c) => matches(c.params, req.where)).slice(0, 6);
  const panels: Panel[] = curves.map((c) => {
    const full = Math.max(0, ...c.counts);
    const keep = c.iterations.map((it, i) => c.counts[i] === full && (!req.xLog || it > 0));
    const sel = <T>(a: T[] | undefined) => a?.filter((_, i) => keep[i]);
    const series: Series[] = metrics.map((m, i) => {
      const s = c.metrics[m];
      return { label: diagnosticLabel(m), x: sel(c.iterations)!, y: (sel(s?.median) ?? []).map((v) => (v > 0 ? v : NaN)), lo: sel(s?.q10), hi: sel(s?.q90), color: PALETTE[i % PALETTE.length], dashed: m === "rel_error" };
    });
    if (req.reference) {
      const anchor = metrics.indexOf(req.reference.metric ?? metrics[0]);
      series.push(...referenceLine([series[Math.max(0, anchor)]], req.reference));
    }
    return { subtitle: pointLabel(c.params, labels), xLabel: "iteration", yLabel: "value (log scale)", xLog: req.xLog, yLog: true, series };
  });
  const seeds = seedsOf(agg);
  return renderFigure({
    title: req.title ?? `${agg.grid.name ? `${agg.grid.name}: ` : ""}diagnostics vs iteration`,
    panels,
    columns: panels.length === 4 ? 2 : Math.min(3, Math.max(1, panels.length)),
    panelWidth: panels.length > 1 ? 420 : 560,
    panelHeight: 300,
    caption: `One panel per parameter point; lines: median over ${seeds.length} seed${seeds.length > 1 ? "s" : ""}${seeds.length > 1 ? ", bands: 10–90 % across seeds" : ""}; definitions in docs/diagnostics.md. ` +
      configSummary(firstRunConfig(agg), agg.paths, seeds),
  });
}
