/**
 * matsense/core — the browser-safe part of the library: configs, the catalogue, one run in
 * memory, steppers and their driver, operators, problems, metrics, rate fits, linear
 * algebra. It imports no Node built-in (a bundler test builds it for the browser); the few
 * things that need Node (reading a file, the default memory limit, the WASM kernels'
 * files and threads) find it at run time or say what is missing (docs/library.md, "In a
 * browser"). The Node entry `matsense` (src/index.ts) is this plus run folders, sweeps,
 * results reading, figures and presets. One export per line; each is listed in
 * docs/library.md (test/api.test.ts).
 */

// Configs: what a user writes, its resolution, the field descriptions, the sweep grid
export { defineConfig } from "./config/define-config.js";
export { resolveConfig } from "./config/schema.js";
export { ConfigError } from "./config/schema.js";
export { describeConfig } from "./config/schema.js";
export { configJsonSchema } from "./config/schema.js";
export { entriesWithOption } from "./config/schema.js";
export { getPath } from "./config/schema.js";
export { setPath } from "./config/schema.js";
export { parseSetValue } from "./config/schema.js";
export type { ConfigInput } from "./config/schema.js";
export type { ResolvedConfig } from "./config/schema.js";
export type { ConfigIssue } from "./config/schema.js";
export type { FieldDescription } from "./config/schema.js";
export { expandGrid } from "./config/grid.js";
export { gridSeeds } from "./config/grid.js";
export { quickGrid } from "./config/grid.js";
export { variedPaths } from "./config/grid.js";
export { pointName } from "./config/grid.js";
export type { GridInput } from "./config/grid.js";
export type { RunSpec } from "./config/grid.js";

// The catalogue: one descriptor per method and operator, and what is built from them
export { METHODS } from "./catalogue/methods.js";
export { OPERATORS } from "./catalogue/operators.js";
export { defineMethod } from "./algorithms/method.js";
export { defineOperator } from "./operators/operator.js";
export type { MethodDescriptor } from "./algorithms/method.js";
export type { OperatorDescriptor } from "./operators/operator.js";
export { buildInstance } from "./catalogue/instance.js";
export { buildInit } from "./catalogue/instance.js";
export { buildOperator } from "./catalogue/instance.js";
export type { Instance } from "./catalogue/instance.js";
export { createStepper } from "./catalogue/registry.js";
export { liveMethodPaths } from "./catalogue/registry.js";
export { runMemory } from "./catalogue/memory.js";
export { checkRunMemory } from "./catalogue/memory.js";
export type { RunMemory } from "./catalogue/memory.js";
export type { MemoryItem } from "./catalogue/memory.js";

// One run in memory
export { prepareRun } from "./run/run.js";
export { prepareRunAsync } from "./run/run.js";
export { InterruptedError } from "./io/turns.js";
export { runConfig } from "./run/run.js";
export { runConfigAsync } from "./run/run.js";
export type { PreparedRun } from "./run/run.js";
export type { PrepareOptions } from "./run/run.js";
export type { RunHooks } from "./run/run.js";
export type { RunOutput } from "./run/run.js";
export { runContext } from "./catalogue/context.js";
export { DEFAULT_RUN_CONTEXT } from "./catalogue/context.js";
export type { RunContext } from "./catalogue/context.js";
export type { RunContextOptions } from "./catalogue/context.js";
export type { OperatorProvider } from "./catalogue/context.js";

// Steppers and the driver loop
export { runStepper } from "./algorithms/driver.js";
export { runStepperAsync } from "./algorithms/driver.js";
export { driveStepper } from "./algorithms/driver.js";
export { flattenRow } from "./algorithms/driver.js";
export type { DriverOptions } from "./algorithms/driver.js";
export type { RunResult } from "./algorithms/driver.js";
export type { RunStatus } from "./algorithms/driver.js";
export type { TraceRow } from "./algorithms/driver.js";
export type { FlatTraceRow } from "./algorithms/driver.js";
export type { Stepper } from "./algorithms/stepper.js";
export type { StepperState } from "./algorithms/stepper.js";
export { GradientDescentSymmetric } from "./algorithms/gd.js";
export { GradientDescentAsymmetric } from "./algorithms/gd.js";
export { ScaledGradientDescent } from "./algorithms/scaledGd.js";
export { ScaledGradientDescentLambda } from "./algorithms/scaledGd.js";
export { PreconditionedGradientDescentAdaptive } from "./algorithms/precGd.js";
export { GradientFlow } from "./algorithms/gradientFlow.js";

// Sensing operators
export type { SensingOperator } from "./operators/types.js";
export { gaussianOperator } from "./operators/gaussian.js";
export { symmetricGaussianOperator } from "./operators/gaussian.js";
export { completionOperator } from "./operators/completion.js";
export { rankOneOperator } from "./operators/rankOne.js";
export { srhtOperator } from "./operators/srht.js";
export { IdentityOperator } from "./operators/identity.js";

// Problems: ground truth and measurements
export { spectrum } from "./problem/truth.js";
export { psdTruth } from "./problem/truth.js";
export { generalTruth } from "./problem/truth.js";
export { measureTruth } from "./problem/measure.js";
export type { GroundTruth } from "./problem/truth.js";
export type { Factors } from "./problem/factors.js";

// Metrics and rate fits
export { absoluteError } from "./metrics/metrics.js";
export { lossOf } from "./metrics/metrics.js";
export { imbalance } from "./metrics/metrics.js";
export { imbalanceEigenvalues } from "./metrics/metrics.js";
export { productSingularValues } from "./metrics/metrics.js";
export { truthNorm } from "./metrics/metrics.js";
export { fitRates } from "./results/rates.js";
export type { RateFit } from "./results/rates.js";
export type { RateClass } from "./results/rates.js";

// Kernels: the backends of the hot loop, and the host a page gives the WASM kernels
export { availableBackends } from "./kernels/index.js";
export { wasmAvailable } from "./kernels/index.js";
export { wasmUnavailableReason } from "./kernels/index.js";
export type { BackendName } from "./kernels/index.js";
export { KERNEL_HOST } from "./kernels/host.js";
export type { KernelHost } from "./kernels/host.js";
export type { KernelWorker } from "./kernels/host.js";

// Linear algebra, random numbers, .npy bytes
export { zeros } from "./linalg/matrix.js";
export { fromRows } from "./linalg/matrix.js";
export { matmul } from "./linalg/matrix.js";
export { matmulNT } from "./linalg/matrix.js";
export { transpose } from "./linalg/matrix.js";
export { frobeniusNorm } from "./linalg/matrix.js";
export type { Matrix } from "./linalg/matrix.js";
export { qr } from "./linalg/qr.js";
export { svd } from "./linalg/svd.js";
export { symmetricEigen } from "./linalg/eig.js";
export { cholesky } from "./linalg/cholesky.js";
export { invSqrtSpd } from "./linalg/cholesky.js";
export { createRng } from "./random/rng.js";
export type { Rng } from "./random/rng.js";
export { decodeNpy } from "./io/npy.js";
export { encodeNpy } from "./io/npy.js";
