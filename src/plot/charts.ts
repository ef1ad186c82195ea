import * as fs from "node:fs";
import * as path from "node:path";
import { ensureDir, writeFileAtomic } from "../io/files.js";
import { type Aggregate, aggregateSweep, classHonestPoints, excludedPointsText, formatValue, itersToColumn, pointLabel, shortLabel } from "../results/aggregate.js";
import { logLogFit } from "../results/rates.js";
import { type RunResultFiles, type Table, isRunFolder, readRunFolder } from "../results/results.js";
import { spectrum } from "../problem/truth.js";
import { maxOf, minOf } from "../linalg/extrema.js";
import { PALETTE, type Panel, type Series, renderFigure } from "./figure.js";
import { svgToPng } from "./png.js";
import { svgToPdf } from "./pdf.js";
import { diagnosticsFigure } from "./diagnosticsFigure.js";
import { type FigureRequest, type Labels, configSummary, firstRunConfig, matches, referenceLine, seedsOf } from "./request.js";

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
  const lx: number[] = [], ly: number[] = [];
  for (const s of series) s.x.forEach((x, i) => {
    if (x > 0 && s.y[i] > 0 && Number.isFinite(s.y[i])) {
      lx.push(Math.log(x));
      ly.push(Math.log(s.y[i]));
    }
  });
  if (lx.length === 0) return [];
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length, my = ly.reduce((a, b) => a + b, 0) / ly.length;
  const lo = minOf(lx), hi = maxOf(lx);
  const x = Array.from({ length: 21 }, (_, i) => Math.exp(lo + ((hi - lo) * i) / 20));
  return [{ label: ref.label, x, y: x.map((v) => Math.exp(my + ref.slope * (Math.log(v) - mx))), color: "#555", dashed: true }];
}

function metricLabel(metric: string): string {
  switch (metric) {
    case "rel_error": return "relative error ‖P − M*‖_F / ‖M*‖_F";
    case "sym_rel_error": return "relative error of the symmetric part";
    case "abs_error": return "‖P − M*‖_F";
    case "loss": return "loss ½‖A(P) − y‖²";
    case "imbalance_norm": return "‖FᵀF − GᵀG‖_F";
    default: return metric;
  }
}

/** Error vs iteration: one line per parameter point (median across seeds), 10–90% band. */
export function errorFigure(agg: Aggregate, req: FigureRequest, labels: Labels = {}): string {
  const metric = req.metric ?? agg.errorMetric;
  const curves = agg.curves.filter((c) => matches(c.params, req.where));
  const panelValues = req.panelBy ? [...new Set(curves.map((c) => JSON.stringify(c.params[req.panelBy!])))] : [undefined];
  const legendParams = (params: Record<string, unknown>) => Object.fromEntries(Object.entries(params).filter(([p]) => p !== req.panelBy));
  const allLabels = [...new Set(curves.map((c) => pointLabel(legendParams(c.params), labels)))];
  const panels: Panel[] = panelValues.map((pv) => ({
    subtitle: pv === undefined ? undefined : `${labels[req.panelBy!] ?? shortLabel(req.panelBy!)} = ${formatValue(JSON.parse(pv))}`,
    xLabel: "iteration",
    yLabel: metricLabel(metric),
    xLog: req.xLog,
    yLog: true,
    series: curves
      .filter((c) => pv === undefined || JSON.stringify(c.params[req.panelBy!]) === pv)
      .map((c): Series => {
        const m = c.metrics[metric];
        const label = pointLabel(legendParams(c.params), labels);
        // keep the iterations every seed recorded: the median of a shrinking set of runs
        // (seeds that stopped at the target earlier) would jump
        const full = Math.max(0, ...c.counts);
        const keep = c.iterations.map((_, i) => c.counts[i] === full);
        const sel = <T>(a: T[] | undefined) => a?.filter((_, i) => keep[i]);
        return { label, x: sel(c.iterations)!, y: sel(m?.median) ?? [], lo: sel(m?.q10), hi: sel(m?.q90), color: colorFor(allLabels.indexOf(label)) };
      }),
  }));
  if (req.reference) for (const panel of panels) panel.series.push(...referenceLine(panel.series, req.reference));
  const seeds = seedsOf(agg);
  return renderFigure({
    title: req.title ?? `${agg.grid.name ? `${agg.grid.name}: ` : ""}${metricLabel(metric)} vs iteration`,
    panels,
    columns: 2,
    caption: captionFor(req, `Lines: median over ${seeds.length} seed${seeds.length > 1 ? "s" : ""}${seeds.length > 1 ? "; bands: 10–90% across seeds; a line ends when its first seed stops (target reached)" : ""}. ` + configSummary(firstRunConfig(agg), agg.paths, seeds)),
  });
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
 * one panel per run (at most 6).
 */
export function indexedFigure(
  runs: { title: string; files: RunResultFiles }[], kind: "singular-values" | "imbalance", title: string, caption: string | undefined, xLog = true,
): string {
  const prefix = kind === "singular-values" ? "sv_" : "imb_eig_";
  const shown = runs.slice(0, 6);
  const panels: Panel[] = shown.map(({ title: sub, files }) => {
    const t = files.metrics!;
    const cols = indexedColumns(t, prefix);
    const it = t.data.iteration;
    return {
      subtitle: sub,
      xLabel: "iteration",
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
  return renderFigure({ title, panels, columns: Math.min(3, panels.length), panelWidth: panels.length > 1 ? 420 : 560, panelHeight: 300, caption });
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
 * Median fitted linear rate λ against a parameter (log-log), one line per other-parameter
 * group, with the fitted exponent. Only points classified linear enter the line and the
 * fit; the others are drawn hollow (at the median λ of all their runs) and named in the caption.
 */
export function rateVsFigure(agg: Aggregate, req: FigureRequest, labels: Labels = {}): string {
  const param = req.param!;
  const groups = groupsExcept(agg, param, req.where);
  const allExcluded: { point: (typeof agg.points)[number]; reason: string }[] = [];
  const series: Series[] = groups.flatMap((g, i) => {
    const { fit: pts, excluded } = classHonestPoints(g.points, "linear_rate");
    allExcluded.push(...excluded);
    const x = pts.map((p) => Number(p.params[param]));
    const y = pts.map((p) => p.median.linear_rate);
    const fit = logLogFit(x, y);
    const base = pointLabel(g.params, labels);
    const out: Series[] = [{ label: `${base === "base" ? "λ" : base}${Number.isFinite(fit.slope) ? ` (slope ${fit.slope.toFixed(2)})` : ""}`, x, y, markers: true, color: colorFor(i) }];
    if (excluded.length) {
      out.push({
        label: "excluded from the fit (not linear)", x: excluded.map((e) => Number(e.point.params[param])), y: excluded.map((e) => e.point.anyClassMedian?.linear_rate ?? NaN),
        markers: true, hollow: true, noLine: true, color: colorFor(i),
      });
    }
    return out;
  });
  const pl = labels[param] ?? shortLabel(param);
  const excludedText = excludedPointsText(allExcluded, labels);
  if (req.reference) series.push(...powerReference(series.filter((s) => !s.hollow), req.reference));
  return renderFigure({
    title: req.title ?? `${agg.grid.name ? `${agg.grid.name}: ` : ""}fitted linear rate λ vs ${pl} (log-log)`,
    panels: [{ xLabel: pl, yLabel: "linear rate λ = −d ln(error)/dt", xLog: true, yLog: true, series, xTicks: paramValues(groups.flatMap((g) => g.points), param) }],
    caption: captionFor(req, `λ: least-squares slope of ln(${agg.errorMetric}) over the tail [T/2, T] of each run, median over the seeds classified linear; "slope" is the fitted exponent of λ ∝ ${pl}^slope over the linear points only. ` +
      (excludedText ? `Hollow: ${excludedText}. ` : "") +
      configSummary(firstRunConfig(agg), agg.paths, seedsOf(agg))),
  });
}

/**
 * Median iterations to reach ε against a parameter, one line per other-parameter group (or, with
 * `metric`, the median of that runs.csv column, e.g. final_rel_error; `xLog` for a log parameter axis).
 */
export function itersVsFigure(agg: Aggregate, req: FigureRequest, labels: Labels = {}): string {
  const param = req.param!;
  const level = req.level ?? 1e-4;
  const col = req.metric ?? itersToColumn(level);
  const groups = groupsExcept(agg, param, req.where);
  const series: Series[] = groups.map((g, i) => ({
    label: pointLabel(g.params, labels),
    x: g.points.map((p) => Number(p.params[param])),
    y: g.points.map((p) => p.median[col]),
    markers: true,
    color: colorFor(i),
  }));
  const pl = labels[param] ?? shortLabel(param);
  const yLabel = req.metric ?? `iterations to ${level.toExponential(0)}`;
  const reached = `the first recorded iteration with ${agg.errorMetric} ≤ ${level.toExponential(0)} (runs that never reach it are off the chart)`;
  return renderFigure({
    title: req.title ?? `${agg.grid.name ? `${agg.grid.name}: ` : ""}${yLabel} vs ${pl}`,
    panels: [{
      xLabel: pl, yLabel, xLog: req.xLog ?? false, yLog: true, series, xTicks: paramValues(groups.flatMap((g) => g.points), param),
    }],
    caption: captionFor(req, `Median over seeds of ${req.metric ?? reached}. ` +
      configSummary(firstRunConfig(agg), agg.paths, seedsOf(agg))),
  });
}

/** The figures `matsense plot` draws for a sweep when none are requested. */
export function defaultSweepFigures(agg: Aggregate): FigureRequest[] {
  const reqs: FigureRequest[] = [{ type: "error" }];
  for (const p of agg.paths) {
    const values = [...new Set(agg.points.map((q) => q.params[p]))];
    if (values.length >= 3 && values.every((v) => typeof v === "number" && v > 0)) {
      if (p === "problem.kappa") reqs.push({ type: "iters-vs", param: p });
      else if (agg.points.some((q) => Number.isFinite(q.median.linear_rate))) reqs.push({ type: "rate-vs", param: p });
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
    case "rate-vs": return `rate-vs-${slug(req.param!)}`;
    case "iters-vs": return `iters-vs-${slug(req.param!)}`;
    default: return req.type;
  }
}

/** The last segment of a config path, filesystem-safe (init.alpha → alpha). */
function slug(p: string): string {
  return p.split(".").pop()!.replace(/[^A-Za-z0-9-]/g, "-");
}

/** Draws one requested figure of a sweep as SVG text. */
export function sweepFigure(agg: Aggregate, req: FigureRequest, labels: Labels = {}): string {
  switch (req.type) {
    case "error": return errorFigure(agg, req, labels);
    case "rate-vs": return rateVsFigure(agg, req, labels);
    case "iters-vs": return itersVsFigure(agg, req, labels);
    case "diagnostics": return diagnosticsFigure(agg, req, labels);
    case "singular-values":
    case "imbalance": {
      const runs = agg.points
        .filter((p) => matches(p.params, req.where))
        .map((p) => {
          const run = agg.runs.find((r) => r.point === p.point && r.status !== "pending" && r.status !== "damaged");
          return run ? { title: pointLabel(p.params, labels), files: readRunFolder(path.join(agg.dir, String(run.id))) } : undefined;
        })
        .filter((r): r is { title: string; files: RunResultFiles } => !!r && !!r.files.metrics && r.files.metrics.columns.some((c) => c.startsWith(req.type === "imbalance" ? "imb_eig_" : "sv_")));
      const what = req.type === "imbalance" ? "eigenvalues of the imbalance FᵀF − GᵀG" : "singular values of the product";
      const seed = runs.length ? Number((runs[0].files.config as { seed?: number }).seed ?? 0) : 0;
      return indexedFigure(
        runs,
        req.type,
        req.title ?? `${agg.grid.name ? `${agg.grid.name}: ` : ""}${what} over time`,
        captionFor(req, `One run per parameter point (seed ${seed})${req.type === "singular-values" ? "; dotted lines: the true singular values of M*" : ""}. ` +
          configSummary(firstRunConfig(agg), agg.paths, [seed])),
        req.xLog ?? true,
      );
    }
  }
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

/** Options of `matsense plot` (see {@link plotDirectory}). */
export interface PlotOptions {
  /** The error column drawn against the iteration (default rel_error, and sym_rel_error / loss for a run). */
  metric?: string;
  /** Log (true) or linear (false) iteration axis; default: as the figure defines it. */
  xLog?: boolean;
  /** "slope=-1" (error figures: c·t^−1) or "alpha^2" (rate-vs-α figures: c·α²). */
  reference?: string;
  /** Leave captions out. */
  noCaption?: boolean;
}

/** Parses `--reference`: "slope=<p>" for error figures, "<param>^<p>" for rate-vs figures (param: a config path, its last segment, or its symbol). */
export function parseReference(text: string): { kind: "slope"; slope: number } | { kind: "power"; param: string; slope: number } {
  const t = text.replace(/\s+/g, "");
  let m = /^slope=([-+]?\d*\.?\d+)$/.exec(t);
  if (m) return { kind: "slope", slope: Number(m[1]) };
  m = /^([A-Za-z.α-ω]+)\^([-+]?\d*\.?\d+)$/.exec(t);
  if (m) return { kind: "power", param: m[1], slope: Number(m[2]) };
  throw new Error(`--reference "${text}" is not understood; use "slope=<p>" (error figures, e.g. slope=-1) or "<parameter>^<p>" (rate-vs figures, e.g. alpha^2)`);
}

const SUPERSCRIPT_DIGITS: Record<string, string> = { "-": "⁻", ".": "·", "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹" };
const sup = (v: number) => String(v).split("").map((c) => SUPERSCRIPT_DIGITS[c] ?? c).join("");

/** Applies plot options to a figure request (metric, x scale, reference line, caption). */
export function applyPlotOptions(req: FigureRequest, opts: PlotOptions): FigureRequest {
  const out: FigureRequest = { ...req, ...(opts.noCaption ? { noCaption: true } : {}) };
  if (req.type === "error") {
    if (opts.metric) out.metric = opts.metric;
    if (opts.xLog !== undefined) out.xLog = opts.xLog;
  }
  if (opts.reference) {
    const ref = parseReference(opts.reference);
    if (ref.kind === "slope" && req.type === "error") out.reference = { slope: ref.slope, label: `∝ t${sup(ref.slope)} (slope ${ref.slope})` };
    if (ref.kind === "power" && req.type === "rate-vs" && req.param) {
      const names = [req.param, req.param.split(".").pop()!, shortLabel(req.param)];
      if (names.includes(ref.param)) out.reference = { slope: ref.slope, label: `∝ ${shortLabel(req.param)}${sup(ref.slope)}` };
    }
  }
  return out;
}

/** Draws the figures of a sweep folder into `<dir>/figures/` (default figures unless given). */
export function plotSweep(dir: string, opts: { figures?: FigureRequest[]; labels?: Labels; aggregate?: Aggregate; outDir?: string; plot?: PlotOptions } = {}): FigureFiles[] {
  const agg = opts.aggregate ?? aggregateSweep(dir, opts.plot?.metric ? { errorMetric: opts.plot.metric } : {});
  const reqs = (opts.figures ?? defaultSweepFigures(agg)).map((r) => applyPlotOptions(r, opts.plot ?? {}));
  const outDir = opts.outDir ?? path.join(dir, "figures");
  return reqs.map((req) => {
    const name = figureName(req);
    return { name, ...writeFigure(outDir, name, sweepFigure(agg, req, opts.labels)) };
  });
}

/** The files written for one figure. */
export type FigureFiles = { name: string; svg: string; png: string; pdf: string };

/** Draws the figures of a single run folder (error; singular values / imbalance when recorded). */
export function plotRun(dir: string, outDir = path.join(dir, "figures"), opts: PlotOptions = {}): FigureFiles[] {
  const files = readRunFolder(dir);
  if (!files.metrics) throw new Error(`${dir}: no valid metrics to plot (${files.state}${files.reason ? `: ${files.reason}` : ""})`);
  const t = files.metrics;
  if (opts.metric && !t.columns.includes(opts.metric)) throw new Error(`--metric ${opts.metric}: ${dir}/metrics.csv has no such column (it has ${t.columns.join(", ")})`);
  const caption = opts.noCaption ? undefined : configSummary(files.config, [], [Number((files.config as { seed?: number }).seed ?? 0)]);
  const out: FigureFiles[] = [];
  const errCols = opts.metric ? [opts.metric] : ["rel_error", "sym_rel_error"].filter((c) => t.columns.includes(c));
  const series: Series[] = [...errCols.map((c) => ({ label: c, x: t.data.iteration, y: t.data[c] })), ...(opts.metric ? [] : [{ label: "loss", x: t.data.iteration, y: t.data.loss, dashed: true }])];
  const ref = opts.reference ? parseReference(opts.reference) : undefined;
  if (ref?.kind === "slope") series.push(...referenceLine(series, { slope: ref.slope, label: `∝ t${sup(ref.slope)} (slope ${ref.slope})` }));
  const errSvg = renderFigure({
    title: `${metricLabel(opts.metric ?? "rel_error")} vs iteration`,
    panels: [{ xLabel: "iteration", yLabel: opts.metric ? metricLabel(opts.metric) : "error / loss", yLog: true, xLog: opts.xLog, series }],
    caption,
  });
  out.push({ name: "error", ...writeFigure(outDir, "error", errSvg) });
  const title = path.basename(path.resolve(dir));
  const xLog = opts.xLog ?? true;
  if (t.columns.includes("sv_1")) out.push({ name: "singular-values", ...writeFigure(outDir, "singular-values", indexedFigure([{ title, files }], "singular-values", "singular values of the product over time", caption && `Dotted lines: the true singular values of M*. ${caption}`, xLog)) });
  if (t.columns.includes("imb_eig_1")) out.push({ name: "imbalance", ...writeFigure(outDir, "imbalance", indexedFigure([{ title, files }], "imbalance", "eigenvalues of FᵀF − GᵀG over time", caption, xLog)) });
  return out;
}

/** `matsense plot DIR`: a run folder or a sweep folder. */
export function plotDirectory(dir: string, outDir?: string, opts: PlotOptions = {}): FigureFiles[] {
  if (fs.existsSync(path.join(dir, "grid.json"))) return plotSweep(dir, { outDir, plot: opts });
  if (isRunFolder(dir)) return plotRun(dir, outDir, opts);
  throw new Error(`${dir} is neither a run folder (config.json + metrics.csv) nor a sweep folder (grid.json)`);
}

/**
 * `matsense plot A B C --labels a,b,c`: one error figure overlaying run folders (their
 * metric curve) and sweep folders (the median curve of each parameter point), one line
 * style per folder, written as `overlay.{svg,png,pdf}` into `outDir`.
 */
export function plotOverlay(dirs: string[], labels: string[] | undefined, outDir: string, opts: PlotOptions = {}): FigureFiles[] {
  if (labels && labels.length !== dirs.length) throw new Error(`--labels has ${labels.length} label(s) for ${dirs.length} folders; give one per folder, comma-separated`);
  const metric = opts.metric ?? "rel_error";
  const series: Series[] = [];
  const dashes = [false, true];
  const captions: string[] = [];
  dirs.forEach((dir, di) => {
    const name = labels?.[di] ?? path.basename(path.resolve(dir));
    if (fs.existsSync(path.join(dir, "grid.json"))) {
      const agg = aggregateSweep(dir, { errorMetric: metric });
      for (const c of agg.curves) {
        const m = c.metrics[metric];
        if (!m) throw new Error(`--metric ${metric}: the runs of ${dir} have no such column`);
        series.push({ label: `${name}: ${pointLabel(c.params)}`, x: c.iterations, y: m.median, lo: m.q10, hi: m.q90, color: colorFor(series.length), dashed: dashes[di % 2] });
      }
      captions.push(`${name}: sweep ${dir} (median over seeds, 10–90% band)`);
    } else if (isRunFolder(dir)) {
      const t = readRunFolder(dir).metrics!;
      if (!t.columns.includes(metric)) throw new Error(`--metric ${metric}: ${dir}/metrics.csv has no such column (it has ${t.columns.join(", ")})`);
      series.push({ label: name, x: t.data.iteration, y: t.data[metric], color: colorFor(series.length), dashed: dashes[di % 2] });
      captions.push(`${name}: run ${dir}`);
    } else throw new Error(`${dir} is neither a run folder (config.json + metrics.csv) nor a sweep folder (grid.json)`);
  });
  const ref = opts.reference ? parseReference(opts.reference) : undefined;
  if (ref?.kind === "slope") series.push(...referenceLine(series, { slope: ref.slope, label: `∝ t${sup(ref.slope)} (slope ${ref.slope})` }));
  const svg = renderFigure({
    title: `${metricLabel(metric)} vs iteration`,
    panels: [{ xLabel: "iteration", yLabel: metricLabel(metric), yLog: true, xLog: opts.xLog ?? true, series }],
    caption: opts.noCaption ? undefined : captions.join("; ") + ".",
  });
  return [{ name: "overlay", ...writeFigure(outDir, "overlay", svg) }];
}
