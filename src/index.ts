/**
 * matsense — low-rank matrix sensing by factorized gradient methods.
 *
 * The library for Node (`import { … } from "matsense"`): everything of the browser-safe
 * entry `matsense/core` (src/core.ts: configs, the catalogue, one run in memory, steppers,
 * operators, metrics), plus run folders, sweeps, reading results, figures and the paper
 * presets. One export per line; each is listed in docs/library.md (test/api.test.ts). The
 * CLI, the tests and the benchmarks import the modules themselves.
 */

export * from "./core.js";

// Run folders and sweeps
export { executeRun } from "./run/runFolder.js";
export { executeRunAsync } from "./run/runFolder.js";
export type { ExecuteOptions } from "./run/runFolder.js";
export { runSweep } from "./sweep/sweep.js";
export type { SweepOptions } from "./sweep/sweep.js";
export type { SweepResult } from "./sweep/sweep.js";

// Reading results
export { readRunFolder } from "./results/results.js";
export type { RunResultFiles } from "./results/results.js";
export { readSummary } from "./results/manifest.js";
export type { RunSummary } from "./results/summary.js";
export { inspectRunFolder } from "./results/validate.js";
export type { RunFolderInspection } from "./results/validate.js";
export { sweepStatus } from "./results/status.js";
export type { SweepStatus } from "./results/status.js";
export { aggregateSweep } from "./results/aggregate.js";
export { writeAggregate } from "./results/aggregate.js";
export type { Aggregate } from "./results/aggregate.js";

// Figures
export { plotRun } from "./plot/charts.js";
export { plotSweep } from "./plot/charts.js";
export { plotOverlay } from "./plot/charts.js";
export type { PlotOptions } from "./plot/charts.js";
export type { FigureFiles } from "./plot/charts.js";
export { renderFigure } from "./plot/figure.js";
export type { FigureSpec } from "./plot/figure.js";
export { svgToPng } from "./plot/png.js";
export { svgToPdf } from "./plot/pdf.js";

// Paper presets
export { listPresets } from "./reproduce/presets.js";
export { loadPreset } from "./reproduce/presets.js";
export { reproducePreset } from "./reproduce/report.js";
export type { ReproduceResult } from "./reproduce/report.js";
