/**
 * matsense — low-rank matrix sensing by factorized gradient methods.
 *
 * The library API, named export by export: build a problem from a config, run methods,
 * get traces (see README.md, "Library"). The typed entry points are `ConfigInput` /
 * `resolveConfig`, `runConfig`, `buildInstance` / `buildInit` / `createStepper` with the
 * steppers, and the operators. (A method or operator added to the catalogue is reachable
 * through `METHODS` / `OPERATORS` and the config without a line here.)
 */

// Configs: the schema (a fold over the catalogue), resolution, errors
export {
  applySets,
  ConfigError,
  configInputOf,
  configJsonSchema,
  configSchema,
  describeConfig,
  foldOptions,
  getPath,
  upgradeConfigJson,
  initSchema,
  MAX_THREADS_PER_CORE,
  methodDescriptor,
  methodSchema,
  modelSchema,
  operatorDescriptor,
  operatorSchema,
  parseSetValue,
  problemSchema,
  recordSchema,
  resolveConfig,
  setPath,
  stopSchema,
  SVT_MAX_ENTRIES,
  type ConfigInput,
  type ConfigIssue,
  type FieldDescription,
  type InitConfig,
  type ModelConfig,
  type ParsedConfig,
  type ProblemConfig,
  type RecordConfig,
  type ResolvedConfig,
  type StopConfig,
} from "./config/schema.js";

// The catalogue: methods and operators, instances, steppers, memory
export { METHODS } from "./catalogue/methods.js";
export { OPERATORS } from "./catalogue/operators.js";
export { buildInit, buildInstance, buildOperator, buildTruth, operatorBytes, type Instance } from "./catalogue/instance.js";
export { DEFAULT_RUN_CONTEXT, runContext, withContext, type OperatorProvider, type RunContext, type RunContextOptions } from "./catalogue/context.js";
export { createStepper } from "./catalogue/registry.js";
export {
  checkRunMemory,
  defaultMemoryLimit,
  formatBytes,
  largestSum,
  parseBytes,
  runMemory,
  workersWithin,
  workersWithinMemory,
  type MemoryItem,
  type RowRetention,
  type RunMemory,
} from "./catalogue/memory.js";
export { defineMethod, type MethodDescriptor, type MethodView } from "./algorithms/method.js";
export { defaultMeasurements, defineOperator, kernelOptions, type OperatorDescriptor, type OperatorView } from "./operators/operator.js";

// Running: one config in memory, one run folder, sweeps, aggregation
export { defineConfig } from "./config/define-config.js";
export {
  configWarnings,
  copyFactors,
  InterruptedError,
  prepareRun,
  prepareRunAsync,
  runConfig,
  runConfigAsync,
  type PreparedRun,
  type PrepareOptions,
  type RunHooks,
  type RunOutput,
} from "./run/run.js";
export { checkOperatorMemory, defaultMaxOperatorBytes, executeRun, executeRunAsync, provenance, saveInstance, type ExecuteOptions } from "./run/runFolder.js";
export { type RunSummary } from "./results/summary.js";
export {
  AlreadyFinishedError,
  claimRunFolder,
  claimSweepFolder,
  clearResult,
  existingResult,
  ExistingResultError,
  ForeignFilesError,
  foreignResultFiles,
  isMatsenseRunFolder,
  isMatsenseSweepFolder,
  RUN_NPY_FILES,
  ResumeNotImplementedError,
  RUN_RESULT_FILES,
  runSkipReason,
  type ClaimOptions,
  type ExistingPolicy,
} from "./run/claim.js";
export {
  CHECKPOINT_FILE,
  Checkpointer,
  prepareResume,
  readCheckpoint,
  ResumeError,
  writeCheckpoint,
  writeFinalIterate,
  type ResumePoint,
} from "./run/checkpoint.js";
export { degreesOfFreedom, scientificWarnings, stableStepEstimate } from "./run/warnings.js";
export {
  checkGridSize,
  expandGrid,
  gridPoints,
  gridRunCount,
  gridSchema,
  gridSeeds,
  HARD_MAX_GRID_RUNS,
  MAX_GRID_RUNS,
  parseGrid,
  parseShard,
  pointName,
  quickGrid,
  runName,
  shardRuns,
  stableHash,
  valueToken,
  variedPaths,
  type Grid,
  type GridInput,
  type RunSpec,
} from "./config/grid.js";
export {
  recordGrid,
  runSweep,
  workerEntry,
  type LockedRun,
  type SweepOptions,
  type SweepResult,
  type WorkerOperatorMessage,
  type WorkerReply,
  type WorkerTask,
} from "./sweep/sweep.js";
export {
  entryFromFolder,
  isFinished,
  makeManifest,
  manifestFile,
  readSummary,
  TERMINAL_STATUSES,
  writeManifest,
  type Manifest,
  type ManifestEntry,
  type ManifestStatus,
} from "./results/manifest.js";
export {
  DEFAULT_ERROR_FLOOR,
  fitRates,
  iterationsToLevel,
  LINEAR_SLOPE_RATIO,
  logLogFit,
  lsSlope,
  STALL_LOG_DECREASE,
  type RateClass,
  type RateFit,
} from "./results/rates.js";
export {
  aggregateSweep,
  classHonestPoints,
  curvesCsv,
  ERROR_LEVELS,
  excludedNote,
  excludedPointsText,
  formatPointTable,
  formatTable,
  formatValue,
  itersToColumn,
  median,
  pointCurves,
  pointLabel,
  quantileSorted,
  RATE_COLUMN_CLASS,
  runColumns,
  runRow,
  shortLabel,
  UNENDED_STATUSES,
  writeAggregate,
  type Aggregate,
  type CurveTable,
  type DamagedRun,
  type PointSummary,
  type RunRow,
} from "./results/aggregate.js";
export { csvCell, isRunFolder, parseCsv, parseCsvNumber, readNumericCsv, readRunFolder, toCsv, type RunResultFiles, type Table } from "./results/results.js";
export {
  ALIGNED_SIN,
  diagnosticsColumns,
  errorLogChange,
  FROZEN_LOG_CHANGE,
  secondHalfLogDecrease,
  GROWN_REL_ERROR,
  INTERPOLATED_LOSS_BELOW,
  RECOVERED_BELOW,
} from "./results/diagnosticsColumns.js";
export { diagnosticsReportLines, formatReportNumber } from "./results/diagnosticsReport.js";
export {
  checkRecordedIterations,
  DamagedFileError,
  inspectRunFolder,
  isDone,
  parseMetricsCsv,
  summarySchema,
  type RunFolderInspection,
  type RunFolderState,
} from "./results/validate.js";
export { StatusLog, statusLogFile } from "./results/status-log.js";
export {
  missingShards,
  recordedShardCounts,
  runState,
  slurmList,
  SweepFolderError,
  sweepRuns,
  sweepStatus,
  type RunState,
  type ShardStatus,
  type StateCounts,
  type SweepStatus,
} from "./results/status.js";
export {
  attachSharedOperator,
  buildSharedOperator,
  OperatorSharing,
  sharedOperatorKey,
  sweepOperatorMemory,
  type SharedOperatorHandle,
  type TaskShare,
} from "./sweep/shared-operators.js";

// Paper presets and reports
export {
  checkSchema,
  claimSchema,
  evaluateCheck,
  evaluateClaims,
  expectationsSchema,
  listPresets,
  loadPreset,
  presetGrid,
  presetsDir,
  UnknownPresetError,
  type Check,
  type ClaimResult,
  type Expectations,
  type Preset,
  type RunReader,
} from "./reproduce/presets.js";
export {
  checkPresetRunnable,
  PresetUnavailableError,
  reportMarkdown,
  reproducePreset,
  type ReproduceOptions,
  type ReproduceResult,
} from "./reproduce/report.js";

// Figures
export {
  decadeTicks,
  escapeXml,
  FONT_FAMILY,
  PALETTE,
  powerOfTen,
  renderFigure,
  renderPanel,
  typesetSubscripts,
  wrapText,
  type FigureSpec,
  type Panel,
  type Series,
} from "./plot/figure.js";
export { configSummary, firstRunConfig, matches, referenceLine, seedsOf, type FigureRequest, type Labels } from "./plot/request.js";
export {
  applyPlotOptions,
  defaultSweepFigures,
  errorFigure,
  figureName,
  indexedFigure,
  itersVsFigure,
  parseReference,
  plotDirectory,
  plotOverlay,
  plotRun,
  plotSweep,
  rateVsFigure,
  sweepFigure,
  trueSingularValues,
  writeFigure,
  type FigureFiles,
  type PlotOptions,
} from "./plot/charts.js";
export { diagnosticLabel, diagnosticsFigure } from "./plot/diagnosticsFigure.js";
export { fontFiles, svgToPng } from "./plot/png.js";
export { svgToPdf } from "./plot/pdf.js";

// Methods (steppers) and the driver loop
export { FactoredStepper, type Stepper, type StepperEvent, type StepperState } from "./algorithms/stepper.js";
export {
  driveStepper,
  firstRecordAtOrAfter,
  flattenRow,
  measure,
  nextRecordIteration,
  runStepper,
  runStepperAsync,
  type DriverOptions,
  type FlatTraceRow,
  type RunResult,
  type RunStatus,
  type TraceColumns,
  type TraceRow,
} from "./algorithms/driver.js";
export { assertFinite, DIVERGED_STREAK, LOSS_INCREASE_STREAK, LossWatch, NonFiniteError, nonFiniteQuantity, suggestedStepSize } from "./algorithms/guards.js";
export { gdMethod, GradientDescentAsymmetric, GradientDescentSymmetric, type AsymmetricGdOptions } from "./algorithms/gd.js";
export { rebalanceFactors } from "./algorithms/rebalance.js";
export { rightPrecondition } from "./algorithms/precondition.js";
export {
  PreconditionedGradientDescent,
  preconditionedWorkspaceBytes,
  scaledGdLambdaMethod,
  scaledGdMethod,
  ScaledGradientDescent,
  ScaledGradientDescentLambda,
} from "./algorithms/scaledGd.js";
export { precGdMethod, PreconditionedGradientDescentAdaptive, type PrecGdOptions } from "./algorithms/precGd.js";
export { GradientFlow, gradientFlowMethod } from "./algorithms/gradientFlow.js";
export { SubgradientL1, subgradientL1Method } from "./algorithms/subgradientL1.js";
export { singularValueShrink, SingularValueThresholding, SVT_FULL_SVD_LIMIT, svtMethod } from "./algorithms/svt.js";

// Metrics
export {
  absoluteError,
  errorAndImbalance,
  factoredDistance,
  imbalance,
  imbalanceEigenvalues,
  lossOf,
  productSingularValues,
  symmetricPartRelError,
  truthNorm,
} from "./metrics/metrics.js";
export {
  alignmentSin,
  alignmentSinPrefixes,
  bidiagonalNorm,
  denseMap,
  diagnosticsContext,
  diagnosticsRow,
  errorColumnShare,
  errorDecomposition,
  imbalanceMinAbsEigenvalue,
  operatorFactor,
  perturbationRatio,
  predictedImbalanceRate,
  predictedRestrictedRate,
  productNorm,
  projectOut,
  ripDeviation,
  slowModeNorm2,
  spectralNorm,
  stepperDiagnostics,
  usesDensePerturbation,
  type DiagnosticsContext,
  type DiagnosticsInputs,
  type DiagnosticsSource,
  type ErrorColumnShare,
  type ErrorDecomposition,
  type LinearMap,
  type PerturbationInputs,
  type RipEstimate,
  type SpectralNormOptions,
} from "./metrics/diagnostics.js";

// Sensing operators
export { type SensingOperator } from "./operators/types.js";
export { denseWorkBytes, MatrixSensingOperator } from "./operators/base.js";
export {
  autoStorage,
  buildGaussianOperator,
  denseOperatorBytes,
  DenseSensingOperator,
  gaussianDescriptor,
  gaussianOperator,
  gaussianOperatorBytes,
  gaussianOptionIssues,
  gaussianOptions,
  maxOperatorThreads,
  packedLength,
  PackedSymmetricOperator,
  RegeneratedGaussianOperator,
  symmetricGaussianDescriptor,
  symmetricGaussianOperator,
  type GaussianOperatorOptions,
  type OperatorStorage,
} from "./operators/gaussian.js";
export { gaussianOperatorBatch, OperatorBatch } from "./operators/batch.js";
export { identityDescriptor, IdentityOperator } from "./operators/identity.js";
export {
  completionCapacity,
  completionDescriptor,
  CompletionOperator,
  completionOperator,
  completionOperatorBytes,
  type CompletionBackendOptions,
} from "./operators/completion.js";
export { rankOneDescriptor, RankOneOperator, rankOneOperator, rankOneOperatorBytes } from "./operators/rankOne.js";
export { srhtDescriptor, srhtOperator, SrhtOperator, srhtOperatorBytes } from "./operators/srht.js";
export { fwht, nextPowerOfTwo } from "./operators/fwht.js";

// Problems: ground truth, factors, measurements, spectral init
export { generalTruth, lowRankProduct, psdTruth, randomOrthonormal, spectrum, type GroundTruth, type SpectrumSpacing } from "./problem/truth.js";
export { type Factors } from "./problem/factors.js";
export { addOutliers, measureTruth } from "./problem/measure.js";
export { SPECTRAL_DENSE_LIMIT, spectralInit, type SpectralOptions } from "./problem/spectral.js";

// Kernels (backends of the hot loop)
export {
  AUTO_THREADS_MIN_BYTES,
  autoThreads,
  availableBackends,
  checkKernelBackend,
  chooseBackend,
  fastWalshHadamard,
  fwhtReference,
  getBackend,
  registerBackend,
  tsBackend,
  WASM_BACKEND_NAME,
  WASM_MAX_BYTES,
  WASM_RELAXED_BACKEND_NAME,
  wasmAvailable,
  wasmMatrixBytes,
  wasmRelaxedStatus,
  wasmUnavailableReason,
  type BackendName,
} from "./kernels/index.js";

// Linear algebra, random numbers, .npy files
export {
  add,
  addScaled,
  allFinite,
  assertSameShape,
  clone,
  diag,
  dot,
  frobeniusDistance,
  frobeniusNorm,
  fromRows,
  gemv,
  gemvT,
  get,
  identity,
  matmul,
  matmulNT,
  matmulTN,
  matrix,
  norm2,
  scale,
  scaledNorm,
  sub,
  symmetricPart,
  trace,
  transpose,
  zeros,
  type Matrix,
} from "./linalg/matrix.js";
export { orthonormalColumns, qr, qrRUnsigned } from "./linalg/qr.js";
export { checkedSymmetric, symmetricEigen, symmetricEigenvalues, SYMMETRY_TOLERANCE } from "./linalg/eig.js";
export { singularValues, svd } from "./linalg/svd.js";
export { singularTripletsAbove, type TruncatedSvd, type TruncatedSvdOptions } from "./linalg/truncatedSvd.js";
export { cholesky, inverseSpd, invSqrtSpd, solve, solveSpd, sqrtPsd } from "./linalg/cholesky.js";
export { DENSE_ENTRIES_LIMIT } from "./linalg/limits.js";
export { createRng, fnv1a32, Rng, streamRng, type RngState } from "./random/rng.js";
export { sampleWithoutReplacement } from "./random/sample.js";
export { decodeNpy, encodeNpy, npyHeader, type NpyArray, type NpyData } from "./io/npy.js";
export {
  acquireRunLock,
  DEFAULT_STALE_SECONDS,
  HEARTBEAT_SECONDS,
  LOCK_FILE,
  lockedByLiveWriter,
  LockedError,
  processAlive,
  processStartMs,
  readLock,
  staleReason,
  staleSeconds,
  type AcquireOptions,
  type LockInfo,
  type RunLock,
} from "./run/lock.js";
export {
  fileErrorReason,
  formatJsonPath,
  JsonInputError,
  lineColumn,
  MAX_JSON_DEPTH,
  nestedDeeperThan,
  parseJsonText,
  readJsonInput,
  type ParseJsonOptions,
} from "./io/json.js";
