import type { ResolvedConfig } from "../io/config.js";
import { type Matrix, zeros } from "../linalg/matrix.js";
import { buildGaussianOperator, gaussianOperatorBytes } from "../operators/dense.js";
import { IdentityOperator } from "../operators/identity.js";
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
}

/** Bytes the operator of a resolved config will hold (0 for matrix-free operators). */
export function operatorBytes(config: ResolvedConfig): number {
  const { n, n2 } = config.problem;
  switch (config.operator.type) {
    case "identity":
      return 0;
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

/** The sensing operator of a resolved config (random stream "operator" of the seed). */
export function buildOperator(config: ResolvedConfig): SensingOperator {
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
  const yClean = operator.apply(truth.Mstar);
  const y = yClean.slice();
  if (config.problem.noise > 0) {
    const rng = streamRng(config.seed, "noise");
    for (let i = 0; i < y.length; i++) y[i] += config.problem.noise * rng.normal();
  }
  return { truth, operator, y, yClean };
}

/** Initial factors: the symmetric X₀ or the asymmetric pair (F₀, G₀). */
export type Factors = { kind: "symmetric"; X: Matrix } | { kind: "asymmetric"; F: Matrix; G: Matrix };

/**
 * The initial point of a resolved config (random stream "init" of the seed):
 * symmetric X₀ ~ N(0, α²); asymmetric F₀ ~ N(0, α²) then G₀ ~ N(0, (α/ratio)²), or G₀ = F₀
 * for init.type "identical". Entries are drawn row-major, F₀ before G₀.
 */
export function buildInit(config: ResolvedConfig): Factors {
  const { n, n2 } = config.problem;
  const k = config.model.k;
  const { alpha, ratio, type } = config.init;
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
