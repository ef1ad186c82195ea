/**
 * matsense — low-rank matrix sensing by factorized gradient methods.
 *
 * The library API: build a problem from a config, run methods, get traces.
 * See README.md for a 20-line example.
 */
export * from "./linalg/index.js";
export * from "./random/rng.js";
export * from "./problem/truth.js";
export * from "./problem/instance.js";
export type { SensingOperator } from "./operators/types.js";
export * from "./operators/dense.js";
export * from "./operators/identity.js";
export * from "./operators/completion.js";
export * from "./operators/rankOne.js";
export * from "./operators/srht.js";
export * from "./operators/fwht.js";
export * from "./problem/spectral.js";
export * from "./kernels/index.js";
export * from "./algorithms/stepper.js";
export * from "./algorithms/gd.js";
export * from "./algorithms/rebalance.js";
export * from "./algorithms/precondition.js";
export * from "./algorithms/scaledGd.js";
export * from "./algorithms/precGd.js";
export * from "./algorithms/gradientFlow.js";
export * from "./algorithms/subgradientL1.js";
export * from "./algorithms/svt.js";
export * from "./algorithms/driver.js";
export * from "./algorithms/guards.js";
export * from "./algorithms/registry.js";
export * from "./metrics/metrics.js";
export * from "./metrics/diagnostics.js";
export * from "./io/config.js";
export * from "./io/npy.js";
export * from "./io/lock.js";
export * from "./experiments/claim.js";
export * from "./experiments/run.js";
export * from "./experiments/define-config.js";
export * from "./experiments/grid.js";
export * from "./experiments/sweep.js";
export * from "./experiments/manifest.js";
export * from "./experiments/rates.js";
export * from "./experiments/aggregate.js";
export * from "./experiments/results.js";
export * from "./experiments/validate.js";
export * from "./experiments/status-log.js";
export * from "./io/json.js";
export * from "./experiments/presets.js";
export * from "./experiments/report.js";
export * from "./plot/figure.js";
export * from "./plot/charts.js";
export * from "./plot/png.js";
export * from "./plot/pdf.js";
