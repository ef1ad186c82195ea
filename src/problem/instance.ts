import { ConfigError, type ResolvedConfig } from "../io/config.js";
import { type Matrix, zeros } from "../linalg/matrix.js";
import { buildGaussianOperator, gaussianOperatorBytes } from "../operators/dense.js";
import { IdentityOperator } from "../operators/identity.js";
import { type CompletionBackendOptions, completionOperator, completionOperatorBytes } from "../operators/completion.js";
import { rankOneOperator, rankOneOperatorBytes } from "../operators/rankOne.js";
import { srhtOperator, srhtOperatorBytes } from "../operators/srht.js";
import { spectralInit } from "./spectral.js";
import type { SensingOperator } from "../operators/types.js";
import { streamRng } from "../random/rng.js";
import { type GroundTruth, generalTruth, psdTruth, spectrum } from "./truth.js";

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
}

/** Bytes the operator of a resolved config will hold (0 for matrix-free operators). */
export function operatorBytes(config: ResolvedConfig): number {
  const { n, n2 } = config.problem;
  switch (config.operator.type) {
    case "identity":
      return 0;
    case "completion":
      return completionOperatorBytes(n, n2, config.operator.p);
    case "rank-one":
      return rankOneOperatorBytes(config.operator.m, n, n2, config.model.type === "symmetric");
    case "srht":
      return srhtOperatorBytes(config.operator.m, n, n2);
    default:
      return gaussianOperatorBytes(config.operator.m, n, n2, config.operator.storage);
  }
}

/** The ground truth of a resolved config (random stream "truth" of the seed). */
export function buildTruth(config: ResolvedConfig): GroundTruth {
  const p = config.problem;
  const sigma = p.singularValues ? Float64Array.from(p.singularValues) : spectrum(p.rank, p.kappa, p.spectrum);
  const rng = streamRng(config.seed, "truth");
  return p.truth === "psd" ? psdTruth(p.n, sigma, rng) : generalTruth(p.n, p.n2, sigma, rng);
}

/** Supplies a ready operator for a config, or null (set by a sweep worker that shares operators). */
let operatorProvider: ((config: ResolvedConfig) => SensingOperator | null) | null = null;

/**
 * Installs (or, with null, removes) a provider consulted by {@link buildOperator} first: a
 * sweep's worker threads use it to hand runs an operator held once in shared memory.
 */
export function setOperatorProvider(provider: ((config: ResolvedConfig) => SensingOperator | null) | null): void {
  operatorProvider = provider;
}

/** The sensing operator of a resolved config (random stream "operator" of the seed). */
export function buildOperator(config: ResolvedConfig): SensingOperator {
  const provided = operatorProvider?.(config);
  if (provided) return provided;
  const { n, n2 } = config.problem;
  const o = config.operator;
  const rng = streamRng(config.seed, "operator");
  switch (o.type) {
    case "identity":
      return new IdentityOperator(n, n2);
    case "gaussian":
    case "symmetric-gaussian":
      // storage float64 | float32 | packed | regenerate; backend chosen for the operator's size
      return buildGaussianOperator(o.type, o.m, n, n2, rng, { storage: o.storage, backend: o.backend, threads: o.threads });
    case "completion": {
      const op = completionOperatorOrEmpty(n, n2, o.p, rng, { backend: o.backend, threads: o.threads });
      if (!op) {
        throw new ConfigError([{ path: "operator.p", value: o.p, message: `observes no entry of the ${n}×${n2} matrix with seed ${config.seed} (expected p·n1·n2 = ${+(o.p * n * n2).toPrecision(3)} entries); increase operator.p` }]);
      }
      return op;
    }
    case "rank-one":
      // a_i a_iᵀ for the symmetric model XXᵀ, a_i b_iᵀ for FGᵀ
      return rankOneOperator(o.m, n, n2, config.model.type === "symmetric", rng);
    case "srht":
      return srhtOperator(o.m, n, n2, rng, { backend: o.backend, threads: o.threads });
  }
}

/**
 * Builds the instance of a resolved config. The truth, operator, noise and init use
 * separate random streams of the seed, so changing e.g. the init scale leaves the
 * data unchanged, and runs that differ only in method see exactly the same data.
 */
export function buildInstance(config: ResolvedConfig): Instance {
  const truth = buildTruth(config);
  const operator = buildOperator(config);
  const yClean = measureTruth(operator, truth);
  const y = yClean.slice();
  if (config.problem.noise > 0) {
    const rng = streamRng(config.seed, "noise");
    for (let i = 0; i < y.length; i++) y[i] += config.problem.noise * rng.normal();
  }
  const outlierIndices = config.problem.outliers > 0 ? addOutliers(y, yClean, config.problem.outliers, config.problem.outlierScale, streamRng(config.seed, "outliers")) : undefined;
  checkFiniteMeasurements(config, y);
  return { truth, operator, y, yClean, ...(outlierIndices ? { outlierIndices } : {}) };
}

/** The completion operator, or undefined when the random Ω came out empty (tiny p·n1·n2). */
function completionOperatorOrEmpty(n1: number, n2: number, p: number, rng: ReturnType<typeof streamRng>, opts: CompletionBackendOptions): SensingOperator | undefined {
  try {
    return completionOperator(n1, n2, p, rng, opts);
  } catch (e) {
    if (e instanceof RangeError && e.message.startsWith("completion: no entry")) return undefined;
    throw e;
  }
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
  const [path, value] = p.noise > 0 ? ["problem.noise", p.noise]
    : p.outliers > 0 ? ["problem.outlierScale", p.outlierScale]
    : p.singularValues ? ["problem.singularValues", p.singularValues] : ["problem.kappa", p.kappa];
  throw new ConfigError([{ path, value, message: "makes ‖y‖² overflow float64 (the loss is infinite from the start); use a value many orders of magnitude smaller" }]);
}

/** Above this many entries of M*, y = A(M*) is measured from the factors U diag(σ), V (never densely). */
export const DENSE_TRUTH_LIMIT = 4_000_000;

/** A(M*): densely for small problems, as A((U diag σ) Vᵀ) through the factored path for large ones. */
export function measureTruth(operator: SensingOperator, truth: GroundTruth): Float64Array {
  const n1 = truth.U.rows, n2 = truth.V.rows;
  if (n1 * n2 <= DENSE_TRUTH_LIMIT) return operator.apply(truth.Mstar);
  const US = { rows: n1, cols: truth.U.cols, data: truth.U.data.slice() };
  const r = US.cols;
  for (let i = 0; i < n1; i++) for (let l = 0; l < r; l++) US.data[i * r + l] *= truth.sigma[l];
  return operator.applyFactored(US, truth.V, new Float64Array(operator.m));
}

/**
 * Gross outliers: round(fraction·m) measurements, chosen uniformly without replacement
 * (Floyd's algorithm) from `rng`, get outlierScale·rms(yClean)·N(0, 1) added, drawn in
 * increasing index order. Returns the corrupted indices (increasing).
 */
export function addOutliers(y: Float64Array, yClean: Float64Array, fraction: number, outlierScale: number, rng: import("../random/rng.js").Rng): Int32Array {
  const m = y.length;
  const count = Math.round(fraction * m);
  const chosen = new Set<number>();
  for (let j = m - count; j < m; j++) {
    const t = rng.integer(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  const idx = Int32Array.from(chosen).sort();
  let ss = 0;
  for (let i = 0; i < m; i++) ss += yClean[i] * yClean[i];
  const amp = outlierScale * Math.sqrt(ss / m);
  for (const i of idx) y[i] += amp * rng.normal();
  return idx;
}

/** Initial factors: the symmetric X₀ or the asymmetric pair (F₀, G₀). */
export type Factors = { kind: "symmetric"; X: Matrix } | { kind: "asymmetric"; F: Matrix; G: Matrix };

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
    return spectralInit(instance.operator, instance.y, config.model.type, k, streamRng(config.seed, "spectral"));
  }
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
  const F = zeros(n, k);
  rng.fillNormal(F.data, alpha);
  if (type === "identical") return { kind: "asymmetric", F, G: { rows: n2, cols: k, data: F.data.slice() } };
  const G = zeros(n2, k);
  rng.fillNormal(G.data, alpha / ratio);
  return { kind: "asymmetric", F, G };
}
