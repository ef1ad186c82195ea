import { DENSE_ENTRIES_LIMIT } from "../linalg/limits.js";
import { type Matrix, zeros } from "../linalg/matrix.js";
import { orthonormalColumns } from "../linalg/qr.js";
import { svd } from "../linalg/svd.js";
import { symmetricEigen } from "../linalg/eig.js";
import type { Rng } from "../random/rng.js";

/** How the default spectrum is spaced between 1 and 1/κ. */
export type SpectrumSpacing = "linspace" | "geomspace";

/**
 * The r singular values of the ground truth: σ = linspace(1, 1/κ, r) or
 * geomspace(1, 1/κ, r) (descending; σ₁ = 1, σ_r = 1/κ, so the condition number is κ).
 * With r = 1 the spectrum is [1].
 */
export function spectrum(rank: number, kappa: number, spacing: SpectrumSpacing = "linspace"): Float64Array {
  if (!Number.isInteger(rank) || rank < 1) throw new RangeError(`rank must be a positive integer, got ${rank}`);
  if (!(kappa >= 1) || !Number.isFinite(kappa)) throw new RangeError(`kappa must be a finite number ≥ 1, got ${kappa}`);
  const s = new Float64Array(rank);
  const last = 1 / kappa;
  for (let i = 0; i < rank; i++) {
    const t = rank === 1 ? 0 : i / (rank - 1);
    s[i] = spacing === "linspace" ? 1 + t * (last - 1) : Math.pow(last, t);
  }
  s[0] = 1;
  if (rank > 1) s[rank - 1] = last;
  return s;
}

/** A ground-truth matrix with its factors: M* = U diag(σ) Vᵀ (V = U for the PSD truth). */
export interface GroundTruth {
  /** "psd": symmetric positive semidefinite n×n; "general": n1×n2. */
  kind: "psd" | "general";
  Mstar: Matrix;
  U: Matrix;
  V: Matrix;
  sigma: Float64Array;
  /**
   * A truth given as a matrix (`problem.truth: "file"`): its numerical rank (singular values
   * above max(n1, n2)·ε·σ₁) and its largest singular value beyond the rank used, for the
   * rank warning.
   */
  given?: { numericalRank: number; sigmaNext: number };
  /** No M* (`problem.truth: "none"`): U, V have no columns, σ is empty and M* cannot be read. */
  absent?: boolean;
}

/** The stand-in of a run without M* (`problem.truth: "none"`): empty factors; reading M* throws. */
export function absentTruth(n1: number, n2: number): GroundTruth {
  return Object.defineProperty(
    { kind: "general", U: zeros(n1, 0), V: zeros(n2, 0), sigma: new Float64Array(0), absent: true } as Omit<GroundTruth, "Mstar">,
    "Mstar",
    {
      enumerable: false,
      get: () => {
        throw new RangeError('problem.truth "none": there is no M*');
      },
    },
  ) as GroundTruth;
}

/** The Q factor of an n×r matrix of i.i.d. N(0,1) draws (row-major fill order). */
export function randomOrthonormal(n: number, r: number, rng: Rng): Matrix {
  if (r > n) throw new RangeError(`cannot draw ${r} orthonormal columns in dimension ${n}`);
  const G = zeros(n, r);
  rng.fillNormal(G.data);
  return orthonormalColumns(G);
}

/** U diag(σ) Vᵀ. */
export function lowRankProduct(U: Matrix, sigma: ArrayLike<number>, V: Matrix): Matrix {
  const n1 = U.rows,
    n2 = V.rows,
    r = sigma.length;
  const M = zeros(n1, n2);
  const m = M.data,
    u = U.data,
    v = V.data;
  for (let i = 0; i < n1; i++) {
    for (let l = 0; l < r; l++) {
      const c = u[i * U.cols + l] * sigma[l];
      if (c === 0) continue;
      for (let j = 0; j < n2; j++) m[i * n2 + j] += c * v[j * V.cols + l];
    }
  }
  return M;
}

/**
 * Symmetric PSD truth M* = U diag(σ) Uᵀ, U the Q factor of an n×r Gaussian.
 * The result is exactly symmetric (the upper triangle is mirrored).
 */
export function psdTruth(n: number, sigma: Float64Array, rng: Rng): GroundTruth {
  const U = randomOrthonormal(n, sigma.length, rng);
  const form = (): Matrix => {
    const M = lowRankProduct(U, sigma, U);
    const d = M.data;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) d[j * n + i] = d[i * n + j];
    return M;
  };
  return withMstar({ kind: "psd", U, V: U, sigma }, form);
}

/**
 * Attaches M*: eagerly for n1·n2 ≤ {@link DENSE_ENTRIES_LIMIT}, otherwise (large completion problems never form it) as a getter that forms
 * (and caches) it on first access — metrics and y of large problems use the factors only.
 */
function withMstar(t: Omit<GroundTruth, "Mstar">, form: () => Matrix): GroundTruth {
  const n1 = t.U.rows,
    n2 = t.V.rows;
  if (n1 * n2 <= DENSE_ENTRIES_LIMIT) return { ...t, Mstar: form() };
  let M: Matrix | undefined;
  return Object.defineProperty({ ...t } as GroundTruth, "Mstar", {
    enumerable: true,
    get: () => {
      if (!M) {
        if (n1 * n2 > 2 ** 28) throw new RangeError(`M* is ${n1}×${n2}: too large to form densely (${n1 * n2} entries); use its factors U, σ, V`);
        M = form();
      }
      return M;
    },
  });
}

/** General truth M* = U diag(σ) Vᵀ (n1×n2), U and V independent Gaussian Q factors. */
export function generalTruth(n1: number, n2: number, sigma: Float64Array, rng: Rng): GroundTruth {
  const U = randomOrthonormal(n1, sigma.length, rng);
  const V = randomOrthonormal(n2, sigma.length, rng);
  return withMstar({ kind: "general", U, V, sigma }, () => lowRankProduct(U, sigma, V));
}

/**
 * A ground truth given as a dense matrix M (e.g. read from a file), used exactly as given:
 * Mstar = M. Its factors are the top-`rank` singular triplets, M ≈ U diag(σ) Vᵀ (thin SVD;
 * the metrics of large problems and the diagnostics use them), or, with `symmetric`, the
 * top-`rank` eigenpairs M ≈ U diag(λ) Uᵀ (then M must be symmetric and those λ > 0).
 * `given.numericalRank` counts the singular values above max(n1, n2)·ε·σ₁ (LAPACK's
 * default rank tolerance).
 */
export function truthFromMatrix(M: Matrix, rank: number, symmetric: boolean): GroundTruth {
  const n1 = M.rows,
    n2 = M.cols;
  if (rank > Math.min(n1, n2)) throw new RangeError(`rank ${rank} exceeds min(n1, n2) = ${Math.min(n1, n2)}`);
  let U: Matrix, V: Matrix, all: Float64Array, sigma: Float64Array;
  if (symmetric) {
    const e = symmetricEigen(M);
    for (let l = 0; l < rank; l++) {
      if (!(e.values[l] > 0)) throw new RangeError(`the symmetric model needs a PSD M* of rank ≥ ${rank}; eigenvalue ${l + 1} is ${e.values[l]}`);
    }
    U = columnsOf(e.vectors, rank);
    V = U;
    all = Float64Array.from(e.values, Math.abs).sort().reverse();
    sigma = e.values.slice(0, rank);
  } else {
    const d = svd(M);
    U = columnsOf(d.U, rank);
    V = columnsOf(d.V, rank);
    all = d.s;
    sigma = all.slice(0, rank);
  }
  const tol = Math.max(n1, n2) * Number.EPSILON * (all[0] ?? 0);
  let numericalRank = 0;
  for (const s of all) if (s > tol) numericalRank++;
  return { kind: symmetric ? "psd" : "general", Mstar: M, U, V, sigma, given: { numericalRank, sigmaNext: all[rank] ?? 0 } };
}

function columnsOf(A: Matrix, c: number): Matrix {
  const out = zeros(A.rows, c);
  for (let i = 0; i < A.rows; i++) for (let l = 0; l < c; l++) out.data[i * c + l] = A.data[i * A.cols + l];
  return out;
}
