import { z } from "zod";
import { finite } from "../io/config-fields.js";
import type { Matrix } from "../linalg/matrix.js";
import type { SensingOperator } from "../operators/types.js";
import type { Factors } from "../problem/factors.js";
import { defineMethod } from "./method.js";
import { DeepGradientDescent } from "./deep.js";
import { FactoredStepper, type StepperState } from "./stepper.js";

/**
 * Adam (Kingma & Ba, ICLR 2015) on the factors of XXᵀ or FGᵀ, entry-wise, with the exact
 * gradient g of f = ½‖A(P) − y‖² ((S + Sᵀ)X; S G and Sᵀ F, simultaneous) at step t = 1, 2, …:
 *   m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²,
 *   x ← x − η m̂ / (√v̂ + ε),   m̂ = m/(1 − β₁ᵗ),  v̂ = v/(1 − β₂ᵗ),   m₀ = v₀ = 0
 * (β₁ᵗ, β₂ᵗ by repeated multiplication, the same on every JS engine).
 * The moments are part of the state (checkpoints resume bitwise).
 */
export class AdamStepper extends FactoredStepper {
  readonly method: string = "adam";
  private readonly gL: Matrix;
  private readonly gR: Matrix;
  private readonly moments: Float64Array[];
  /** β₁ᵗ and β₂ᵗ by repeated multiplication (Math.pow differs between JS engines; this does not). */
  private power1 = 1;
  private power2 = 1;

  constructor(
    operator: SensingOperator,
    y: Float64Array,
    x0: Factors,
    stepSize: number,
    readonly beta1: number,
    readonly beta2: number,
    readonly epsilon: number,
  ) {
    super(operator, y, x0, stepSize);
    const L = this.left,
      R = this.right;
    this.gL = { rows: L.rows, cols: L.cols, data: new Float64Array(L.data.length) };
    this.gR = { rows: R.rows, cols: R.cols, data: new Float64Array(R.data.length) };
    const sizes = x0.kind === "symmetric" ? [L.data.length, L.data.length] : [L.data.length, L.data.length, R.data.length, R.data.length];
    this.moments = sizes.map((s) => new Float64Array(s));
  }

  protected update(): void {
    this.adjointProducts(this.gL, this.gR);
    this.power1 *= this.beta1;
    this.power2 *= this.beta2;
    const c1 = 1 - this.power1,
      c2 = 1 - this.power2;
    if (this.x.kind === "symmetric") {
      const g = this.gL.data,
        h = this.gR.data;
      for (let i = 0; i < g.length; i++) g[i] += h[i];
      this.move(this.left.data, g, this.moments[0], this.moments[1], c1, c2);
      return;
    }
    this.move(this.left.data, this.gL.data, this.moments[0], this.moments[1], c1, c2);
    this.move(this.right.data, this.gR.data, this.moments[2], this.moments[3], c1, c2);
  }

  private move(x: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, c1: number, c2: number): void {
    adamMove(x, g, m, v, c1, c2, this.beta1, this.beta2, this.epsilon, this.stepSize);
  }

  override saveState(): StepperState | null {
    const s = super.saveState();
    if (!s) return null;
    this.moments.forEach((m, i) => (s.arrays[`adam_moment_${i}`] = { rows: 1, cols: m.length, data: m.slice() }));
    s.scalars.adam_power1 = this.power1;
    s.scalars.adam_power2 = this.power2;
    return s;
  }

  override restoreState(state: StepperState): void {
    super.restoreState(state);
    this.moments.forEach((m, i) => {
      const a = state.arrays[`adam_moment_${i}`];
      if (!a || a.data.length !== m.length)
        throw new RangeError(`checkpoint: adam moment ${i} is ${a ? a.data.length : "missing"}, the model needs ` + `${m.length} entries`);
      m.set(a.data);
    });
    this.power1 = state.scalars.adam_power1 ?? 1;
    this.power2 = state.scalars.adam_power2 ?? 1;
  }
}

/** x ← x − η m̂/(√v̂ + ε) after the moment updates, entry-wise (c1 = 1 − β₁ᵗ, c2 = 1 − β₂ᵗ). */
function adamMove(
  x: Float64Array,
  g: Float64Array,
  m: Float64Array,
  v: Float64Array,
  c1: number,
  c2: number,
  b1: number,
  b2: number,
  eps: number,
  eta: number,
): void {
  for (let i = 0; i < x.length; i++) {
    const gi = g[i];
    m[i] = b1 * m[i] + (1 - b1) * gi;
    v[i] = b2 * v[i] + (1 - b2) * gi * gi;
    x[i] -= (eta * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
  }
}

/**
 * Adam on the deep factorization W_N⋯W_1: the gradients of {@link DeepGradientDescent}, each
 * factor moved by {@link adamMove}. Depth 2 is `adam` on FGᵀ bit for bit.
 */
export class DeepAdam extends DeepGradientDescent {
  override readonly method: string = "adam";
  private moments: Float64Array[] | null = null;
  private power1 = 1;
  private power2 = 1;

  constructor(
    operator: SensingOperator,
    y: Float64Array,
    WN: Matrix,
    G: Matrix,
    middle: Matrix[],
    stepSize: number,
    readonly beta1: number,
    readonly beta2: number,
    readonly epsilon: number,
  ) {
    super(operator, y, WN, G, middle, stepSize);
  }

  protected override descend(params: Float64Array[], grads: Float64Array[], eta: number): void {
    this.moments ??= params.flatMap((w) => [new Float64Array(w.length), new Float64Array(w.length)]);
    this.power1 *= this.beta1;
    this.power2 *= this.beta2;
    const c1 = 1 - this.power1,
      c2 = 1 - this.power2,
      mo = this.moments;
    params.forEach((w, p) => adamMove(w, grads[p], mo[2 * p], mo[2 * p + 1], c1, c2, this.beta1, this.beta2, this.epsilon, eta));
  }

  override saveState(): StepperState | null {
    const s = super.saveState();
    if (!s) return null;
    (this.moments ?? []).forEach((m, i) => (s.arrays[`adam_moment_${i}`] = { rows: 1, cols: m.length, data: m.slice() }));
    s.scalars.adam_power1 = this.power1;
    s.scalars.adam_power2 = this.power2;
    return s;
  }

  override restoreState(state: StepperState): void {
    super.restoreState(state);
    const saved = Object.keys(state.arrays).filter((k) => k.startsWith("adam_moment_")).length;
    this.moments = saved ? Array.from({ length: saved }, (_, i) => state.arrays[`adam_moment_${i}`].data.slice()) : null;
    this.power1 = state.scalars.adam_power1 ?? 1;
    this.power2 = state.scalars.adam_power2 ?? 1;
  }
}

/** `adam`: Adam on the factors of any factored model. */
export const adamMethod = defineMethod({
  name: "adam",
  summary: "Adam (Kingma & Ba 2015) on the factors: bias-corrected first and second moments of the exact gradient, x ← x − η m̂/(√v̂ + ε)",
  options: {
    beta1: finite("method.beta1")
      .pipe(z.number().min(0, "method.beta1 must be ≥ 0").lt(1, "method.beta1 must be < 1"))
      .default(0.9)
      .describe("adam: decay β₁ of the first moment m ← β₁m + (1 − β₁)g"),
    beta2: finite("method.beta2")
      .pipe(z.number().min(0, "method.beta2 must be ≥ 0").lt(1, "method.beta2 must be < 1"))
      .default(0.999)
      .describe("adam: decay β₂ of the second moment v ← β₂v + (1 − β₂)g²"),
    epsilon: finite("method.epsilon").pipe(z.number().positive("method.epsilon must be > 0")).default(1e-8).describe("adam: ε in x ← x − η m̂/(√v̂ + ε)"),
  },
  // gradients and two moments per factor entry
  workspaceBytes: (c) => 3 * 8 * c.model.k * (c.problem.n + c.problem.n2),
  deep: true,
  create: (c, operator, y, init) =>
    init.kind === "asymmetric" && c.model.type === "deep"
      ? new DeepAdam(operator, y, init.F, init.G, init.middle ?? [], c.method.stepSize, c.method.beta1, c.method.beta2, c.method.epsilon)
      : new AdamStepper(operator, y, init, c.method.stepSize, c.method.beta1, c.method.beta2, c.method.epsilon),
});
