import type { z } from "zod";
import { ConfigError, type ResolvedConfig, operatorDescriptor } from "../config/schema.js";
import { zeros } from "../linalg/matrix.js";
import type { OperatorDescriptor } from "../operators/operator.js";
import type { SensingOperator } from "../operators/types.js";
import type { Factors } from "../problem/factors.js";
import { addOutliers, measureTruth } from "../problem/measure.js";
import { spectralInit } from "../problem/spectral.js";
import { type GroundTruth, absentTruth, generalTruth, psdTruth, spectrum, truthFromMatrix } from "../problem/truth.js";
import { readNpyFloat64 } from "../io/arrays.js";
import { streamRng } from "../random/rng.js";
import { type Steps, runSteps } from "../io/turns.js";
import { DEFAULT_RUN_CONTEXT, type RunContext } from "./context.js";

/** A matrix sensing instance: the truth, the operator and the measurements y = A(M*) + noise. */
export interface Instance {
  truth: GroundTruth;
  operator: SensingOperator;
  /** The measurements used by the methods. */
  y: Float64Array;
  /** A(M*) without noise. */
  yClean: Float64Array;
  /** Indices of the measurements corrupted by outliers (problem.outliers > 0), increasing. */
  outlierIndices?: Int32Array;
  /** Held-out observed entries (operator.testFraction of "completion-file"), for test_rel_error. */
  heldOut?: { rows: Int32Array; cols: Int32Array; values: Float64Array };
}

/** The ground truth of a resolved config (random stream "truth" of the seed). */
export function buildTruth(config: ResolvedConfig): GroundTruth {
  const p = config.problem;
  if (p.truth === "none") return absentTruth(p.n, p.n2);
  if (p.truth === "file") {
    const { data } = readNpyFloat64("problem.file", p.file!, [p.n, p.n2], `M*, problem.n × problem.n2 = ${p.n}×${p.n2}`);
    try {
      return truthFromMatrix({ rows: p.n, cols: p.n2, data }, p.rank, config.model.type === "symmetric");
    } catch (e) {
      throw new ConfigError([{ path: "problem.file", value: p.file, message: (e as Error).message }]);
    }
  }
  const sigma = p.singularValues ? Float64Array.from(p.singularValues) : spectrum(p.rank, p.kappa, p.spectrum);
  const rng = streamRng(config.seed, "truth");
  return p.truth === "psd" ? psdTruth(p.n, sigma, rng) : generalTruth(p.n, p.n2, sigma, rng);
}

/**
 * The sensing operator of a resolved config: the context's operator provider's, if it supplies
 * one (a sweep's shared or batched operator), else built from its catalogue entry (random
 * stream "operator" of the seed) with the context's kernel tuning.
 */
export function buildOperator(config: ResolvedConfig, context: RunContext = DEFAULT_RUN_CONTEXT): SensingOperator {
  return runSteps(buildOperatorSteps(config, context));
}

/** {@link buildOperator} in steps: the entry's `buildSteps` when it has one (a long build), else its `build` at once. */
export function* buildOperatorSteps(config: ResolvedConfig, context: RunContext = DEFAULT_RUN_CONTEXT): Steps<SensingOperator> {
  const provided = context.operatorProvider?.(config);
  if (provided) return provided;
  const d = operatorDescriptor(config.operator.type) as OperatorDescriptor<string, z.ZodRawShape>;
  const rng = streamRng(config.seed, "operator");
  return d.buildSteps ? yield* d.buildSteps(config as never, rng, context.kernels) : d.build(config as never, rng, context.kernels);
}

/**
 * Bytes the operator of a resolved config will hold — its stored data and its work arrays
 * (`operator.bytes + operator.workBytes` of the built operator) — from its catalogue entry,
 * without building it.
 */
export function operatorBytes(config: ResolvedConfig): number {
  return (operatorDescriptor(config.operator.type) as OperatorDescriptor<string, z.ZodRawShape>).bytes(config as never);
}

/**
 * Builds the instance of a resolved config. The truth, operator, noise and init use
 * separate random streams of the seed, so changing e.g. the init scale leaves the
 * data unchanged, and runs that differ only in method see exactly the same data. The
 * operator is built in `context` ({@link buildOperator}; default: no provider, no thread cap).
 */
export function buildInstance(config: ResolvedConfig, context: RunContext = DEFAULT_RUN_CONTEXT): Instance {
  return runSteps(buildInstanceSteps(config, context));
}

/** {@link buildInstance} in steps (those of the operator's build: see {@link buildOperatorSteps}), the same instance bit for bit. */
export function* buildInstanceSteps(config: ResolvedConfig, context: RunContext = DEFAULT_RUN_CONTEXT): Steps<Instance> {
  const truth = buildTruth(config);
  const operator = yield* buildOperatorSteps(config, context);
  const yFile = (config.operator as { yFile?: string }).yFile;
  const observed = operator.observations?.();
  const given =
    observed?.y ??
    (yFile === undefined ? undefined : readNpyFloat64("operator.yFile", yFile, [operator.m], `the operator.m = ${operator.m} ` + `measurements y`).data);
  // without M*, "A(M*)" is the observed y itself
  const yClean = truth.absent ? given! : measureTruth(operator, truth);
  const y = given ?? yClean.slice();
  if (config.problem.noise > 0) {
    const rng = streamRng(config.seed, "noise");
    for (let i = 0; i < y.length; i++) y[i] += config.problem.noise * rng.normal();
  }
  const outlierIndices =
    config.problem.outliers > 0 ? addOutliers(y, yClean, config.problem.outliers, config.problem.outlierScale, streamRng(config.seed, "outliers")) : undefined;
  checkFiniteMeasurements(config, y);
  // no held-out entries (operator.testFraction 0): no test_rel_error column (0/0 would read as a divergence)
  const heldOut = observed?.heldOut?.values.length ? observed.heldOut : undefined;
  return { truth, operator, y, yClean, ...(outlierIndices ? { outlierIndices } : {}), ...(heldOut ? { heldOut } : {}) };
}

/**
 * Refuses (ConfigError) measurements whose squared norm overflows float64: an absurd noise
 * level, outlier scale or singular value makes the loss ½‖A(P) − y‖² and A*(y) infinite
 * from the start, and no method (nor the spectral initialization) can work with that.
 */
function checkFiniteMeasurements(config: ResolvedConfig, y: Float64Array): void {
  let ss = 0;
  for (let i = 0; i < y.length; i++) ss += y[i] * y[i];
  if (Number.isFinite(ss)) return;
  const p = config.problem;
  const [path, value] =
    p.noise > 0
      ? ["problem.noise", p.noise]
      : p.outliers > 0
        ? ["problem.outlierScale", p.outlierScale]
        : p.singularValues
          ? ["problem.singularValues", p.singularValues]
          : ["problem.kappa", p.kappa];
  throw new ConfigError([
    { path, value, message: "makes ‖y‖² overflow float64 (the loss is infinite from the start); use a value many orders of magnitude smaller" },
  ]);
}

/**
 * The initial point of a resolved config (random stream "init" of the seed):
 * symmetric X₀ ~ N(0, α²); asymmetric F₀ ~ N(0, α²) then G₀ ~ N(0, (α/ratio)²), or G₀ = F₀
 * for init.type "identical". Entries are drawn row-major, F₀ before G₀. init.type
 * "spectral" needs `instance` (see {@link spectralInit}; random stream "spectral").
 */
export function buildInit(config: ResolvedConfig, instance?: Pick<Instance, "operator" | "y">): Factors {
  const { n, n2 } = config.problem;
  const k = config.model.k;
  const { alpha, ratio, type } = config.init;
  if (type === "spectral") {
    if (!instance) throw new RangeError('init.type "spectral" needs the instance (operator and y): call buildInit(config, instance)');
    return spectralInit(instance.operator, instance.y, config.model.type === "symmetric" ? "symmetric" : "asymmetric", k, streamRng(config.seed, "spectral"));
  }
  if (type === "file") return readInit(config);
  if (type === "scaled-identity") {
    // α·I and (α/ratio)·I: ones on the diagonal of the n×k (n2×k) factors
    const eye = (rows: number, scale: number) => {
      const M = zeros(rows, k);
      for (let i = 0; i < Math.min(rows, k); i++) M.data[i * k + i] = scale;
      return M;
    };
    if (config.model.type === "symmetric") return { kind: "symmetric", X: eye(n, alpha) };
    return { kind: "asymmetric", F: eye(n, alpha), G: eye(n2, alpha / ratio) };
  }
  const rng = streamRng(config.seed, "init");
  if (config.model.type === "symmetric") {
    const X = zeros(n, k);
    rng.fillNormal(X.data, alpha);
    return { kind: "symmetric", X };
  }
  if (config.model.type === "deep") {
    // W_N = F, W_1ᵀ = G (drawn as for FGᵀ, so depth 2 is the asymmetric init), then W_2 … W_{N−1};
    // alphaOf "product": each factor at std a = α^{1/N}/√k, so E‖W_N⋯W_1‖_F² = n·n2·k^{N−1}·a^{2N}/ratio² = n·n2·α²/(k·ratio²)
    const depth = config.model.depth;
    const a = config.init.alphaOf === "product" ? Math.pow(alpha, 1 / depth) / Math.sqrt(k) : alpha;
    const F = zeros(n, k);
    rng.fillNormal(F.data, a);
    const G = zeros(n2, k);
    rng.fillNormal(G.data, a / ratio);
    const middle = Array.from({ length: depth - 2 }, () => {
      const W = zeros(k, k);
      rng.fillNormal(W.data, a);
      return W;
    });
    return { kind: "asymmetric", F, G, middle };
  }
  const F = zeros(n, k);
  rng.fillNormal(F.data, alpha);
  if (type === "identical") return { kind: "asymmetric", F, G: { rows: n2, cols: k, data: F.data.slice() } };
  const G = zeros(n2, k);
  rng.fillNormal(G.data, alpha / ratio);
  return { kind: "asymmetric", F, G };
}

/** init.type "file": X0.npy (n × k) or F0.npy (n × k) and G0.npy (n2 × k) from the folder init.dir. */
function readInit(config: ResolvedConfig): Factors {
  const { n, n2 } = config.problem,
    k = config.model.k,
    dir = config.init.dir!;
  const read = (stem: string, rows: number, what: string) => {
    const file = `${dir.replace(/[\\/]+$/, "")}/${stem}.npy`; // no node:path: this module is in the browser bundle
    return { rows, cols: k, data: readNpyFloat64("init.dir", file, [rows, k], `${stem}, ${what} × model.k = ${rows}×${k}`).data };
  };
  if (config.model.type === "symmetric") return { kind: "symmetric", X: read("X0", n, "problem.n") };
  const F = read("F0", n, "problem.n"),
    G = read("G0", n2, "problem.n2");
  if (config.model.type !== "deep") return { kind: "asymmetric", F, G };
  return { kind: "asymmetric", F, G, middle: Array.from({ length: config.model.depth - 2 }, (_, i) => read(`W${i + 2}_0`, k, "model.k")) };
}
