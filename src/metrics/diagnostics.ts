/**
 * Per-iteration diagnostics that explain the dynamics of factorized gradient methods
 * (`record.diagnostics`; definitions, formulas and papers in docs/diagnostics.md).
 *
 * With M* = U* diag(σ) V*ᵀ, U⊥ / V⊥ the orthogonal complements, P = FGᵀ (or XXᵀ) and
 * Δ = P − M*:
 * - signal / spurious / cross parts of Δ (Xiong, Ding & Du 2024): ‖U*ᵀΔV*‖_F,
 *   ‖U⊥ᵀPV⊥‖_F and √(‖U*ᵀPV⊥‖² + ‖U⊥ᵀPV*‖²), so that their squares add up to ‖Δ‖²_F;
 * - alignment: sin of the largest principal angle between U* and the top-r left singular
 *   subspace of F (Stöger & Soltanolkotabi 2021; Wind 2023);
 * - perturbation ratio ‖A*A(Δ) − Δ‖_op / ‖Δ‖_F (Wind 2023's perturbed gradient flow);
 * - the smallest |eigenvalue| of the imbalance FᵀF − GᵀG (the convergence theorem's
 *   lower-bound quantity) and the rate −ln(1 − η|λ_min|) it gives;
 * - the slow mode's quantity σ_min(F)² (≈ ‖U⊥ᵀF w‖², w spanning the null space of V*ᵀG),
 *   which predicts the late rate, and the operator's Rayleigh quotient ‖A(Δ)‖²/‖Δ‖²_F.
 *
 * Pure: no I/O, no clock; the only random draws (Lanczos start vector, RIP samples) take
 * an explicit seeded generator. Everything is computed from the factors (O((n1+n2)k²));
 * the perturbation ratio forms n1×n2 matrices only up to {@link DENSE_ENTRIES_LIMIT} entries.
 */
import { type Matrix, allFinite, frobeniusNorm, matmul, matmulNT, matmulTN, norm2, zeros } from "../linalg/matrix.js";
import { qr } from "../linalg/qr.js";
import { svd, singularValues } from "../linalg/svd.js";
import { symmetricEigenvalues } from "../linalg/eig.js";
import { type Rng, streamRng } from "../random/rng.js";
import type { GroundTruth } from "../problem/truth.js";
import type { Factors } from "../problem/factors.js";
import type { SensingOperator } from "../operators/types.js";
import { DENSE_ENTRIES_LIMIT } from "../linalg/limits.js";
import { imbalance } from "./metrics.js";

/** The two factors of P = L Rᵀ (L = R = X for the symmetric model). */
function sides(x: Factors): { L: Matrix; R: Matrix } {
  return x.kind === "symmetric" ? { L: x.X, R: x.X } : { L: x.F, R: x.G };
}

/** W − Q(QᵀW): the part of W's columns orthogonal to the orthonormal columns of Q. */
export function projectOut(Q: Matrix, W: Matrix): Matrix {
  const C = matmulTN(Q, W);
  const QC = matmul(Q, C);
  const out = zeros(W.rows, W.cols);
  for (let i = 0; i < out.data.length; i++) out.data[i] = W.data[i] - QC.data[i];
  return out;
}

/** ‖A Bᵀ‖_F without forming A Bᵀ: with A = Q₁R₁, B = Q₂R₂ it is ‖R₁R₂ᵀ‖_F. */
export function productNorm(A: Matrix, B: Matrix): number {
  if (A.cols > A.rows || B.cols > B.rows) return frobeniusNorm(matmulNT(A, B));
  return frobeniusNorm(matmulNT(qr(A).R, qr(B).R));
}

/** Absolute norms of the blocks of Δ = P − M* in the bases (U*, U⊥) × (V*, V⊥). */
export interface ErrorDecomposition {
  /** ‖U*ᵀ Δ V*‖_F = ‖(U*ᵀL)(V*ᵀR)ᵀ − diag σ‖_F. */
  signal: number;
  /** ‖U⊥ᵀ P V⊥‖_F = ‖L⊥ R⊥ᵀ‖_F, L⊥ = L − U*U*ᵀL, R⊥ = R − V*V*ᵀR. */
  spurious: number;
  /** √(‖U*ᵀ P V⊥‖²_F + ‖U⊥ᵀ P V*‖²_F) (M* has no part there, so these are parts of Δ). */
  cross: number;
}

/**
 * The signal / spurious / cross decomposition of Δ = P − M* (Xiong, Ding & Du, ICLR 2024):
 * signal² + spurious² + cross² = ‖Δ‖²_F. From the factors in O((n1+n2)(k+r)k), never an
 * n1×n2 matrix (except when k exceeds a dimension, where the k×k reduction is not smaller).
 */
export function errorDecomposition(x: Factors, truth: Pick<GroundTruth, "U" | "V" | "sigma">): ErrorDecomposition {
  const { L, R } = sides(x);
  const { U, V, sigma } = truth;
  const UL = matmulTN(U, L); // r×k
  const VR = matmulTN(V, R); // r×k
  const B = matmulNT(UL, VR); // r×r = U*ᵀ P V*
  for (let i = 0; i < sigma.length; i++) B.data[i * sigma.length + i] -= sigma[i];
  const Lp = projectOut(U, L);
  const Rp = projectOut(V, R);
  const spurious = productNorm(Lp, Rp);
  const c1 = productNorm(UL, Rp); // U*ᵀ P V⊥ = (U*ᵀL) R⊥ᵀ
  const c2 = productNorm(Lp, VR); // U⊥ᵀ P V* = L⊥ (V*ᵀR)ᵀ
  return { signal: frobeniusNorm(B), spurious, cross: Math.hypot(c1, c2) };
}

/**
 * sin θ_max between the column span of the orthonormal U* (n×r) and the top-r left singular
 * subspace W of F (n×k): ‖W − U*U*ᵀW‖₂ (accurate for small angles, unlike √(1 − cos²)).
 * With k < r the subspace of F cannot contain U*, and the value is 1.
 */
export function alignmentSin(Ustar: Matrix, F: Matrix): number {
  const a = alignmentSinPrefixes(Ustar, F);
  return a[a.length - 1];
}

/**
 * The incremental version of {@link alignmentSin}: entry i − 1 is sin θ_max between the
 * first i columns of U* (the top-i singular directions of M*, σ descending) and the top-i
 * left singular subspace of F, for i = 1…r (1 where F has fewer than i columns). The small-
 * init alignment happens direction by direction, largest σ first.
 */
export function alignmentSinPrefixes(Ustar: Matrix, F: Matrix): number[] {
  const r = Ustar.cols;
  const c = Math.min(r, F.cols);
  let W: Matrix;
  if (F.cols <= F.rows) {
    // F = Q R, R = Ur S Vrᵀ ⇒ left singular vectors Q·Ur
    const { Q, R } = qr(F);
    const Ur = svd(R).U;
    W = matmul(Q, firstColumns(Ur, c));
  } else W = firstColumns(svd(F).U, c);
  const out: number[] = [];
  for (let i = 1; i <= r; i++) {
    if (i > c) {
      out.push(1);
      continue;
    }
    const E = projectOut(firstColumns(Ustar, i), firstColumns(W, i));
    out.push(Math.min(1, singularValues(E)[0] ?? 0));
  }
  return out;
}

function firstColumns(A: Matrix, c: number): Matrix {
  const out = zeros(A.rows, c);
  for (let i = 0; i < A.rows; i++) for (let j = 0; j < c; j++) out.data[i * c + j] = A.data[i * A.cols + j];
  return out;
}

/** min |λ| over the eigenvalues of the imbalance FᵀF − GᵀG (NaN when the factors overflowed: the run diverges, it does not fail). */
export function imbalanceMinAbsEigenvalue(F: Matrix, G: Matrix): number {
  const D = imbalance(F, G);
  if (!D.data.every(Number.isFinite)) return NaN;
  let best = Infinity;
  for (const v of symmetricEigenvalues(D)) best = Math.min(best, Math.abs(v));
  return best;
}

/**
 * The rate −ln(1 − η|λ_min|) of the imbalance's smallest |eigenvalue| — the convergence
 * theorem's lower-bound quantity, not the rate itself for k > r in dimension n > 1 (the slow
 * mode sees {@link slowModeNorm2} instead). Exact for the scalar problem f = ½(fg)² with
 * f² − g² = λ (the product then shrinks by (1 − ηf²)(1 − ηg²) → 1 − η|λ| per step). NaN when
 * η|λ_min| ≥ 1 (no linear contraction predicted).
 */
export function predictedImbalanceRate(stepSize: number, lambdaMinAbs: number): number {
  const q = stepSize * Math.abs(lambdaMinAbs);
  return q < 1 ? -Math.log1p(-q) : NaN;
}

/** σ_min(A)² = λ_min(AᵀA) of a tall matrix (0 when A has more columns than rows). */
function minSingularValue2(A: Matrix): number {
  if (A.rows < A.cols) return 0;
  const s = singularValues(A);
  return s[s.length - 1] ** 2;
}

/**
 * The slow mode's quantity for k > r (NaN for k ≤ r, where no redundant column exists).
 *
 * FGᵀ: under the identity operator the parts of the factors outside the truth's subspaces
 * evolve exactly as V⊥ᵀG ← V⊥ᵀG (I − η FᵀF) and U⊥ᵀF ← U⊥ᵀF (I − η GᵀG) (since V⊥ᵀM*ᵀ = 0).
 * Late in a run one factor keeps a redundant column and the other's redundant column decays
 * along the smallest eigenvalue of the first one's Gram matrix, so the value is
 * q = max(σ_min(F)², σ_min(G)²) (the surviving side) and the error contracts by 1 − η q per
 * step ({@link predictedRestrictedRate}). With w spanning the null space of V*ᵀG (the column
 * that does not carry M*) and F's U*-part on w negligible, q = ‖U⊥ᵀF w‖², the restricted
 * quantity; under the identity operator they differ by 2.5–3.2e-4 relative (n = 10, k = r + 1 = 3).
 * If k − r ≥ 2 redundant columns survive on different sides, both σ_min → 0 (no prediction).
 *
 * XXᵀ (the symmetric counterpart): U⊥ᵀX ← U⊥ᵀX (I − 2η XᵀX) and q = σ_min(X)² ≈ ‖U⊥ᵀX w‖²
 * (w spanning the null space of U*ᵀX): the redundant column shrinks itself, the spurious part
 * ‖U⊥ᵀXXᵀU⊥‖_F ≈ q falls at the local rate ≈ 4ηq, so q ≈ 1/(4ηt) — the sublinear 1/T law.
 */
export function slowModeNorm2(x: Factors, truth: Pick<GroundTruth, "U">): number {
  if (x.kind === "symmetric") return x.X.cols > truth.U.cols ? minSingularValue2(x.X) : NaN;
  if (x.F.cols <= truth.U.cols) return NaN;
  return Math.max(minSingularValue2(x.F), minSingularValue2(x.G));
}

/**
 * The late linear rate of FGᵀ with k > r predicted by the slow mode: −ln(1 − η·q·ρ), q =
 * {@link slowModeNorm2} and ρ the operator factor (1 for the identity operator, where it is
 * exact once F and G have converged; under sensing the Rayleigh quotient ‖A(Δ)‖²/‖Δ‖²_F
 * measured on the trajectory, see {@link operatorFactor}). NaN when η·q·ρ ∉ (0, 1).
 */
export function predictedRestrictedRate(stepSize: number, q: number, rho = 1): number {
  const a = stepSize * q * rho;
  return a > 0 && a < 1 ? -Math.log1p(-a) : NaN;
}

/**
 * The operator factor ρ = ‖A(Δ)‖² / ‖Δ‖²_F: the Rayleigh quotient of A*A at the current error
 * (1 for the identity operator; NaN when Δ = 0). Late in a linear run Δ is the slow mode, the
 * direction A sees least, so ρ falls below the ≈ 1 of a random direction.
 */
export function operatorFactor(measuredError: ArrayLike<number>, errorNorm: number): number {
  if (!(errorNorm > 0)) return NaN;
  const a = norm2(measuredError) / errorNorm;
  return a * a;
}

/** A linear map ℝ^cols → ℝ^rows given by its products (for spectral norms of implicit matrices). */
export interface LinearMap {
  rows: number;
  cols: number;
  /** out ← M v (v of length cols). */
  apply(v: Float64Array, out: Float64Array): void;
  /** out ← Mᵀ u (u of length rows). */
  applyT(u: Float64Array, out: Float64Array): void;
}

/** A dense matrix as a {@link LinearMap}. */
export function denseMap(A: Matrix): LinearMap {
  const { rows, cols, data } = A;
  return {
    rows,
    cols,
    apply(v, out) {
      for (let i = 0; i < rows; i++) {
        let s = 0;
        for (let j = 0; j < cols; j++) s += data[i * cols + j] * v[j];
        out[i] = s;
      }
    },
    applyT(u, out) {
      out.fill(0);
      for (let i = 0; i < rows; i++) {
        const ui = u[i];
        if (ui === 0) continue;
        for (let j = 0; j < cols; j++) out[j] += data[i * cols + j] * ui;
      }
    },
  };
}

/** Options of {@link spectralNorm}. */
export interface SpectralNormOptions {
  /** Stop when two successive estimates agree to this relative tolerance (default 1e-10). */
  tol?: number;
  /** Lanczos steps at most (default 60; never more than min(rows, cols)). */
  maxSteps?: number;
  /** Generator of the start vector (default: a fixed stream, so results are reproducible). */
  rng?: Rng;
}

/** The fixed generator of the default Lanczos start vector (cloned per call: same start every time). */
const DEFAULT_START = streamRng(0, "spectral-norm");

/**
 * ‖M‖₂ by Golub–Kahan–Lanczos bidiagonalization with full reorthogonalization: after j
 * steps M V_j = U_j B_j with B_j upper bidiagonal, and σ₁(B_j) increases to σ₁(M); it is
 * exact (to rounding) after min(rows, cols) steps or on breakdown (an invariant subspace).
 * Costs one `apply` and one `applyT` per step.
 */
export function spectralNorm(M: LinearMap, opts: SpectralNormOptions = {}): number {
  const { rows, cols } = M;
  const steps = Math.min(rows, cols, opts.maxSteps ?? 60);
  if (steps === 0) return 0;
  const tol = opts.tol ?? 1e-10;
  const rng = opts.rng ?? DEFAULT_START.clone();
  const Vs: Float64Array[] = [];
  const Us: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = [];
  let v = new Float64Array(cols);
  rng.fillNormal(v);
  scaleTo(v, 1 / norm2(v));
  let prev = -1;
  let est = 0;
  for (let j = 0; j < steps; j++) {
    Vs.push(v);
    const u = new Float64Array(rows);
    M.apply(v, u);
    if (j > 0) axpy(u, -beta[j - 1], Us[j - 1]);
    reorthogonalize(u, Us);
    const a = norm2(u);
    alpha.push(a);
    if (a === 0 || !Number.isFinite(a)) {
      est = Math.max(est, bidiagonalNorm(alpha, beta));
      break;
    }
    scaleTo(u, 1 / a);
    Us.push(u);
    est = bidiagonalNorm(alpha, beta);
    if (j === steps - 1 || Math.abs(est - prev) <= tol * est) break;
    prev = est;
    const w = new Float64Array(cols);
    M.applyT(u, w);
    axpy(w, -a, v);
    reorthogonalize(w, Vs);
    const b = norm2(w);
    if (b <= 1e-14 * est) break; // invariant subspace: σ₁(B) is exact
    beta.push(b);
    scaleTo(w, 1 / b);
    v = w;
  }
  return est;
}

function scaleTo(x: Float64Array, s: number): void {
  for (let i = 0; i < x.length; i++) x[i] *= s;
}

function axpy(y: Float64Array, a: number, x: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += a * x[i];
}

/** Two passes of classical Gram–Schmidt against orthonormal vectors (numerically orthogonal). */
function reorthogonalize(x: Float64Array, basis: Float64Array[]): void {
  for (let pass = 0; pass < 2; pass++) {
    for (const q of basis) {
      let d = 0;
      for (let i = 0; i < x.length; i++) d += q[i] * x[i];
      axpy(x, -d, q);
    }
  }
}

/**
 * σ₁ of the j×j upper bidiagonal matrix with diagonal α and superdiagonal β, in O(j) per
 * bisection step: σ₁ is the largest eigenvalue of the Golub–Kahan form, the 2j×2j symmetric
 * tridiagonal matrix with zero diagonal and off-diagonal (α₁, β₁, α₂, β₂, …, α_j), found by
 * bisection on its Sturm count (no squaring, so accurate to a few ulps of σ₁).
 */
export function bidiagonalNorm(alpha: ArrayLike<number>, beta: ArrayLike<number>): number {
  const j = alpha.length;
  if (j === 0) return 0;
  const off = new Float64Array(2 * j - 1);
  for (let i = 0; i < j; i++) {
    off[2 * i] = Math.abs(alpha[i]);
    if (i + 1 < j) off[2 * i + 1] = Math.abs(beta[i]);
  }
  // Gershgorin: every eigenvalue is at most the largest sum of two neighbouring |off| entries
  let hi = off[0] + (off.length > 1 ? off[1] : 0);
  for (let i = 1; i < off.length; i++) hi = Math.max(hi, off[i - 1] + off[i]);
  if (hi === 0) return 0;
  const tiny = 1e-300;
  // number of eigenvalues > x (x > 0) of the zero-diagonal tridiagonal matrix
  const above = (x: number) => {
    let q = -x,
      count = q < 0 ? 0 : 1;
    for (let i = 0; i < off.length; i++) {
      const b = off[i];
      q = -x - (b * b) / (q === 0 ? tiny : q);
      if (q >= 0) count++;
    }
    return count;
  };
  let lo = 0;
  // ~50 halvings to 1e-15 relative (a few ulps; stop early if the bracket cannot shrink)
  for (let it = 0; it < 80 && hi - lo > 1e-15 * hi; it++) {
    const mid = 0.5 * (lo + hi);
    if (mid === lo || mid === hi) break;
    if (above(mid) > 0) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** What the perturbation ratio needs besides the current point. */
export interface PerturbationInputs {
  operator: SensingOperator;
  /** A(Δ) = A(P) − A(M*) at the current point (the residual, for noiseless sensing). */
  measuredError: Float64Array;
  /** S = A*(A(Δ)) when already at hand (dense n1×n2; e.g. a stepper's fused pass), else null. */
  adjoint: Matrix | null;
  /** The dense product P when small (else null: the factored path is used). */
  product: Matrix | null;
  /** ‖Δ‖_F. */
  errorNorm: number;
}

/**
 * Wind's perturbation ratio ‖A*A(Δ) − Δ‖₂ / ‖Δ‖_F (0 when Δ = 0). For the symmetric
 * model the symmetric part of A*A(Δ) is used (the gradient (S + Sᵀ)X only sees it).
 * Dense path (P given): E = S − Δ formed (n1×n2) and its norm by {@link spectralNorm};
 * factored path: E v = S v − L(Rᵀv) + U*σ(V*ᵀv), S v from `adjointFactored` (no n1×n2 matrix).
 */
export function perturbationRatio(x: Factors, truth: GroundTruth, p: PerturbationInputs): number {
  if (!(p.errorNorm > 0)) return 0;
  const symmetric = x.kind === "symmetric";
  const { L, R } = sides(x);
  const op = p.operator;
  const n1 = op.n1,
    n2 = op.n2;
  if (p.product) {
    const S = p.adjoint ?? op.adjoint(p.measuredError);
    const M = truth.Mstar.data,
      P = p.product.data,
      s = S.data;
    const E = zeros(n1, n2);
    const e = E.data;
    for (let i = 0; i < n1; i++) {
      for (let j = 0; j < n2; j++) {
        const sij = symmetric ? 0.5 * (s[i * n2 + j] + s[j * n2 + i]) : s[i * n2 + j];
        e[i * n2 + j] = sij - (P[i * n2 + j] - M[i * n2 + j]);
      }
    }
    let zero = true;
    for (let i = 0; i < e.length && zero; i++) zero = e[i] === 0;
    return zero ? 0 : spectralNorm(denseMap(E)) / p.errorNorm;
  }
  const z = p.measuredError;
  const US = zeros(truth.U.rows, truth.U.cols);
  for (let i = 0; i < US.rows; i++) for (let l = 0; l < US.cols; l++) US.data[i * US.cols + l] = truth.U.data[i * US.cols + l] * truth.sigma[l];
  const col1 = zeros(n1, 1),
    col2 = zeros(n2, 1),
    out1 = zeros(n1, 1),
    out2 = zeros(n2, 1);
  // S v and Sᵀ u through the operator's factored adjoint
  const Sv = (v: Float64Array, out: Float64Array) => {
    col2.data.set(v);
    op.adjointFactored(z, col1, col2, out1, null);
    out.set(out1.data);
  };
  const Stu = (u: Float64Array, out: Float64Array) => {
    col1.data.set(u);
    op.adjointFactored(z, col1, col2, null, out2);
    out.set(out2.data);
  };
  // Δ v = L (Rᵀ v) − (U*σ)(V*ᵀ v) and Δᵀ u = R (Lᵀ u) − V*((U*σ)ᵀ u)
  const lowRank = (A: Matrix, B: Matrix, v: Float64Array, out: Float64Array, sign: number) => {
    const t = new Float64Array(B.cols);
    for (let i = 0; i < B.rows; i++) for (let l = 0; l < B.cols; l++) t[l] += B.data[i * B.cols + l] * v[i];
    for (let i = 0; i < A.rows; i++) {
      let s = 0;
      for (let l = 0; l < A.cols; l++) s += A.data[i * A.cols + l] * t[l];
      out[i] += sign * s;
    }
  };
  const tmp1 = new Float64Array(n1),
    tmp2 = new Float64Array(n2);
  const map: LinearMap = {
    rows: n1,
    cols: n2,
    apply(v, out) {
      Sv(v, out);
      if (symmetric) {
        Stu(v, tmp1);
        for (let i = 0; i < n1; i++) out[i] = 0.5 * (out[i] + tmp1[i]);
      }
      lowRank(L, R, v, out, -1);
      lowRank(US, truth.V, v, out, 1);
    },
    applyT(u, out) {
      Stu(u, out);
      if (symmetric) {
        Sv(u, tmp2);
        for (let i = 0; i < n2; i++) out[i] = 0.5 * (out[i] + tmp2[i]);
      }
      lowRank(R, L, u, out, -1);
      lowRank(truth.V, US, u, out, 1);
    },
  };
  return spectralNorm(map) / p.errorNorm;
}

/** The column of Δ = P − M* holding the largest share of ‖Δ‖²_F, and how many entries of it are observed. */
export interface ErrorColumnShare {
  /** max_j ‖Δe_j‖² / ‖Δ‖²_F ∈ [1/n2, 1] (NaN when Δ = 0). */
  share: number;
  /** argmax_j (0-based). */
  column: number;
  /** |{i : (i, column) ∈ Ω}|, the observed entries of that column. */
  observed: number;
}

/**
 * Coherence of the error of a completion run: share = max_j ‖(P − M*)e_j‖² / ‖P − M*‖²_F,
 * the column j attaining it and the number of observed entries in column j (`colIndex`: the
 * column of each observed entry). An error spread evenly has share ≈ 1/n2; a spike in one
 * column has share → 1. Column by column, never storing P or M*: with P = LRᵀ and M* = (UΣ)Vᵀ,
 * Δe_j = L R_jᵀ − (UΣ) V_jᵀ (R_j, V_j: rows j), formed as an n1-vector (the same cancellation as P − M*
 * entry by entry, not the squared-norm cancellation of a Gram form) — O(n1·n2·(k + r) + |Ω|).
 */
export function errorColumnShare(x: Factors, truth: Pick<GroundTruth, "U" | "V" | "sigma">, colIndex: ArrayLike<number>): ErrorColumnShare {
  const { L, R } = sides(x);
  const n1 = L.rows,
    n2 = R.rows,
    k = L.cols,
    r = truth.sigma.length;
  const vs = new Float64Array(r);
  let column = 0,
    best = -1,
    total = 0;
  for (let j = 0; j < n2; j++) {
    for (let a = 0; a < r; a++) vs[a] = truth.V.data[j * r + a] * truth.sigma[a];
    let c = 0;
    for (let i = 0; i < n1; i++) {
      let d = 0;
      for (let a = 0; a < k; a++) d += L.data[i * k + a] * R.data[j * k + a];
      for (let a = 0; a < r; a++) d -= truth.U.data[i * r + a] * vs[a];
      c += d * d;
    }
    total += c;
    if (c > best) {
      best = c;
      column = j;
    }
  }
  let observed = 0;
  for (let e = 0; e < colIndex.length; e++) if (colIndex[e] === column) observed++;
  return { share: total > 0 ? best / total : NaN, column, observed };
}

/** Where the diagnostics of one recorded point come from. */
export interface DiagnosticsInputs {
  x: Factors;
  truth: GroundTruth;
  /** ‖M*‖_F (the normalization of signal_error, spurious_norm, cross_error). */
  normMstar: number;
  /** ‖Δ‖_F at this point (abs_error). */
  errorNorm: number;
  /** Perturbation-ratio inputs without `errorNorm`; omit to skip the ratio. */
  perturbation?: Omit<PerturbationInputs, "errorNorm">;
}

/**
 * The `record.diagnostics` columns of one point: signal_error, spurious_norm, cross_error
 * (relative to ‖M*‖_F), alignment_X or alignment_F / alignment_G (with alignment_F_i … for
 * the top-i directions, i < r), perturbation_ratio and operator_factor, for FGᵀ
 * imbalance_min_eig, and for k > r slow_mode_norm2. NaN everywhere when the factors are not finite (the run is
 * then diverged anyway).
 */
export function diagnosticsRow(d: DiagnosticsInputs): Record<string, number> {
  const { x, truth } = d;
  const { L, R } = sides(x);
  // top-i alignment only where the top-i subspace of M* is defined (σ_i > σ_{i+1})
  const prefixes: number[] = [];
  for (let i = 1; i < truth.sigma.length; i++) if (truth.sigma[i - 1] > truth.sigma[i]) prefixes.push(i);
  const alignNames = x.kind === "symmetric" ? ["alignment_X"] : ["alignment_F", "alignment_G"];
  const names = [
    "signal_error",
    "spurious_norm",
    "cross_error",
    ...alignNames.flatMap((a) => [a, ...prefixes.map((i) => `${a}_${i}`)]),
    ...(d.perturbation ? ["perturbation_ratio", "operator_factor"] : []),
    ...(x.kind === "asymmetric" ? ["imbalance_min_eig"] : []),
    ...(L.cols > truth.U.cols ? ["slow_mode_norm2"] : []),
  ];
  if (!allFinite(L.data) || !allFinite(R.data)) return Object.fromEntries(names.map((n) => [n, NaN]));
  const dec = errorDecomposition(x, truth);
  const row: Record<string, number> = {
    signal_error: dec.signal / d.normMstar,
    spurious_norm: dec.spurious / d.normMstar,
    cross_error: dec.cross / d.normMstar,
  };
  // alignment_F (top-r) plus alignment_F_i for the top-i directions, i < r with σ_i > σ_{i+1}
  const align = (name: string, Us: Matrix, A: Matrix) => {
    const a = alignmentSinPrefixes(Us, A);
    row[name] = a[a.length - 1];
    for (const i of prefixes) row[`${name}_${i}`] = a[i - 1];
  };
  if (x.kind === "symmetric") align("alignment_X", truth.U, x.X);
  else {
    align("alignment_F", truth.U, x.F);
    align("alignment_G", truth.V, x.G);
  }
  if (d.perturbation) {
    row.perturbation_ratio = perturbationRatio(x, truth, { ...d.perturbation, errorNorm: d.errorNorm });
    row.operator_factor = operatorFactor(d.perturbation.measuredError, d.errorNorm);
  }
  if (x.kind === "asymmetric") row.imbalance_min_eig = imbalanceMinAbsEigenvalue(x.F, x.G);
  if (L.cols > truth.U.cols) row.slow_mode_norm2 = slowModeNorm2(x, truth);
  return row;
}

/** {@link diagnosticsRow}'s perturbation inputs for a point of size n1×n2: dense below the limit. */
export function usesDensePerturbation(n1: number, n2: number): boolean {
  return n1 * n2 <= DENSE_ENTRIES_LIMIT;
}

/** Summary of a Monte-Carlo restricted-isometry estimate. */
export interface RipEstimate {
  rank: number;
  samples: number;
  /** max over samples of |‖A(Z)‖² − 1| with ‖Z‖_F = 1 (a lower bound on δ_r). */
  max: number;
  mean: number;
  /** 50 %, 90 % and 99 % quantiles of |‖A(Z)‖² − 1|. */
  median: number;
  q90: number;
  q99: number;
  /** Smallest and largest ‖A(Z)‖² seen. */
  minRatio: number;
  maxRatio: number;
}

/**
 * Monte-Carlo estimate of the rank-r restricted-isometry deviation of an operator: for
 * `samples` random Z = F Gᵀ/‖F Gᵀ‖_F (F, G with i.i.d. N(0,1) entries, n1×r and n2×r;
 * symmetric Z = F diag(±1) Fᵀ when `symmetric`), the values |‖A(Z)‖² − 1|. Their maximum
 * is a lower bound on δ_r = sup_{rank Z ≤ r} |‖A(Z)‖²/‖Z‖²_F − 1| (random directions are
 * typical, not worst-case). Z is never formed: A(FGᵀ) is `applyFactored`.
 */
export function ripDeviation(operator: SensingOperator, rank: number, samples: number, rng: Rng, symmetric = false): RipEstimate {
  if (!Number.isInteger(rank) || rank < 1 || rank > Math.min(operator.n1, operator.n2))
    throw new RangeError(`rank must be an integer in [1, ${Math.min(operator.n1, operator.n2)}], got ${rank}`);
  if (!Number.isInteger(samples) || samples < 1) throw new RangeError(`samples must be an integer ≥ 1, got ${samples}`);
  if (symmetric && operator.n1 !== operator.n2) throw new RangeError(`symmetric samples need a square operator, got ${operator.n1}×${operator.n2}`);
  const dev = new Float64Array(samples);
  const y = new Float64Array(operator.m);
  let minRatio = Infinity,
    maxRatio = -Infinity;
  for (let s = 0; s < samples; s++) {
    const F = zeros(operator.n1, rank);
    rng.fillNormal(F.data);
    let G: Matrix;
    if (symmetric) {
      G = { rows: F.rows, cols: rank, data: F.data.slice() };
      for (let l = 0; l < rank; l++) if (rng.uniform() < 0.5) for (let i = 0; i < G.rows; i++) G.data[i * rank + l] *= -1;
    } else {
      G = zeros(operator.n2, rank);
      rng.fillNormal(G.data);
    }
    const nz = productNorm(F, G);
    for (let i = 0; i < F.data.length; i++) F.data[i] /= nz;
    operator.applyFactored(F, G, y);
    const a = norm2(y);
    const ratio = a * a;
    minRatio = Math.min(minRatio, ratio);
    maxRatio = Math.max(maxRatio, ratio);
    dev[s] = Math.abs(ratio - 1);
  }
  const sorted = Float64Array.from(dev).sort();
  const q = (p: number) => sorted[Math.min(samples - 1, Math.floor(p * (samples - 1) + 0.5))];
  let mean = 0;
  for (const v of dev) mean += v / samples;
  return { rank, samples, max: sorted[samples - 1], mean, median: q(0.5), q90: q(0.9), q99: q(0.99), minRatio, maxRatio };
}

/** The parts of a stepper the diagnostics read (structural, so metrics need not import algorithms). */
export interface DiagnosticsSource {
  residual(): Float64Array;
  product(): Matrix;
  /** S = A*(r) at the current point when the stepper already holds it (fused pass), else null. */
  currentAdjoint?(): Matrix | null;
}

/** The run-level inputs of {@link stepperDiagnostics} (`record.diagnostics`). */
export interface DiagnosticsContext {
  operator: SensingOperator;
  /** y − A(M*) when the measurements are noisy (then A(Δ) = r + noise), null when noiseless. */
  noise: Float64Array | null;
}

/**
 * The diagnostics columns at a stepper's current point. Reads only cached or freshly
 * computed quantities (the residual, the product, S when the stepper holds it) and never
 * changes the stepper's state, so recording leaves the trajectory bitwise unchanged.
 */
export function stepperDiagnostics(
  src: DiagnosticsSource,
  x: Factors,
  truth: GroundTruth,
  normMstar: number,
  errorNorm: number,
  ctx: DiagnosticsContext,
): Record<string, number> {
  const op = ctx.operator;
  const r = src.residual();
  let measuredError = r;
  if (ctx.noise) {
    measuredError = new Float64Array(r.length);
    for (let i = 0; i < r.length; i++) measuredError[i] = r[i] + ctx.noise[i];
  }
  const dense = usesDensePerturbation(op.n1, op.n2);
  // completion: how concentrated the error is in one column, and how often that column is observed
  const colIndex = (op as { colIndex?: Int32Array }).colIndex;
  const coherence = op.type === "completion" && colIndex ? errorColumnShare(x, truth, colIndex) : undefined;
  const row = diagnosticsRow({
    x,
    truth,
    normMstar,
    errorNorm,
    perturbation: {
      operator: op,
      measuredError,
      adjoint: dense && !ctx.noise ? (src.currentAdjoint?.() ?? null) : null,
      product: dense ? src.product() : null,
    },
  });
  if (coherence) {
    row.error_column_share = coherence.share;
    row.error_column = coherence.column;
    row.error_column_observed = coherence.observed;
    row.observed_per_column = colIndex!.length / op.n2;
  }
  return row;
}

/** The {@link DiagnosticsContext} of an instance: noise = y − A(M*) when any entry differs. */
export function diagnosticsContext(inst: { operator: SensingOperator; y: Float64Array; yClean: Float64Array }): DiagnosticsContext {
  let noisy = false;
  const noise = new Float64Array(inst.y.length);
  for (let i = 0; i < noise.length; i++) {
    noise[i] = inst.y[i] - inst.yClean[i];
    if (noise[i] !== 0) noisy = true;
  }
  return { operator: inst.operator, noise: noisy ? noise : null };
}
