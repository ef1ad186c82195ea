import { z } from "zod";
import { finite } from "../io/config-fields.js";
import { type Matrix, zeros } from "../linalg/matrix.js";
import { svd } from "../linalg/svd.js";
import { singularTripletsAbove } from "../linalg/truncatedSvd.js";
import { createRng } from "../random/rng.js";
import { type StepperState, finiteScalar, restoreVector } from "./stepper.js";
import type { SensingOperator } from "../operators/types.js";
import { defineMethod } from "./method.js";
import { MatrixVariableStepper } from "./matrixStepper.js";

/**
 * Singular value thresholding (Cai, Candès & Shen, "A singular value thresholding
 * algorithm for matrix completion", SIAM J. Optim. 2010), the convex baseline, on the
 * matrix variable (no factorization):
 *   X_t = D_τ(Y_t),   Y_{t+1} = Y_t − η A*(A(X_t) − y),   Y₀ = 0,
 * D_τ(Y) = U max(Σ − τ, 0) Vᵀ (soft-thresholding of the singular values). It is Uzawa's
 * method / dual gradient ascent for min τ‖X‖_* + ½‖X‖²_F s.t. A(X) = y, whose solution
 * tends to the nuclear-norm minimizer as τ → ∞. The current point is X_t (so iteration 0
 * is X₀ = 0); the `rank` column is rank(X_t).
 *
 * Step size: the paper's Y ← Y + δ P_Ω(M − X) for completion is η = δ·p here (our
 * A*A = P_Ω/p); its recommended δ = 1.2/p is η = 1.2. For other operators η < 2/‖A‖²
 * guarantees convergence. τ (`method.tau`) defaults to 5‖y‖₂ (≈ 5‖M*‖_F: the paper's
 * τ = 5n for its n×n test matrices, whose Frobenius norm is ≈ n√r, made scale-free).
 * The initial point and `model.k` are not used.
 *
 * Each step needs only the singular triplets above τ: for min(n1, n2) ≤
 * {@link SVT_FULL_SVD_LIMIT} a full SVD, above it a rank-adaptive truncated SVD
 * ({@link singularTripletsAbove}: block subspace iteration warm-started from the previous
 * step's basis, widened while its last value is still > τ — Cai, Candès & Shen's rule), so
 * an n = 1000 completion step costs O(n²·rank) instead of O(n³).
 */
export class SingularValueThresholding extends MatrixVariableStepper {
  readonly method = "svt";
  readonly adaptiveStep = true;
  readonly tau: number;
  private readonly Y: Matrix;
  private rank = 0;
  /** Warm start of the truncated SVD (the previous step's basis). */
  private basis: Matrix | null = null;
  /** Seeded source of the truncated SVD's random start columns (fixed seed: runs stay reproducible). */
  private readonly rng = createRng(0x5717);

  constructor(operator: SensingOperator, y: Float64Array, stepSize: number, tau?: number) {
    super(operator, y, stepSize);
    let ny = 0;
    for (const v of y) ny += v * v;
    this.tau = tau ?? 5 * Math.sqrt(ny);
    if (!(this.tau >= 0) || !Number.isFinite(this.tau)) throw new RangeError(`svt: method.tau must be a finite number ≥ 0, got ${tau}`);
    if (tau === undefined) this.events.push({ iteration: 0, message: `svt: τ = 5‖y‖₂ = ${this.tau.toPrecision(6)} (method.tau not set)` });
    this.Y = zeros(operator.n1, operator.n2);
  }

  step(): void {
    this.operator.adjoint(this.residual(), this.grad);
    const Yd = this.Y.data,
      g = this.grad.data,
      eta = this.stepSize;
    for (let i = 0; i < Yd.length; i++) Yd[i] -= eta * g[i];
    if (Math.min(this.Y.rows, this.Y.cols) <= SVT_FULL_SVD_LIMIT) {
      const { X, rank } = singularValueShrink(this.Y, this.tau);
      this.X = X;
      this.rank = rank;
    } else {
      const t = singularTripletsAbove(this.Y, this.tau, { rng: this.rng, start: this.basis });
      if (!t.converged)
        this.events.push({ iteration: this.iteration + 1, message: `svt: the truncated SVD did not converge in ${t.iterations} subspace iterations` });
      this.basis = t.basis;
      this.X = shrinkFromTriplets(t.U, t.s, t.V, this.tau);
      this.rank = t.s.length;
    }
    this.iteration++;
    this.residualValid = false;
  }

  diagnostics(): Record<string, number> {
    return { rank: this.rank };
  }

  /**
   * Everything the next steps read: the dual iterate Y_t, the current point X_t = D_τ(Y_t)
   * (kept, not recomputed: the truncated SVD depends on its warm start), its rank, and for
   * the truncated SVD the warm-start basis and the state of its seeded RNG.
   */
  saveState(): StepperState {
    const s = this.commonState();
    s.arrays.svt_Y = { rows: this.Y.rows, cols: this.Y.cols, data: this.Y.data.slice() };
    s.arrays.svt_X = { rows: this.X.rows, cols: this.X.cols, data: this.X.data.slice() };
    if (this.basis) s.arrays.svt_basis = { rows: this.basis.rows, cols: this.basis.cols, data: this.basis.data.slice() };
    const rng = this.rng.getState();
    rng.words.forEach((w, i) => (s.scalars[`svt_rng_${i}`] = w));
    Object.assign(s.scalars, { svt_rng_spare: rng.spareNormal, svt_rank: this.rank });
    return s;
  }

  restoreState(state: StepperState): void {
    restoreVector(state, "svt_Y", this.Y.data);
    const X = zeros(this.Y.rows, this.Y.cols);
    restoreVector(state, "svt_X", X.data);
    const b = state.arrays.svt_basis;
    if (b && (b.rows !== this.Y.cols || b.data.length !== b.rows * b.cols))
      throw new RangeError(`checkpoint array svt_basis is ${b.rows}×${b.cols}, expected ${this.Y.cols} rows`);
    this.rng.setState({
      words: Array.from({ length: 8 }, (_, i) => finiteScalar(state, `svt_rng_${i}`)),
      spareNormal: state.scalars.svt_rng_spare ?? null,
    });
    this.X = X;
    this.basis = b ? { rows: b.rows, cols: b.cols, data: b.data.slice() } : null;
    this.rank = finiteScalar(state, "svt_rank");
    this.restoreCommon(state);
  }
}

/** Largest min(n1, n2) for which SVT uses a full SVD per step (the preset sizes stay bitwise unchanged). */
export const SVT_FULL_SVD_LIMIT = 200;

/** U diag(s − τ) Vᵀ for triplets with s > τ (U n1×q, V n2×q). */
function shrinkFromTriplets(U: Matrix, s: Float64Array, V: Matrix, tau: number): Matrix {
  const q = s.length,
    n1 = U.rows,
    n2 = V.rows;
  const X = zeros(n1, n2);
  const x = X.data,
    u = U.data,
    v = V.data;
  const row = new Float64Array(q);
  for (let i = 0; i < n1; i++) {
    for (let l = 0; l < q; l++) row[l] = (s[l] - tau) * u[i * q + l];
    for (let j = 0; j < n2; j++) {
      let acc = 0;
      for (let l = 0; l < q; l++) acc += row[l] * v[j * q + l];
      x[i * n2 + j] = acc;
    }
  }
  return X;
}

/** D_τ(Y) = U max(Σ − τ, 0) Vᵀ and its rank (number of singular values > τ). */
export function singularValueShrink(Y: Matrix, tau: number): { X: Matrix; rank: number } {
  const { U, s, V } = svd(Y);
  const X = zeros(Y.rows, Y.cols);
  const x = X.data,
    u = U.data,
    v = V.data,
    p = s.length,
    n2 = Y.cols;
  let rank = 0;
  for (let l = 0; l < p; l++) {
    const d = s[l] - tau;
    if (!(d > 0)) continue;
    rank++;
    for (let i = 0; i < Y.rows; i++) {
      const c = d * u[i * p + l];
      if (c === 0) continue;
      for (let j = 0; j < n2; j++) x[i * n2 + j] += c * v[j * p + l];
    }
  }
  return { X, rank };
}

/** Largest number of n1×n2 entries for which the dense-matrix method svt is allowed. */
export const SVT_MAX_ENTRIES = 1_000_000;

/** `svt`: singular value thresholding, the convex baseline on the matrix variable. */
export const svtMethod = defineMethod({
  name: "svt",
  summary: "singular value thresholding (Cai, Candès & Shen 2010), the convex baseline on a dense matrix variable (ignores the init and model.k)",
  factored: false,
  options: {
    tau: finite("method.tau")
      .pipe(z.number().min(0, "method.tau must be ≥ 0"))
      .optional()
      .describe("svt: singular value threshold τ (default 5‖y‖₂ ≈ 5‖M*‖_F)"),
  },
  rules: (c) => {
    const { n, n2 } = c.problem;
    return n * n2 > SVT_MAX_ENTRIES
      ? [
          {
            path: "method.name",
            value: "svt",
            message:
              `svt works on a dense n1×n2 matrix variable and takes a full SVD of it every iteration; n1·n2 = ${n * n2} exceeds ` +
              `${SVT_MAX_ENTRIES} — use a factored method (gd, scaled-gd, …) for this size`,
          },
        ]
      : [];
  },
  // Y, X, grad (n1×n2), r (m), and the SVD of Y: U (n1×n1 at most), V, a copy of Y and the shrunk X
  workspaceBytes: (c) => {
    const { n, n2 } = c.problem;
    return 8 * (3 * n * n2 + c.operator.m + Math.min(n, n2) ** 2 + Math.max(n, n2) * Math.min(n, n2) * 3);
  },
  create: (c, operator, y) => new SingularValueThresholding(operator, y, c.method.stepSize, c.method.tau),
});
