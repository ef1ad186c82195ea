import * as os from "node:os";
import * as path from "node:path";
import { ConfigError } from "../config/schema.js";
import { writeFileAtomic } from "../io/files.js";
import { matsenseVersion } from "../io/version.js";
import { type FigureRequest, plotSweep, trueSingularValues } from "../plot/charts.js";
import { type Aggregate, excludedNote, formatValue, itersToColumn, shortLabel, writeAggregate } from "../results/aggregate.js";
import { expandGrid, gridSeeds } from "../config/grid.js";
import { type ClaimResult, type Preset, type RunReader, evaluateClaims, loadPreset, presetGrid } from "./presets.js";
import { readRunFolder } from "../results/results.js";
import { diagnosticsReportLines, formatReportNumber as fmt, symmetricPartReportLines } from "../results/diagnosticsReport.js";
import { type SweepOptions, type SweepResult, runSweep } from "../sweep/sweep.js";

/** A preset that needs something this build does not have (e.g. a method not implemented yet). */
export class PresetUnavailableError extends Error {
  constructor(
    readonly preset: string,
    detail: string,
  ) {
    super(`preset "${preset}" cannot run with this build of matsense (${matsenseVersion()}): ${detail}`);
    this.name = "PresetUnavailableError";
  }
}

export interface ReproduceOptions {
  quick?: boolean;
  /** Runs the sweep (default: {@link runSweep}); the CLI passes one with a progress bar. */
  sweep?: (grid: unknown, dir: string) => Promise<SweepResult>;
  sweepOptions?: SweepOptions;
}

export interface ReproduceResult {
  preset: Preset;
  dir: string;
  aggregate: Aggregate;
  claims: ClaimResult[];
  passed: boolean;
  seconds: number;
  figures: { name: string; png: string; svg: string }[];
  reportFile: string;
}

/**
 * Checks that every run of the preset's grid is a valid config for this build; throws
 * {@link PresetUnavailableError} naming what is missing (e.g. method.name "precgd").
 */
export function checkPresetRunnable(preset: Preset, quick: boolean): void {
  try {
    expandGrid(presetGrid(preset, quick));
  } catch (e) {
    if (e instanceof ConfigError) {
      const first = e.issues[0];
      throw new PresetUnavailableError(
        preset.name,
        `${first.path}: ${first.message}${first.value === undefined ? "" : ` (got ${JSON.stringify(first.value)})`}` +
          `${e.issues.length > 1 ? ` (and ${e.issues.length - 1} more)` : ""} — the preset needs a feature this version does not have`,
      );
    }
    throw e;
  }
}

/** Reads a run's metrics and true singular values (for sv-order checks). */
function runReader(dir: string): RunReader {
  return (id) => {
    const f = readRunFolder(path.join(dir, id));
    return f.metrics ? { columns: f.metrics.columns, data: f.metrics.data, sigma: trueSingularValues(f.config) } : undefined;
  };
}

/**
 * Reproduces a preset: runs its sweep into `dir` (resuming), aggregates, draws the
 * figures, checks the claims and writes report.md. Returns whether every claim passed.
 */
export async function reproducePreset(name: string, dir: string, opts: ReproduceOptions = {}): Promise<ReproduceResult> {
  const preset = loadPreset(name);
  const quick = !!opts.quick;
  checkPresetRunnable(preset, quick);
  const grid = presetGrid(preset, quick);
  const t0 = Date.now();
  const sweep = opts.sweep ?? ((g, d) => runSweep(g, d, opts.sweepOptions));
  const result = await sweep(grid, dir);
  const seconds = (Date.now() - t0) / 1000;
  const aggregate = writeAggregate(dir, { errorMetric: preset.expectations.errorMetric });
  const figures = plotSweep(dir, { figures: preset.expectations.figures as unknown as FigureRequest[], labels: preset.expectations.labels, aggregate });
  const claims = evaluateClaims(preset, aggregate, quick, runReader(dir));
  const passed = claims.every((c) => c.verdict === "pass") && !result.interrupted;
  const reportFile = path.join(dir, "report.md");
  writeFileAtomic(reportFile, reportMarkdown(preset, aggregate, claims, { quick, seconds, figures, runs: result.runs.length, executed: result.executed }));
  return { preset, dir, aggregate, claims, passed, seconds, figures, reportFile };
}

function mdEscape(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** The report: the paper's claims next to the measurements, fitted rates, figures. */
export function reportMarkdown(
  preset: Preset,
  agg: Aggregate,
  claims: ClaimResult[],
  info: { quick: boolean; seconds: number; figures: { name: string; png: string }[]; runs: number; executed: number },
): string {
  const e = preset.expectations;
  const seeds = gridSeeds(agg.grid);
  const passed = claims.filter((c) => c.verdict === "pass").length;
  const lines: string[] = [];
  lines.push(`# ${e.title}`, "");
  lines.push(
    `Preset \`${preset.name}\`${info.quick ? " (**quick** mode: small sizes for CI; run without `--quick` for the full sizes)" : ""}. ` +
      `Reproduce with \`npx matsense reproduce ${preset.name}${info.quick ? " --quick" : ""}\`.`,
    "",
  );
  lines.push(`**Source.** ${e.source}`, "");
  lines.push("This preset reproduces the papers' *phenomena* at its own sizes, not the papers' figures (their exact settings are not all public).", "");
  lines.push(`**Setup.** ${e.setup}`, "");
  if (e.paperSetting) lines.push(`**Paper setting vs ours.** ${e.paperSetting}`, "");
  if (e.sizes) lines.push(`**Sizes.** ${e.sizes}`, "");
  lines.push(
    `**This run.** ${info.runs} runs (${agg.points.length} parameter points × ${seeds.length} seed${seeds.length > 1 ? "s" : ""}), ` +
      `${info.executed} executed now, wall time ${info.seconds.toFixed(1)} s on ${os.availableParallelism()} cores; matsense ${matsenseVersion()}, ` +
      `Node ${process.version}.`,
    "",
  );
  lines.push(`## Claims and verdicts (${passed}/${claims.length} pass)`, "");
  lines.push("| claim (paper) | measured | expected (check) | verdict |", "|---|---|---|---|");
  for (const c of claims) {
    const mark = c.verdict === "pass" ? "✅ pass" : c.verdict === "fail" ? "❌ fail" : "⚠️ not measured";
    lines.push(`| ${mdEscape(c.claim)} | ${mdEscape(c.measured)} | ${mdEscape(c.expected)} | ${mark} |`);
  }
  lines.push("", "Margins:", "");
  for (const c of claims) lines.push(`- *${mdEscape(c.claim)}* — ${c.margin}`);
  lines.push("", "## Fitted rates per parameter point", "");
  const pcols = agg.paths;
  const lab = (p: string) => e.labels[p] ?? shortLabel(p);
  lines.push(
    `| ${[...pcols.map(lab), "runs", "status", `final ${agg.errorMetric}`, "iters → 1e-4", "linear rate λ", "log-log slope", "class"].join(" | ")} |`,
    `|${Array(pcols.length + 7)
      .fill("---")
      .join("|")}|`,
  );
  for (const p of agg.points) {
    lines.push(
      `| ${[
        ...pcols.map((k) => formatValue(p.params[k])),
        String(p.runs),
        Object.entries(p.statuses)
          .map(([s, n]) => `${s} ×${n}`)
          .join(", "),
        fmt(p.median[`final_${agg.errorMetric}`]),
        fmt(p.median[itersToColumn(1e-4)]),
        p.classification === "linear" ? fmt(p.median.linear_rate) : "—",
        p.classification === "sublinear" && Number.isFinite(p.median.loglog_slope) ? p.median.loglog_slope.toFixed(2) : "—",
        p.classification || "—",
      ].join(" | ")} |`,
    );
  }
  lines.push(
    "",
    `Medians over the seeds that ended (interrupted or failed runs never enter a median). λ = −d ln(${agg.errorMetric})/dt (shown for linear ` +
      `points, median over their linear runs) and the log-log slope d ln(${agg.errorMetric})/d ln t (shown for sublinear points, over their ` +
      `sublinear runs) are least-squares fits over the tail [T/2, T]; ` +
      "the class follows the rule documented in matsense's docs/experiments.md (linear: the slopes of the two halves of the tail agree within 15 % " +
      "and no shifted power law " +
      "c(t + t₀)^−q with q ≤ 3 fits them; sublinear: otherwise; stalled: < 1 % decrease). Per-run values: `runs.csv`; curves: `curves.csv`." +
      (agg.curves.some((c) => c.metrics.flow_time)
        ? " Gradient-flow runs are fitted on the flow's time t, not on their adaptive accepted steps: their λ is per unit time (GD's per iteration " +
          "= per η units of time) and their iteration counts are step counts."
        : "") +
      (excludedNote(agg) ? ` ${excludedNote(agg).trim()}` : ""),
    "",
  );
  lines.push(...symmetricPartReportLines(agg, e.labels));
  lines.push(...diagnosticsReportLines(agg, e.labels));
  lines.push("## Figures", "");
  for (const f of info.figures) lines.push(`![${f.name}](figures/${path.basename(f.png)})`, "");
  return lines.join("\n");
}
