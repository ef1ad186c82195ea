/**
 * The doctor's checks of the methods of issue 22, each against central finite differences
 * of the loss along a random direction (the gradient or the linear system a step is built
 * from, read off one step): adam's first step, deep GD, Gauss–Newton / Levenberg–Marquardt,
 * AGN and mirror descent. A directional derivative off by a factor or a transpose misses by
 * O(1); the difference quotient with h = 1e-4 relative is good to ~1e-7.
 */
import { AdamStepper } from "../algorithms/adam.js";
import { ApproximateGaussNewton } from "../algorithms/agn.js";
import { DeepGradientDescent } from "../algorithms/deep.js";
import { GaussNewtonFactored } from "../algorithms/gaussNewton.js";
import { MirrorDescentPsd } from "../algorithms/mirrorDescent.js";
import { symmetricEigen } from "../linalg/eig.js";
import { type Matrix, dot, frobeniusNorm, matmul, matmulNT, matmulTN, zeros } from "../linalg/matrix.js";
import type { SensingOperator } from "../operators/types.js";
import type { Rng } from "../random/rng.js";

/** One check's outcome (the doctor's CheckResult). */
export interface CheckResult {
  name: string;
  pass: boolean;
  detail: string;
}

/** A rows×cols matrix of i.i.d. N(0, std²) draws from `rng`. */
export function randomMatrix(rng: Rng, rows: number, cols: number, std = 1): Matrix {
  const m = zeros(rows, cols);
  rng.fillNormal(m.data, std);
  return m;
}

function loss(op: SensingOperator, y: Float64Array, P: Matrix): number {
  const r = op.apply(P);
  let s = 0;
  for (let i = 0; i < r.length; i++) s += (r[i] - y[i]) ** 2;
  return s / 2;
}

/** (f(x + hD) − f(x − hD))/(2h) for parameters `xs` (modified and restored) and the product `P()`. */
function directional(op: SensingOperator, y: Float64Array, xs: Matrix[], Ds: Matrix[], P: () => Matrix): { fd: number; h: number } {
  const h = (1e-4 * Math.sqrt(xs.reduce((a, x) => a + frobeniusNorm(x) ** 2, 0))) / Math.sqrt(Ds.reduce((a, d) => a + frobeniusNorm(d) ** 2, 0));
  const move = (s: number) => xs.forEach((x, p) => x.data.forEach((_, i) => (x.data[i] += s * h * Ds[p].data[i])));
  move(1);
  const fp = loss(op, y, P());
  move(-2);
  const fm = loss(op, y, P());
  move(1);
  return { fd: (fp - fm) / (2 * h), h };
}

function verdict(name: string, an: number, fd: number, tol = 1e-5): CheckResult {
  const err = Math.abs(an - fd) / Math.max(Math.abs(fd), 1e-300);
  return {
    name,
    pass: err <= tol,
    detail: `directional derivative ${an.toPrecision(8)} vs ${fd.toPrecision(8)}, relative gap ${err.toExponential(1)} (≤ ` + `${tol})`,
  };
}

const copies = (xs: Matrix[]) => xs.map((x) => x.data.slice());
const step = (before: Float64Array[], xs: Matrix[], eta: number) =>
  xs.map((x, p) => ({ rows: x.rows, cols: x.cols, data: before[p].map((v, i) => (v - x.data[i]) / eta) }));
const inner = (as: Matrix[], bs: Matrix[]) => as.reduce((a, m, p) => a + dot(m.data, bs[p].data), 0);

/** The checks on a square asymmetric instance (n1 = n2 for mirror descent's PSD variable). */
export function methodGradientChecks(op: SensingOperator, y: Float64Array, rng: Rng, k: number): CheckResult[] {
  const n1 = op.n1,
    n2 = op.n2,
    out: CheckResult[] = [];
  const pair = () => [randomMatrix(rng, n1, k, 0.5), randomMatrix(rng, n2, k, 0.5)];
  const dirs = (xs: Matrix[]) => xs.map((x) => randomMatrix(rng, x.rows, x.cols));

  // deep gd, depth 3: (x − x₊)/η = ∇f
  {
    const [WN, G] = pair(),
      W2 = randomMatrix(rng, k, k, 0.5),
      xs = [WN, G, W2],
      Ds = dirs(xs);
    const { fd } = directional(op, y, xs, Ds, () => matmulNT(matmul(WN, W2), G));
    const before = copies(xs);
    new DeepGradientDescent(op, y, WN, G, [W2], 1e-4).step();
    out.push(verdict("deep gd (depth 3): gradient of ½‖A(W₃W₂W₁) − y‖² vs central finite differences", inner(step(before, xs, 1e-4), Ds), fd));
  }
  // adam, first step: x₀ − x₁ = η g/(|g| + ε) entry-wise, so g ≈ the step's sign times |g|; compare ⟨g, D⟩ with g = ε·s/(1 − |s|), s = (x₀ − x₁)/η
  {
    const xs = pair(),
      Ds = dirs(xs),
      eps = 1e-3;
    const { fd } = directional(op, y, xs, Ds, () => matmulNT(xs[0], xs[1]));
    const before = copies(xs);
    new AdamStepper(op, y, { kind: "asymmetric", F: xs[0], G: xs[1] }, 1e-6, 0.9, 0.999, eps).step();
    const g = step(before, xs, 1e-6).map((s) => ({ ...s, data: s.data.map((v) => (eps * v) / (1 - Math.abs(v))) }));
    out.push(verdict("adam: first step η·g/(|g| + ε) inverted to g, vs central finite differences", inner(g, Ds), fd, 1e-4));
  }
  // Gauss–Newton / LM: d with (J_cᵀJ_c + λI)d = ∇f; ⟨(J_cᵀJ_c + λI)d, D⟩ = ⟨∇f, D⟩
  for (const lambda of [0, 1e-2]) {
    const xs = pair(),
      Ds = dirs(xs),
      [F, G] = xs;
    const { fd } = directional(op, y, xs, Ds, () => matmulNT(F, G));
    const before = copies(xs),
      F0 = { ...F, data: F.data.slice() },
      G0 = { ...G, data: G.data.slice() };
    new GaussNewtonFactored(op, y, { kind: "asymmetric", F, G }, 1e-4, lambda, 1e-13, 500, "gn").step();
    const [dF, dG] = step(before, xs, 1e-4);
    const Jd = matmulNT(dF, G0).data.map((v, i) => v + matmulNT(F0, dG).data[i]);
    const J: Matrix = { rows: n1, cols: n2, data: Jd };
    const lhs = [matmul(J, G0), matmulTN(J, F0)].map((M, p) => ({ ...M, data: M.data.map((v, i) => v + lambda * [dF, dG][p].data[i]) }));
    out.push(
      verdict(
        `${lambda ? "levenberg-marquardt" : "gauss-newton"}: (J_cᵀJ_c + λI)d against the gradient by central finite differences`,
        inner(lhs, Ds),
        fd,
        1e-4,
      ),
    );
  }
  // agn: ΔF (GᵀG) = ∇_F f (the F half-step; D_G = 0)
  {
    const xs = pair(),
      [F, G] = xs,
      Ds = [randomMatrix(rng, n1, k), randomMatrix(rng, n2, k, 0)];
    const { fd } = directional(op, y, xs, Ds, () => matmulNT(F, G));
    const before = copies(xs),
      G0 = { ...G, data: G.data.slice() };
    new ApproximateGaussNewton(op, y, F, G, 1e-4).step();
    const dF = step(before, [F], 1e-4)[0];
    out.push(verdict("agn: ΔF·GᵀG against ∇_F f by central finite differences", dot(matmul(dF, matmulTN(G0, G0)).data, Ds[0].data), fd, 1e-4));
  }
  // mirror descent: (log X₀ − log X₁)/η = sym(S) = ∇f on symmetric matrices (X₀ = αI)
  if (n1 === n2) {
    const alpha = 0.3,
      eta = 1e-4,
      X0: Matrix = { rows: n1, cols: n1, data: new Float64Array(n1 * n1) };
    for (let i = 0; i < n1; i++) X0.data[i * n1 + i] = alpha;
    const B = randomMatrix(rng, n1, n1),
      D: Matrix = { ...B, data: B.data.map((v, i) => v + B.data[(i % n1) * n1 + Math.floor(i / n1)]) };
    const { fd } = directional(op, y, [X0], [D], () => X0);
    const md = new MirrorDescentPsd(op, y, eta, alpha);
    md.step();
    const { values, vectors } = symmetricEigen(md.product());
    const V = vectors.data,
      logX1 = new Float64Array(n1 * n1);
    const logValues = values.map(Math.log);
    for (let i = 0; i < n1; i++) {
      for (let j = 0; j < n1; j++) for (let l = 0; l < n1; l++) logX1[i * n1 + j] += V[i * n1 + l] * logValues[l] * V[j * n1 + l];
    }
    const g = logX1.map((v, i) => (i % (n1 + 1) === 0 ? Math.log(alpha) - v : -v) / eta);
    out.push(verdict("mirror-descent: (log X₀ − log X₁)/η against the gradient by central finite differences", dot(g, D.data), fd, 1e-4));
  }
  return out;
}
