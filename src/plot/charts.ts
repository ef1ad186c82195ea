import * as fs from "node:fs";
import * as path from "node:path";
import { ensureDir, writeFileAtomic } from "../io/files.js";
import { type Aggregate, aggregateSweep, classHonestPoints, excludedPointsText, itersToColumn, shortLabel } from "../results/aggregate.js";
import { fitRates, logLogFit } from "../results/rates.js";
import { type RunResultFiles, type Table, isRunFolder, readRunFolder, toCsv } from "../results/results.js";
import { spectrum } from "../problem/truth.js";
import {
  DASHES,
  type FigureSpec,
  type LegendPosition,
  PALETTE,
  type Panel,
  REFERENCE_COLOR,
  REFERENCE_DASH,
  type Series,
  THEORY_COLOR,
  THEORY_DASH,
  renderFigure,
} from "./figure.js";
import { diagnosticLabel } from "./diagnosticsFigure.js";
import { isFlowConfig, mixesFlow, pointConfig, runTime, timeCurve, xAxisLabel } from "./time.js";
import {
  type TheoryConfig,
  alphaSquaredApplies,
  fitAlphaSquared,
  logSpace,
  populationLawSeries,
  theoryLabel,
  worstCaseApplies,
  worstCaseRate,
  worstCaseSeries,
} from "./theory.js";
import { maxOf, minOf } from "../linalg/extrema.js";
import { svgToPng } from "./png.js";
import { svgToPdf } from "./pdf.js";
import { diagnosticsFigureSpec } from "./diagnosticsFigure.js";
import {
  type AnchorCandidate,
  type FigureRequest,
  type Labels,
  configSummary,
  figureLabel,
  figureValue,
  firstRunConfig,
  matches,
  parseAnchor,
  referenceAnchors,
  referenceLine,
  seedsOf,
  sweepSummary,
  withLayout,
} from "./request.js";

export { type FigureRequest, type Labels, configSummary, firstRunConfig, matches, referenceLine, seedsOf };

/**
 * The standard figures, drawn from result files only (metrics.csv, summary.json,
 * config.json, and the aggregate of a sweep): error vs iteration with bands across
 * seeds, singular values of the product over time, eigenvalues of FᵀF − GᵀG over time,
 * the fitted linear rate against a parameter (log-log), iterations to ε against a
 * parameter.
 */

/** The caption of a figure unless the request asks for none. */
function captionFor(req: Pick<FigureRequest, "noCaption"> | undefined, text: string): string | undefined {
  return req?.noCaption ? undefined : text;
}

/** The line c·x^slope through the geometric mean of the points of `series` (for rate-vs figures). */
function powerReference(series: Series[], ref: { slope: number; label: string }): Series[] {
  const lx: number[] = [],
    ly: number[] = [];
  for (const s of series)
    s.x.forEach((x, i) => {
      if (x > 0 && s.y[i] > 0 && Number.isFinite(s.y[i])) {
        lx.push(Math.log(x));
        ly.push(Math.log(s.y[i]));
      }
    });
  if (lx.length === 0) return [];
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length,
    my = ly.reduce((a, b) => a + b, 0) / ly.length;
  const lo = minOf(lx),
    hi = maxOf(lx);
  const x = Array.from({ length: 21 }, (_, i) => Math.exp(lo + ((hi - lo) * i) / 20));
  return [{ label: ref.label, x, y: x.map((v) => Math.exp(my + ref.slope * (Math.log(v) - mx))), color: REFERENCE_COLOR, dash: REFERENCE_DASH }];
}

function metricLabel(metric: string): string {
  switch (metric) {
    case "rel_error":
      return "relative error ‖P − M*‖_F / ‖M*‖_F";
    case "sym_rel_error":
      return "relative error of the symmetric part";
    case "abs_error":
      return "‖P − M*‖_F";
    case "loss":
      return "loss ½‖A(P) − y‖²";
    case "imbalance_norm":
      return "‖FᵀF − GᵀG‖_F";
    case "effective_rank":
      return "effective rank exp H(σ/Σσ) of P";
    case "nuclear_norm":
      return "nuclear norm ‖P‖* = Σσᵢ(P)";
    case "test_rel_error":
      return "relative error on the held-out entries";
    default:
      return metric;
  }
}

/** Short legend name of an error column (for figures with several metrics per panel). */
function metricShort(metric: string): string {
  const d = diagnosticLabel(metric);
  return d !== metric ? d : metricLabel(metric);
}

/** Splits a metric list ("rel_error,loss") into its columns. */
export function metricList(metric: string): string[] {
  const list = metric
    .split(",")
    .map((m) => m.trim())
    .filter(Boolean);
  if (list.length === 0) throw new Error(`--metric "${metric}" names no column`);
  return list;
}

/** k, r and the rate class of a sweep point's curve (for anchoring reference lines). */
function anchorInfo(agg: Aggregate, point: string, config: Record<string, unknown>): Omit<AnchorCandidate, "series"> {
  const c = config as { model?: { k?: number }; problem?: { rank?: number } };
  const p = agg.points.find((q) => q.point === point);
  return { k: c.model?.k ?? c.problem?.rank, r: c.problem?.rank, cls: p?.classification, params: p?.params };
}

/**
 * Error vs iteration: one line per parameter point (median across seeds), 10–90% band. Several
 * metrics (`metric: "a,b"`) share each panel, told apart by line style (colour = parameter point).
 * Theory lines that apply are added (population 1/T law); with `reference` a c·t^slope line
 * anchored to the curves it is meant for ({@link referenceAnchors}). When the sweep mixes GD and
 * the gradient flow, the x axis is the continuous time t = η·iteration (plot/time.ts).
 */
export function errorFigureSpec(agg: Aggregate, req: FigureRequest, labels: Labels = {}): FigureSpec {
  const metrics = metricList(req.metric ?? agg.errorMetric);
  const time = req.timeAxis ?? mixesFlow(agg);
  const curves = agg.curves.filter((c) => matches(c.params, req.where));
  const panelValues = req.panelBy ? [...new Set(curves.map((c) => JSON.stringify(c.params[req.panelBy!])))] : [undefined];
  const legendParams = (params: Record<string, unknown>) => Object.fromEntries(Object.entries(params).filter(([p]) => p !== req.panelBy));
  const allLabels = [...new Set(curves.map((c) => figureLabel(legendParams(c.params), labels)))];
  const several = metrics.length > 1;
  const panels: Panel[] = panelValues.map((pv) => {
    const cands: AnchorCandidate[] = [];
    const theory: Series[] = [];
    const series = curves
      .filter((c) => pv === undefined || JSON.stringify(c.params[req.panelBy!]) === pv)
      .flatMap((c0): Series[] => {
        const config = pointConfig(agg, c0.point);
        const c = time ? timeCurve(agg, c0, metrics) : c0;
        const label = figureLabel(legendParams(c.params), labels);
        // keep the iterations every seed recorded: the median of a shrinking set of runs
        // (seeds that stopped at the target earlier) would jump
        const full = Math.max(0, ...c.counts);
        const keep = c.iterations.map((_, i) => c.counts[i] === full);
        const sel = <T>(a: T[] | undefined) => a?.filter((_, i) => keep[i]);
        const color = colorFor(allLabels.indexOf(label));
        return metrics.map((metric, mi) => {
          const m = c.metrics[metric];
          const s: Series = {
            label: several ? `${label}, ${metricShort(metric)}` : label,
            x: sel(c.iterations)!,
            y: sel(m?.median) ?? [],
            lo: sel(m?.q10),
            hi: sel(m?.q90),
            color,
            ...(several ? { dash: DASHES[mi % DASHES.length], noLegend: true } : {}),
          };
          if (metric === (req.reference?.metric ?? metrics[0])) cands.push({ series: s, ...anchorInfo(agg, c.point, config) });
          if (req.theory !== false && mi === 0) theory.push(...populationLawSeries(config, metric, s.x, time), ...worstCaseSeries(config, s.x, s.y, time));
          return s;
        });
      });
    if (several) {
      // legend: colours name the parameter points, line styles the metrics
      const shown = [...new Set(series.map((s) => s.color))];
      for (const l of allLabels) {
        const color = colorFor(allLabels.indexOf(l));
        if (shown.includes(color)) series.push({ label: l, x: [], y: [], color });
      }
      metrics.forEach((m, mi) => series.push({ label: metricShort(m), x: [], y: [], color: "#333", dash: DASHES[mi % DASHES.length] }));
    }
    series.push(...theory);
    if (req.reference) {
      const { series: anchors, text } = referenceAnchors(cands, req.reference.anchor);
      series.push(...referenceLine(anchors, { ...req.reference, label: `${theoryLabel(req.reference.label)}, through ${text}` }));
    }
    return {
      subtitle: pv === undefined ? undefined : `${labels[req.panelBy!] ?? shortLabel(req.panelBy!)} = ${figureValue(JSON.parse(pv))}`,
      xLabel: xAxisLabel(time),
      yLabel: several ? metrics.map(metricShort).join(" / ") : metricLabel(metrics[0]),
      xLog: req.xLog,
      yLog: req.yLog ?? true,
      series,
    };
  });
  const seeds = seedsOf(agg);
  const what = several ? metrics.map(metricShort).join(" and ") : metricLabel(metrics[0]);
  return withLayout(
    {
      title: req.title ?? `${agg.grid.name ? `${agg.grid.name}: ` : ""}${what} vs ${time ? "time" : "iteration"}`,
      panels,
      columns: 2,
      caption: captionFor(
        req,
        `Lines: median over ${seeds.length} seed${seeds.length > 1 ? "s" : ""}` +
          `${seeds.length > 1 ? "; bands: 10–90% across seeds; a line ends when its first seed stops (target reached)" : ""}. ` +
          (time
            ? "x: continuous time t = η·iteration for GD; for the gradient flow its integrated time " +
              "(each seed interpolated onto the median time of each recorded step). "
            : "") +
          sweepSummary(agg, seeds, req.where),
      ),
    },
    req,
  );
}

/** {@link errorFigureSpec} rendered as SVG text. */
export function errorFigure(agg: Aggregate, req: FigureRequest, labels: Labels = {}): string {
  return renderFigure(errorFigureSpec(agg, req, labels));
}

function colorFor(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/** The columns of a table with a prefix (sv_1, sv_2, … / imb_eig_1, …) in numeric order. */
function indexedColumns(t: Table, prefix: string): string[] {
  return t.columns.filter((c) => c.startsWith(prefix)).sort((a, b) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)));
}

/** The true singular values of a run's M* from its resolved config. */
export function trueSingularValues(config: Record<string, unknown>): number[] {
  const p = (config.problem ?? {}) as { rank?: number; kappa?: number; spectrum?: "linspace" | "geomspace"; singularValues?: number[] };
  if (p.singularValues) return p.singularValues;
  if (!p.rank) return [];
  return Array.from(spectrum(p.rank, p.kappa ?? 1, p.spectrum ?? "linspace"));
}

/**
 * Singular values (prefix "sv_") or imbalance eigenvalues (prefix "imb_eig_") over time,
 * one panel per run (at most 6). With `time`, x is the continuous time (plot/time.ts).
 */
export function indexedFigureSpec(
  runs: { title: string; files: RunResultFiles }[],
  kind: "singular-values" | "imbalance",
  title: string,
  caption: string | undefined,
  xLog = true,
  time = false,
): FigureSpec {
  const prefix = kind === "singular-values" ? "sv_" : "imb_eig_";
  const shown = runs.slice(0, 6);
  const panels: Panel[] = shown.map(({ title: sub, files }) => {
    const t = files.metrics!;
    const cols = indexedColumns(t, prefix);
    const it = time ? runTime(files.config, t.data) : t.data.iteration;
    return {
      subtitle: sub,
      xLabel: xAxisLabel(time),
      yLabel: kind === "singular-values" ? "singular values of the product" : "eigenvalues of FᵀF − GᵀG",
      xLog,
      yLog: kind === "singular-values",
      hLines: kind === "singular-values" ? trueSingularValues(files.config) : undefined,
      series: cols.map((c, i) => ({
        label: kind === "singular-values" ? `σ${i + 1}` : `λ${i + 1}`,
        x: it,
        y: kind === "singular-values" ? t.data[c].map((v) => (v > 0 ? v : NaN)) : t.data[c],
        color: colorFor(i),
      })),
    };
  });
  return { title, panels, columns: Math.min(3, panels.length), panelWidth: panels.length > 1 ? 420 : 560, panelHeight: 300, caption };
}

/** {@link indexedFigureSpec} rendered as SVG text. */
export function indexedFigure(
  runs: { title: string; files: RunResultFiles }[],
  kind: "singular-values" | "imbalance",
  title: string,
  caption: string | undefined,
  xLog = true,
): string {
  return renderFigure(indexedFigureSpec(runs, kind, title, caption, xLog));
}

/** Groups the points of an aggregate by every varied parameter except `param`. */
function groupsExcept(agg: Aggregate, param: string, where?: Record<string, unknown>) {
  const groups = new Map<string, { params: Record<string, unknown>; points: typeof agg.points }>();
  for (const p of agg.points.filter((q) => matches(q.params, where))) {
    const rest = Object.fromEntries(Object.entries(p.params).filter(([k]) => k !== param));
    const key = JSON.stringify(rest);
    if (!groups.has(key)) groups.set(key, { params: rest, points: [] });
    groups.get(key)!.points.push(p);
  }
  return [...groups.values()];
}

/** The distinct numeric values of a parameter over points, sorted. */
function paramValues(points: { params: Record<string, unknown> }[], param: string): number[] {
  return [...new Set(points.map((p) => Number(p.params[param])))].filter(Number.isFinite).sort((a, b) => a - b);
}

/**
 * The theory line of a rate-vs-α figure's group (plot/theory.ts), when the parameter is init.alpha
 * and the group's runs are asymmetric GD with k > r: the exact λ(α) in the scalar worst case,
 * else λ = C·α² with C fitted to the group's linear points.
 */
function alphaLawSeries(config: TheoryConfig, param: string, x: number[], y: number[], group: string): Series[] {
  if (param !== "init.alpha" || !alphaSquaredApplies(config)) return [];
  const pos = x.filter((v) => v > 0);
  if (pos.length < 2) return [];
  const xs = logSpace(Math.min(...pos), Math.max(...pos));
  const of = group ? ` (${group})` : "";
  if (worstCaseApplies(config)) {
    const { stepSize = NaN } = config.method ?? {};
    const ratio = config.init?.ratio ?? 3;
    const y = xs.map((a) => worstCaseRate(stepSize, a, ratio));
    return [{ label: `theory: λ = −ln(1 − η·α²(1 − 1/ρ²))${of}`, x: xs, y, color: THEORY_COLOR, dash: THEORY_DASH }];
  }
  const C = fitAlphaSquared(x, y);
  if (!Number.isFinite(C)) return [];
  const fitted = group ? `fitted to ${group}` : "(fitted)";
  return [{ label: `theory: λ = C·α², C = ${C.toPrecision(3)} ${fitted}`, x: xs, y: xs.map((v) => C * v * v), color: THEORY_COLOR, dash: THEORY_DASH }];
}

/**
 * Median fitted linear rate λ against a parameter (log-log), one line per other-parameter
 * group, with the fitted exponent. Only points classified linear enter the line and the
 * fit; the others are drawn hollow (at the median λ of all their runs) and named in the caption.
 * On rate-vs-α figures of over-parameterized asymmetric GD the α² law with its fitted constant is drawn.
 */
export function rateVsFigureSpec(agg: Aggregate, req: FigureRequest, labels: Labels = {}): FigureSpec {
  const param = req.param!;
  const groups = groupsExcept(agg, param, req.where);
  const allExcluded: { point: (typeof agg.points)[number]; reason: string }[] = [];
  const theory: Series[] = [];
  const series: Series[] = groups.flatMap((g, i) => {
    const { fit: pts, excluded } = classHonestPoints(g.points, "linear_rate");
    allExcluded.push(...excluded);
    const x = pts.map((p) => Number(p.params[param]));
    const y = pts.map((p) => p.median.linear_rate);
    const fit = logLogFit(x, y);
    const base = figureLabel(g.params, labels);
    if (!req.reference && req.theory !== false) {
      theory.push(...alphaLawSeries(pointConfig(agg, g.points[0].point) as TheoryConfig, param, x, y, groups.length > 1 ? base : ""));
    }
    const out: Series[] = [
      {
        label: `${base === "base" ? "λ" : base}${Number.isFinite(fit.slope) ? ` (slope ${fit.slope.toFixed(2)})` : ""}`,
        x,
        y,
        markers: true,
        color: colorFor(i),
      },
    ];
    if (excluded.length) {
      out.push({
        label: "excluded from the fit (not linear)",
        x: excluded.map((e) => Number(e.point.params[param])),
        y: excluded.map((e) => e.point.anyClassMedian?.linear_rate ?? NaN),
        markers: true,
        hollow: true,
        noLine: true,
        color: colorFor(i),
      });
    }
    return out;
  });
  const pl = labels[param] ?? shortLabel(param);
  const excludedText = excludedPointsText(allExcluded, labels);
  if (req.reference)
    series.push(
      ...powerReference(
        series.filter((s) => !s.hollow),
        { ...req.reference, label: theoryLabel(req.reference.label) },
      ),
    );
  series.push(...theory);
  return withLayout(
    {
      title: req.title ?? `${agg.grid.name ? `${agg.grid.name}: ` : ""}fitted linear rate λ vs ${pl} (log-log)`,
      panels: [
        {
          xLabel: pl,
          yLabel: "linear rate λ = −d ln(error)/dt",
          xLog: true,
          yLog: true,
          series,
          xTicks: paramValues(
            groups.flatMap((g) => g.points),
            param,
          ),
        },
      ],
      caption: captionFor(
        req,
        `λ: least-squares slope of ln(${agg.errorMetric}) over the tail [T/2, T] of each run, median over the seeds classified linear; "slope" is ` +
          `the fitted exponent of λ ∝ ${pl}^slope over the linear points only. ` +
          (excludedText ? `Hollow: ${excludedText}. ` : "") +
          sweepSummary(agg, undefined, req.where),
      ),
    },
    req,
  );
}

/** {@link rateVsFigureSpec} rendered as SVG text. */
export function rateVsFigure(agg: Aggregate, req: FigureRequest, labels: Labels = {}): string {
  return renderFigure(rateVsFigureSpec(agg, req, labels));
}

/**
 * Median iterations to reach ε against a parameter, one line per other-parameter group (or, with
 * `metric`, the median of that runs.csv column, e.g. final_rel_error; `xLog` for a log parameter axis).
 */
export function itersVsFigureSpec(agg: Aggregate, req: FigureRequest, labels: Labels = {}): FigureSpec {
  const param = req.param!;
  const level = req.level ?? 1e-4;
  const col = req.metric ?? itersToColumn(level);
  const groups = groupsExcept(agg, param, req.where);
  const series: Series[] = groups.map((g, i) => ({
    label: figureLabel(g.params, labels),
    x: g.points.map((p) => Number(p.params[param])),
    y: g.points.map((p) => p.median[col]),
    markers: true,
    color: colorFor(i),
  }));
  const pl = labels[param] ?? shortLabel(param);
  // a runs.csv final_<metric> column is labelled as its metric ("final relative error ‖P − M*‖_F / ‖M*‖_F")
  const finalOf = req.metric?.startsWith("final_") ? req.metric.slice("final_".length) : undefined;
  const yLabel = req.metric
    ? finalOf && metricLabel(finalOf) !== finalOf
      ? `final ${metricLabel(finalOf)}`
      : req.metric
    : `iterations to ${level.toExponential(0)}`;
  const reached = `the first recorded iteration with ${agg.errorMetric} ≤ ${level.toExponential(0)} (runs that never reach it are off the chart)`;
  return withLayout(
    {
      title: req.title ?? `${agg.grid.name ? `${agg.grid.name}: ` : ""}${yLabel} vs ${pl}`,
      panels: [
        {
          xLabel: pl,
          yLabel,
          xLog: req.xLog ?? false,
          yLog: req.yLog ?? true,
          series,
          xTicks: paramValues(
            groups.flatMap((g) => g.points),
            param,
          ),
        },
      ],
      caption: captionFor(req, `Median over seeds of ${req.metric ?? reached}. ` + sweepSummary(agg, undefined, req.where)),
    },
    req,
  );
}

/** {@link itersVsFigureSpec} rendered as SVG text. */
export function itersVsFigure(agg: Aggregate, req: FigureRequest, labels: Labels = {}): string {
  return renderFigure(itersVsFigureSpec(agg, req, labels));
}

/** Least number of distinct parameter values with a linear fitted rate for a default rate-vs figure (a slope needs several). */
export const MIN_LINEAR_POINTS = 3;

/**
 * The figures `matsense plot` draws for a sweep when none are requested: the error figure;
 * rate-vs-param for a numeric parameter with ≥ 3 positive values of which ≥ {@link MIN_LINEAR_POINTS}
 * are classified linear (iters-vs-κ for κ); singular values / imbalance when recorded.
 */
export function defaultSweepFigures(agg: Aggregate): FigureRequest[] {
  const reqs: FigureRequest[] = [{ type: "error" }];
  for (const p of agg.paths) {
    const values = [...new Set(agg.points.map((q) => q.params[p]))];
    if (values.length >= 3 && values.every((v) => typeof v === "number" && v > 0)) {
      if (p === "problem.kappa") reqs.push({ type: "iters-vs", param: p });
      else {
        const linear = new Set(agg.points.filter((q) => q.classification === "linear" && Number.isFinite(q.median.linear_rate)).map((q) => q.params[p]));
        if (linear.size >= MIN_LINEAR_POINTS) reqs.push({ type: "rate-vs", param: p });
      }
    }
  }
  const first = agg.runs[0] ? readRunFolder(path.join(agg.dir, String(agg.runs[0].id))).metrics : undefined;
  if (first?.columns.includes("sv_1")) reqs.push({ type: "singular-values" });
  if (first?.columns.includes("imb_eig_1")) reqs.push({ type: "imbalance" });
  return reqs;
}

/** Default file name of a figure request. */
export function figureName(req: FigureRequest): string {
  if (req.name) return req.name;
  switch (req.type) {
    case "rate-vs":
      return `rate-vs-${slug(req.param!)}`;
    case "iters-vs":
      return `iters-vs-${slug(req.param!)}`;
    default:
      return req.type;
  }
}

/** The last segment of a config path, filesystem-safe (init.alpha → alpha). */
function slug(p: string): string {
  return p
    .split(".")
    .pop()!
    .replace(/[^A-Za-z0-9-]/g, "-");
}

/** One requested figure of a sweep as a figure spec (see {@link sweepFigure}). */
export function sweepFigureSpec(agg: Aggregate, req: FigureRequest, labels: Labels = {}): FigureSpec {
  switch (req.type) {
    case "error":
      return errorFigureSpec(agg, req, labels);
    case "rate-vs":
      return rateVsFigureSpec(agg, req, labels);
    case "iters-vs":
      return itersVsFigureSpec(agg, req, labels);
    case "diagnostics":
      return withLayout(diagnosticsFigureSpec(agg, req, labels), req);
    case "singular-values":
    case "imbalance": {
      const runs = agg.points
        .filter((p) => matches(p.params, req.where))
        .map((p) => {
          const run = agg.runs.find((r) => r.point === p.point && r.status !== "pending" && r.status !== "damaged");
          return run ? { title: figureLabel(p.params, labels), files: readRunFolder(path.join(agg.dir, String(run.id))) } : undefined;
        })
        .filter(
          (r): r is { title: string; files: RunResultFiles } =>
            !!r && !!r.files.metrics && r.files.metrics.columns.some((c) => c.startsWith(req.type === "imbalance" ? "imb_eig_" : "sv_")),
        );
      const what = req.type === "imbalance" ? "eigenvalues of the imbalance FᵀF − GᵀG" : "singular values of the product";
      const seed = runs.length ? Number((runs[0].files.config as { seed?: number }).seed ?? 0) : 0;
      const flows = runs.map((r) => isFlowConfig(r.files.config));
      const time = req.timeAxis ?? (flows.some((f) => f) && flows.some((f) => !f));
      return withLayout(
        indexedFigureSpec(
          runs,
          req.type,
          req.title ?? `${agg.grid.name ? `${agg.grid.name}: ` : ""}${what} over time`,
          captionFor(
            req,
            `One run per parameter point (seed ${seed})${req.type === "singular-values" ? "; dotted lines: the true singular values of M*" : ""}. ` +
              (time ? "x: continuous time t = η·iteration for GD, the integrated time for the gradient flow. " : "") +
              sweepSummary(agg, [seed], req.where),
          ),
          req.xLog ?? true,
          time,
        ),
        req,
      );
    }
  }
}

/** Draws one requested figure of a sweep as SVG text. */
export function sweepFigure(agg: Aggregate, req: FigureRequest, labels: Labels = {}): string {
  return renderFigure(sweepFigureSpec(agg, req, labels));
}

/** The plotted series of a figure as CSV (one row per point: panel, series, x, y, band lo, band hi). */
export function figureDataCsv(spec: FigureSpec): string {
  const rows: Record<string, unknown>[] = [];
  spec.panels.forEach((p, pi) => {
    for (const s of p.series) {
      s.x.forEach((x, i) => rows.push({ panel: p.subtitle ?? String(pi + 1), series: s.label, x, y: s.y[i], lo: s.lo?.[i], hi: s.hi?.[i] }));
    }
  });
  return toCsv(["panel", "series", "x", "y", "lo", "hi"], rows);
}

/** Writes `<name>.svg`, `<name>.png` (2× pixels) and `<name>.pdf` (vector, from the same SVG) into `outDir`. */
export function writeFigure(outDir: string, name: string, svg: string): { svg: string; png: string; pdf: string } {
  ensureDir(outDir);
  const svgFile = path.join(outDir, `${name}.svg`);
  const pngFile = path.join(outDir, `${name}.png`);
  const pdfFile = path.join(outDir, `${name}.pdf`);
  writeFileAtomic(svgFile, svg);
  writeFileAtomic(pngFile, svgToPng(svg));
  writeFileAtomic(pdfFile, svgToPdf(svg));
  return { svg: svgFile, png: pngFile, pdf: pdfFile };
}

/** Renders a figure spec with {@link writeFigure}; with `data`, also `<name>.csv` with the plotted series ({@link figureDataCsv}). */
export function writeFigureSpec(outDir: string, name: string, spec: FigureSpec, data = false): FigureFiles {
  const files: FigureFiles = { name, ...writeFigure(outDir, name, renderFigure(spec)) };
  if (data) {
    files.csv = path.join(outDir, `${name}.csv`);
    writeFileAtomic(files.csv, figureDataCsv(spec));
  }
  return files;
}

/** Options of `matsense plot` (see {@link plotDirectory}). */
export interface PlotOptions {
  /** The error column(s) drawn against the iteration, comma-separated (default rel_error, and sym_rel_error / loss for a run). */
  metric?: string;
  /** Log (true) or linear (false) iteration axis; default: as the figure defines it. */
  xLog?: boolean;
  /** "slope=-1[@anchor]" (error figures: c·t^−1, anchored as {@link parseAnchor}) or "alpha^2" (rate-vs-α figures: c·α²). */
  reference?: string;
  /** Leave captions out. */
  noCaption?: boolean;
  /** Title of every figure drawn. */
  title?: string;
  /** Axis ranges [lo, hi]. */
  xlim?: [number, number];
  ylim?: [number, number];
  /** Total figure size in px. */
  size?: { width: number; height: number };
  legend?: LegendPosition | "auto";
  palette?: string[];
  /** Also write `<name>.csv` with the plotted series. */
  data?: boolean;
  /** Draw theory lines where one applies (default true). */
  theory?: boolean;
}

/** Parses `--reference`: "slope=<p>[@anchor]" for error figures, "<param>^<p>" for rate-vs figures (param: a config path, its last segment, or its symbol). */
export function parseReference(text: string): { kind: "slope"; slope: number; anchor?: string } | { kind: "power"; param: string; slope: number } {
  const t = text.replace(/\s+/g, "");
  let m = /^slope=([-+]?\d*\.?\d+)(?:@(.+))?$/.exec(t);
  if (m) {
    if (m[2]) parseAnchor(m[2]);
    return { kind: "slope", slope: Number(m[1]), ...(m[2] ? { anchor: m[2] } : {}) };
  }
  m = /^([A-Za-z.α-ω]+)\^([-+]?\d*\.?\d+)$/.exec(t);
  if (m) return { kind: "power", param: m[1], slope: Number(m[2]) };
  throw new Error(
    `--reference "${text}" is not understood; use "slope=<p>" or "slope=<p>@<anchor>" (error figures, e.g. slope=-1@k>r) ` +
      `or "<parameter>^<p>" (rate-vs figures, e.g. alpha^2)`,
  );
}

/** Parses `--xlim` / `--ylim` "lo,hi" (numbers, lo < hi). */
export function parseLimits(text: string, flag: string): [number, number] {
  const parts = text.split(",").map((v) => v.trim());
  const [lo, hi] = parts.map(Number);
  if (parts.length !== 2 || parts.some((p) => p === "") || !Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) {
    throw new Error(`${flag} "${text}" must be two numbers lo,hi with lo < hi, e.g. ${flag} 1e-8,1`);
  }
  return [lo, hi];
}

/** CSS pixels per inch (SVG user units). */
export const PX_PER_INCH = 96;

/** Parses `--size WxH[in|px]` (inches: 96 px each); a bare size must say its unit unless ≥ 100 (px). */
export function parseSize(text: string): { width: number; height: number } {
  const m = /^(\d*\.?\d+)x(\d*\.?\d+)(in|px)?$/.exec(text.trim().toLowerCase());
  const bad = () => new Error(`--size "${text}" must be WxH with a unit, e.g. 7x4in or 1200x700px (px when both are ≥ 100), from 2x1.5in / 200x150px`);
  if (!m) throw bad();
  let w = Number(m[1]),
    h = Number(m[2]);
  const unit = m[3] ?? (w >= 100 && h >= 100 ? "px" : undefined);
  if (!unit) throw bad();
  if (unit === "in") {
    w *= PX_PER_INCH;
    h *= PX_PER_INCH;
  }
  if (w < 200 || h < 150) throw bad();
  return { width: Math.round(w), height: Math.round(h) };
}

/** Legend positions of `--legend`. */
export const LEGEND_POSITIONS = ["auto", "top", "right", "bottom", "none"] as const;

/** Parses `--legend` (see {@link LEGEND_POSITIONS}). */
export function parseLegend(text: string): LegendPosition | "auto" {
  if (!(LEGEND_POSITIONS as readonly string[]).includes(text)) throw new Error(`--legend "${text}" must be one of ${LEGEND_POSITIONS.join(", ")}`);
  return text as LegendPosition | "auto";
}

const SUPERSCRIPT_DIGITS: Record<string, string> = {
  "-": "⁻",
  ".": "·",
  "0": "⁰",
  "1": "¹",
  "2": "²",
  "3": "³",
  "4": "⁴",
  "5": "⁵",
  "6": "⁶",
  "7": "⁷",
  "8": "⁸",
  "9": "⁹",
};
const sup = (v: number) =>
  String(v)
    .split("")
    .map((c) => SUPERSCRIPT_DIGITS[c] ?? c)
    .join("");

/** Legend label of a c·t^slope reference line. */
function slopeLabel(slope: number): string {
  return `theory: ∝ t${sup(slope)}`;
}

/** Applies plot options to a figure request (metric, x scale, reference line, caption, layout). */
export function applyPlotOptions(req: FigureRequest, opts: PlotOptions): FigureRequest {
  const out: FigureRequest = {
    ...req,
    ...(opts.noCaption ? { noCaption: true } : {}),
    ...(opts.title ? { title: opts.title } : {}),
    ...(opts.xlim ? { xlim: opts.xlim } : {}),
    ...(opts.ylim ? { ylim: opts.ylim } : {}),
    ...(opts.size ? opts.size : {}),
    ...(opts.legend ? { legend: opts.legend } : {}),
    ...(opts.palette ? { palette: opts.palette } : {}),
    ...(opts.theory === false ? { theory: false } : {}),
  };
  if (req.type === "error") {
    if (opts.metric) out.metric = opts.metric;
    if (opts.xLog !== undefined) out.xLog = opts.xLog;
  }
  if (opts.reference) {
    const ref = parseReference(opts.reference);
    if (ref.kind === "slope" && req.type === "error") {
      out.reference = { slope: ref.slope, label: slopeLabel(ref.slope), ...(ref.anchor ? { anchor: ref.anchor } : {}) };
    }
    if (ref.kind === "power" && req.type === "rate-vs" && req.param) {
      const names = [req.param, req.param.split(".").pop()!, shortLabel(req.param)];
      if (names.includes(ref.param)) out.reference = { slope: ref.slope, label: `theory: ∝ ${shortLabel(req.param)}${sup(ref.slope)}` };
    }
  }
  return out;
}

/** Draws the figures of a sweep folder into `<dir>/figures/` (default figures unless given). */
export function plotSweep(
  dir: string,
  opts: { figures?: FigureRequest[]; labels?: Labels; aggregate?: Aggregate; outDir?: string; plot?: PlotOptions } = {},
): FigureFiles[] {
  const first = opts.plot?.metric ? metricList(opts.plot.metric)[0] : undefined;
  const agg = opts.aggregate ?? aggregateSweep(dir, first ? { errorMetric: first } : {});
  if (opts.plot?.metric) {
    const have = [...new Set(agg.curves.flatMap((c) => Object.keys(c.metrics)))];
    for (const m of metricList(opts.plot.metric)) {
      if (agg.curves.length && !have.includes(m)) throw new Error(`--metric ${m}: the runs of ${dir} have no such column (they have ${have.join(", ")})`);
    }
  }
  const reqs = (opts.figures ?? defaultSweepFigures(agg)).map((r) => applyPlotOptions(r, opts.plot ?? {}));
  const outDir = opts.outDir ?? path.join(dir, "figures");
  return reqs.map((req) => writeFigureSpec(outDir, figureName(req), sweepFigureSpec(agg, req, opts.labels), !!opts.plot?.data));
}

/** The files written for one figure (`csv`: the plotted series, with `--data`). */
export type FigureFiles = { name: string; svg: string; png: string; pdf: string; csv?: string };

/** Checks that a run's metrics have every requested column. */
function checkColumns(dir: string, t: Table, metrics: string[]): void {
  for (const m of metrics) if (!t.columns.includes(m)) throw new Error(`--metric ${m}: ${dir}/metrics.csv has no such column (it has ${t.columns.join(", ")})`);
}

/** The layout part of the plot options as a figure request (for figures not drawn from a request). */
function layoutRequest(opts: PlotOptions): FigureRequest {
  return applyPlotOptions({ type: "error" }, { ...opts, metric: undefined, reference: undefined });
}

/** Draws the figures of a single run folder (error; singular values / imbalance when recorded). */
export function plotRun(dir: string, outDir = path.join(dir, "figures"), opts: PlotOptions = {}): FigureFiles[] {
  const files = readRunFolder(dir);
  if (!files.metrics) throw new Error(`${dir}: no valid metrics to plot (${files.state}${files.reason ? `: ${files.reason}` : ""})`);
  const t = files.metrics;
  const metrics = opts.metric ? metricList(opts.metric) : undefined;
  if (metrics) checkColumns(dir, t, metrics);
  const caption = opts.noCaption ? undefined : configSummary(files.config, [], [Number((files.config as { seed?: number }).seed ?? 0)]);
  const out: FigureFiles[] = [];
  const errCols = metrics ?? ["rel_error", "sym_rel_error"].filter((c) => t.columns.includes(c));
  const series: Series[] = [
    ...errCols.map((c, i) => ({ label: metricShort(c), x: t.data.iteration, y: t.data[c], color: colorFor(i) })),
    ...(metrics ? [] : [{ label: "loss", x: t.data.iteration, y: t.data.loss, dashed: true, color: colorFor(errCols.length) }]),
  ];
  if (opts.theory !== false) series.push(...populationLawSeries(files.config, errCols[0], t.data.iteration, false));
  const ref = opts.reference ? parseReference(opts.reference) : undefined;
  if (ref?.kind === "slope") {
    const cands = [{ series: series[0], ...runAnchorInfo(files) }];
    const { series: anchors, text } = referenceAnchors(cands, ref.anchor);
    series.push(...referenceLine(anchors, { slope: ref.slope, label: `${slopeLabel(ref.slope)}, through ${text}` }));
  }
  const req = layoutRequest(opts);
  const spec = withLayout(
    {
      title: opts.title ?? `${metrics ? metrics.map(metricShort).join(" and ") : metricLabel("rel_error")} vs iteration`,
      panels: [
        { xLabel: "iteration", yLabel: metrics && metrics.length === 1 ? metricLabel(metrics[0]) : "error / loss", yLog: true, xLog: opts.xLog, series },
      ],
      caption,
    },
    req,
  );
  out.push(writeFigureSpec(outDir, "error", spec, opts.data));
  const title = path.basename(path.resolve(dir));
  const xLog = opts.xLog ?? true;
  if (t.columns.includes("sv_1")) {
    const svCaption = caption && `Dotted lines: the true singular values of M*. ${caption}`;
    const sv = indexedFigureSpec([{ title, files }], "singular-values", opts.title ?? "singular values of the product over time", svCaption, xLog);
    out.push(writeFigureSpec(outDir, "singular-values", withLayout(sv, req), opts.data));
  }
  if (t.columns.includes("imb_eig_1")) {
    const imb = indexedFigureSpec([{ title, files }], "imbalance", opts.title ?? "eigenvalues of FᵀF − GᵀG over time", caption, xLog);
    out.push(writeFigureSpec(outDir, "imbalance", withLayout(imb, req), opts.data));
  }
  return out;
}

/** k, r and the rate class of one run folder (anchoring reference lines). */
function runAnchorInfo(files: RunResultFiles, metric = "rel_error"): Omit<AnchorCandidate, "series"> {
  const c = files.config as { model?: { k?: number }; problem?: { rank?: number } };
  const t = files.metrics;
  const status = (files.summary as { status?: string } | undefined)?.status;
  const cls = t && t.data[metric] ? fitRates(t.data.iteration, t.data[metric], { status }).classification : undefined;
  return { k: c.model?.k ?? c.problem?.rank, r: c.problem?.rank, cls };
}

/** `matsense plot DIR`: a run folder or a sweep folder. */
export function plotDirectory(dir: string, outDir?: string, opts: PlotOptions = {}): FigureFiles[] {
  if (fs.existsSync(path.join(dir, "grid.json"))) return plotSweep(dir, { outDir, plot: opts });
  if (isRunFolder(dir)) return plotRun(dir, outDir, opts);
  throw new Error(`${dir} is neither a run folder (config.json + metrics.csv) nor a sweep folder (grid.json)`);
}

/**
 * `matsense plot A B C --labels a,b,c`: one error figure overlaying run folders (their
 * metric curves) and sweep folders (the median curve of each parameter point), one line
 * style per folder, written as `overlay.{svg,png,pdf}` into `outDir`. The caption keeps each
 * folder's config summary (what it varied, its sizes, method, seeds).
 */
export function plotOverlay(dirs: string[], labels: string[] | undefined, outDir: string, opts: PlotOptions = {}): FigureFiles[] {
  if (labels && labels.length !== dirs.length)
    throw new Error(`--labels has ${labels.length} label(s) for ${dirs.length} folders; give one per folder, comma-separated`);
  const metrics = metricList(opts.metric ?? "rel_error");
  const series: Series[] = [];
  const cands: AnchorCandidate[] = [];
  const captions: string[] = [];
  let color = 0;
  // every folder first: GD next to the gradient flow puts all curves on the time axis t = η·iteration
  const sources = dirs.map((dir) => {
    if (fs.existsSync(path.join(dir, "grid.json"))) return { dir, agg: aggregateSweep(dir, { errorMetric: metrics[0] }) };
    if (isRunFolder(dir)) return { dir, files: readRunFolder(dir) };
    throw new Error(`${dir} is neither a run folder (config.json + metrics.csv) nor a sweep folder (grid.json)`);
  });
  const flows = sources.flatMap((s) => (s.agg ? s.agg.curves.map((c) => isFlowConfig(pointConfig(s.agg, c.point))) : [isFlowConfig(s.files!.config)]));
  const time = flows.some((f) => f) && flows.some((f) => !f);
  sources.forEach(({ dir, agg, files }, di) => {
    const name = labels?.[di] ?? path.basename(path.resolve(dir));
    const dash = (mi: number) => DASHES[(di + mi * dirs.length) % DASHES.length];
    const label = (base: string, m: string) => (metrics.length > 1 ? `${base}, ${metricShort(m)}` : base);
    if (agg) {
      for (const c0 of agg.curves) {
        const config = pointConfig(agg, c0.point);
        const c = time ? timeCurve(agg, c0, metrics) : c0;
        const col = colorFor(color++);
        metrics.forEach((metric, mi) => {
          const m = c.metrics[metric];
          if (!m) throw new Error(`--metric ${metric}: the runs of ${dir} have no such column`);
          const s: Series = {
            label: label(`${name}: ${figureLabel(c.params)}`, metric),
            x: c.iterations,
            y: m.median,
            lo: m.q10,
            hi: m.q90,
            color: col,
            dash: dash(mi),
          };
          series.push(s);
          if (mi === 0) cands.push({ series: s, ...anchorInfo(agg, c.point, config) });
        });
      }
      captions.push(`${name}: sweep ${dir} (median over seeds, 10–90% band): ${sweepSummary(agg)}`);
    } else {
      const t = files!.metrics;
      if (!t) throw new Error(`${dir}: no valid metrics to plot (${files!.state}${files!.reason ? `: ${files!.reason}` : ""})`);
      checkColumns(dir, t, metrics);
      const col = colorFor(color++);
      const x = time ? runTime(files!.config, t.data) : t.data.iteration;
      metrics.forEach((metric, mi) => {
        const s: Series = { label: label(name, metric), x, y: t.data[metric], color: col, dash: dash(mi) };
        series.push(s);
        if (mi === 0) cands.push({ series: s, ...runAnchorInfo(files!, metric) });
      });
      captions.push(`${name}: run ${dir}: ${configSummary(files!.config, [], [Number((files!.config as { seed?: number }).seed ?? 0)])}`);
    }
  });
  if (time) captions.unshift("x: continuous time t = η·iteration for GD, the integrated time for the gradient flow");
  const ref = opts.reference ? parseReference(opts.reference) : undefined;
  if (ref?.kind === "slope") {
    const { series: anchors, text } = referenceAnchors(cands, ref.anchor);
    series.push(...referenceLine(anchors, { slope: ref.slope, label: `${slopeLabel(ref.slope)}, through ${text}` }));
  }
  const spec = withLayout(
    {
      title: opts.title ?? `${metrics.length > 1 ? metrics.map(metricShort).join(" and ") : metricLabel(metrics[0])} vs ${time ? "time" : "iteration"}`,
      panels: [
        {
          xLabel: xAxisLabel(time),
          yLabel: metrics.length > 1 ? metrics.map(metricShort).join(" / ") : metricLabel(metrics[0]),
          yLog: true,
          xLog: opts.xLog ?? true,
          series,
        },
      ],
      caption: opts.noCaption ? undefined : captions.join(" — "),
    },
    layoutRequest(opts),
  );
  return [writeFigureSpec(outDir, "overlay", spec, opts.data)];
}
