import type { Aggregate } from "../results/aggregate.js";
import { type FigureSpec, PALETTE, type Panel, type Series, renderFigure } from "./figure.js";
import { type FigureRequest, type Labels, figureLabel, matches, referenceAnchors, referenceLine, seedsOf, sweepSummary } from "./request.js";
import { populationLawSeries, theoryLabel } from "./theory.js";
import { mixesFlow, pointConfig, timeCurve, xAxisLabel } from "./time.js";

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
export function diagnosticsFigureSpec(agg: Aggregate, req: FigureRequest, labels: Labels = {}): FigureSpec {
  const metrics = req.metrics ?? ["signal_error", "spurious_norm", "rel_error"];
  const time = req.timeAxis ?? mixesFlow(agg);
  const curves = agg.curves
    .filter((c) => matches(c.params, req.where))
    .slice(0, 6)
    .map((c) => (time ? timeCurve(agg, c, metrics) : c));
  const panels: Panel[] = curves.map((c) => {
    const full = Math.max(0, ...c.counts);
    const keep = c.iterations.map((it, i) => c.counts[i] === full && (!req.xLog || it > 0));
    const sel = <T>(a: T[] | undefined) => a?.filter((_, i) => keep[i]);
    const series: Series[] = metrics.map((m, i) => {
      const s = c.metrics[m];
      return {
        label: diagnosticLabel(m),
        x: sel(c.iterations)!,
        y: (sel(s?.median) ?? []).map((v) => (v > 0 ? v : NaN)),
        lo: sel(s?.q10),
        hi: sel(s?.q90),
        color: PALETTE[i % PALETTE.length],
        dashed: m === "rel_error",
      };
    });
    const config = pointConfig(agg, c.point);
    if (req.theory !== false) {
      const law = ["spurious_norm", "rel_error", "abs_error"].find((m) => metrics.includes(m));
      if (law) series.push(...populationLawSeries(config, law, series[metrics.indexOf(law)].x, time));
    }
    if (req.reference) {
      const anchor = Math.max(0, metrics.indexOf(req.reference.metric ?? metrics[0]));
      // never through a curve at machine precision (e.g. the spurious part of a k = r run)
      const { series: anchors } = referenceAnchors([{ series: series[anchor] }]);
      series.push(...referenceLine(anchors, { ...req.reference, label: theoryLabel(req.reference.label) }));
    }
    return { subtitle: figureLabel(c.params, labels), xLabel: xAxisLabel(time), yLabel: "value (log scale)", xLog: req.xLog, yLog: true, series };
  });
  const seeds = seedsOf(agg);
  return {
    title: req.title ?? `${agg.grid.name ? `${agg.grid.name}: ` : ""}diagnostics vs ${time ? "time" : "iteration"}`,
    panels,
    columns: panels.length === 4 ? 2 : Math.min(3, Math.max(1, panels.length)),
    panelWidth: panels.length > 1 ? 420 : 560,
    panelHeight: 300,
    caption:
      `One panel per parameter point; lines: median over ${seeds.length} ` +
      `seed${seeds.length > 1 ? "s" : ""}${seeds.length > 1 ? ", bands: 10–90 % across seeds" : ""}; definitions in docs/diagnostics.md. ` +
      (time
        ? "x: continuous time t = η·iteration for GD, the integrated time for the gradient flow " +
          "(seeds interpolated onto the median time of each recorded step). "
        : "") +
      sweepSummary(agg, seeds, req.where),
  };
}

/** {@link diagnosticsFigureSpec} rendered as SVG text. */
export function diagnosticsFigure(agg: Aggregate, req: FigureRequest, labels: Labels = {}): string {
  return renderFigure(diagnosticsFigureSpec(agg, req, labels));
}
