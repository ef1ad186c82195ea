import { type Matrix, matmul, matmulNT, matmulTN, zeros } from "../linalg/matrix.js";
import type { SensingOperator } from "../operators/types.js";
import type { Factors } from "../problem/factors.js";
import { lossOf, subtractResidual } from "../metrics/metrics.js";
import type { MinibatchSampler } from "./minibatch.js";

/** Something a method reports once, e.g. "rebalanced at iteration 120". */
export interface StepperEvent {
  iteration: number;
  message: string;
}

/**
 * A method as a stateful stepper: `step()` advances one iteration; the driver owns
 * stopping. The step size may be changed between steps.
 */
export interface Stepper {
  /** `method.name`. */
  readonly method: string;
  /** "symmetric" (XXᵀ), "asymmetric" (FGᵀ) or "matrix" (a matrix variable, e.g. SVT). */
  readonly model: "symmetric" | "asymmetric" | "matrix";
  /** Completed iterations. */
  readonly iteration: number;
  /** Step size η used by the next step. */
  stepSize: number;
  /** True when the method's step is not the fixed η the user chose (adaptive, decaying, or a threshold): no step-size advice. */
  readonly adaptiveStep?: boolean;
  /** r = A(P) − y at the current point (cached until the next step; do not modify). */
  residual(): Float64Array;
  /** lossOf(residual()), bitwise (absent: the driver computes it; factored steppers may have it from the residual's own pass). */
  loss?(): number;
  /** The current factors (live; do not modify), or null for a matrix variable. */
  factors(): Factors | null;
  /** The current product P (dense n1×n2; cached until the next step; do not modify). */
  product(): Matrix;
  /** One iteration. */
  step(): void;
  /** Method-specific scalars recorded with the metrics (e.g. `rank`, `flow_time`). */
  diagnostics?(): Record<string, number>;
  /** Things that happened once (recorded in summary.json). */
  readonly events: StepperEvent[];
  /** Everything needed to continue bitwise from the current point (absent or null: not resumable). */
  saveState?(): StepperState | null;
  /** Puts a state from {@link saveState} back (same config and instance). */
  restoreState?(state: StepperState): void;
}

/** A stepper's state between iterations (see {@link Stepper.saveState}). */
export interface StepperState {
  iteration: number;
  stepSize: number;
  events: StepperEvent[];
  /** Named arrays (the factors, by name: X or F and G), copied. */
  arrays: Record<string, { rows: number; cols: number; data: Float64Array }>;
  /** Method-specific scalars (e.g. the iteration at which rebalancing fired). */
  scalars: Record<string, number | null>;
}

/** Puts a copy of `data` into `state.arrays[name]` as a 1×n array (a method's own vectors in a checkpoint). */
export function saveVector(state: StepperState, name: string, data: Float64Array): void {
  state.arrays[name] = { rows: 1, cols: data.length, data: data.slice() };
}

/** Copies `state.arrays[name]` into `target`; a RangeError names the array when it is missing or of another length. */
export function restoreVector(state: StepperState, name: string, target: Float64Array): void {
  const a = state.arrays[name];
  if (!a || a.data.length !== target.length) {
    throw new RangeError(
      a
        ? `checkpoint array ${name} has ${a.data.length} entries, the method needs ${target.length}`
        : `the checkpoint has no array ${name} (written by an earlier matsense, which did not save it): start the run again with --force`,
    );
  }
  target.set(a.data);
}

/** A method-specific scalar of a checkpoint that must be a finite number; a RangeError names it otherwise. */
export function finiteScalar(state: StepperState, name: string): number {
  const v = state.scalars[name];
  if (typeof v !== "number" || !Number.isFinite(v)) throw new RangeError(`checkpoint scalar ${name} is ${String(v)}, expected a finite number`);
  return v;
}

/**
 * Shared machinery of factored methods: caching of the residual and product at the
 * current point, so that recording metrics and taking the next step never measure the
 * same point twice.
 */
export abstract class FactoredStepper implements Stepper {
  abstract readonly method: string;
  readonly model: "symmetric" | "asymmetric";
  iteration = 0;
  readonly events: StepperEvent[] = [];
  protected readonly r: Float64Array;
  protected residualValid = false;
  /** lossOf(r) when the pass that computed r also summed its squares (large residuals), else undefined. */
  protected residualLoss: number | undefined = undefined;
  /** The product, allocated on first use (large factored runs never form it). */
  private P: Matrix | null = null;
  private productValid = false;
  /**
   * S = A*(r) at the current point, from the operator's fused pass (allocated on the first
   * {@link adjointProducts} call when the operator has `residualAndAdjoint`).
   */
  private S: Matrix | null = null;
  private adjointValid = false;
  /** Minibatches of measurements for {@link gradientProducts} (null: full batch). */
  private sampler: MinibatchSampler | null = null;
  private batchMask: Uint8Array | null = null;
  private batchResidual: Float64Array | null = null;

  constructor(
    protected readonly operator: SensingOperator,
    protected readonly y: Float64Array,
    protected readonly x: Factors,
    public stepSize: number,
  ) {
    this.model = x.kind;
    const L = this.left,
      R = this.right;
    if (L.rows !== operator.n1 || R.rows !== operator.n2 || L.cols !== R.cols) {
      throw new RangeError(
        x.kind === "symmetric"
          ? `X₀ is ${L.rows}×${L.cols}; the operator is ${operator.n1}×${operator.n2} (the symmetric model needs a square operator with n rows)`
          : `factors ${L.rows}×${L.cols} and ${R.rows}×${R.cols} do not fit the ${operator.n1}×${operator.n2} operator`,
      );
    }
    if (y.length !== operator.m) throw new RangeError(`y has ${y.length} entries, operator has m = ${operator.m}`);
    if (!(stepSize > 0) || !Number.isFinite(stepSize)) throw new RangeError(`step size must be a finite number > 0, got ${stepSize}`);
    this.r = new Float64Array(operator.m);
  }

  /** Left factor (X or F). */
  protected get left(): Matrix {
    return this.x.kind === "symmetric" ? this.x.X : this.x.F;
  }

  /** Right factor (X or G). */
  protected get right(): Matrix {
    return this.x.kind === "symmetric" ? this.x.X : this.x.G;
  }

  factors(): Factors {
    return this.x;
  }

  residual(): Float64Array {
    if (!this.residualValid) {
      if (this.S && this.operator.residualAndAdjoint) {
        // one pass over the stored operator gives r and S = A*(r) for the coming step
        this.operator.residualAndAdjoint(this.left, this.right, this.y, this.r, this.S);
        this.adjointValid = true;
        this.residualLoss = undefined;
      } else {
        this.operator.applyFactored(this.left, this.right, this.r);
        this.residualLoss = subtractResidual(this.r, this.y);
      }
      this.residualValid = true;
    }
    return this.r;
  }

  loss(): number {
    const r = this.residual();
    return this.residualLoss ?? lossOf(r);
  }

  /**
   * With S = A*(r) at the current point (r the residual): SG ← S·right and StF ← Sᵀ·left
   * (either may be null). For methods whose gradient is built from A*(A(P) − y): when the
   * operator has a fused pass, S comes with the residual from one pass over its data.
   */
  protected adjointProducts(SG: Matrix | null, StF: Matrix | null): void {
    const op = this.operator;
    if (!this.S && op.residualAndAdjoint) this.S = zeros(op.n1, op.n2);
    const r = this.residual();
    if (this.adjointValid && this.S) {
      if (SG) matmul(this.S, this.right, SG);
      if (StF) matmulTN(this.S, this.left, StF);
    } else op.adjointFactored(r, this.left, this.right, SG, StF);
  }

  /**
   * Makes {@link gradientProducts} stochastic: each call uses the next batch B of `sampler`
   * (null: the full batch again).
   */
  useMinibatches(sampler: MinibatchSampler | null): void {
    this.sampler = sampler;
    this.batchMask = sampler ? new Uint8Array(this.operator.m) : null;
    this.batchResidual = sampler ? new Float64Array(this.operator.m) : null;
  }

  /**
   * The gradient products of methods that may run on minibatches: {@link adjointProducts}
   * (the full batch, the same code path), or with a sampler S_B·right and S_Bᵀ·left for
   * S_B = A*(z), z_i = (m/|B|)·r_i on the next batch B and 0 elsewhere — an unbiased estimate
   * of S. (The full residual is computed and masked: operators do not evaluate row subsets.)
   */
  protected gradientProducts(SG: Matrix | null, StF: Matrix | null): void {
    if (!this.sampler) {
      this.adjointProducts(SG, StF);
      return;
    }
    const r = this.residual(),
      mask = this.batchMask!,
      z = this.batchResidual!;
    const scale = this.operator.m / this.sampler.next(mask);
    for (let i = 0; i < z.length; i++) z[i] = mask[i] ? scale * r[i] : 0;
    this.operator.adjointFactored(z, this.left, this.right, SG, StF);
  }

  /**
   * S = A*(r) at the current point if a fused pass already computed it (read-only; for
   * diagnostics), else null.
   */
  currentAdjoint(): Matrix | null {
    return this.residualValid && this.adjointValid ? this.S : null;
  }

  product(): Matrix {
    if (!this.productValid) {
      this.P ??= zeros(this.operator.n1, this.operator.n2);
      matmulNT(this.left, this.right, this.P);
      this.productValid = true;
    }
    return this.P!;
  }

  saveState(): StepperState | null {
    const arrays: StepperState["arrays"] = {};
    const put = (name: string, m: Matrix) => (arrays[name] = { rows: m.rows, cols: m.cols, data: m.data.slice() });
    if (this.x.kind === "symmetric") put("X", this.x.X);
    else {
      put("F", this.x.F);
      put("G", this.x.G);
    }
    // whether S = A*(r) is computed by the fused pass from now on: a restored stepper must
    // take the same floating-point path as the uninterrupted one
    const scalars: StepperState["scalars"] = { fused: this.S ? 1 : 0 };
    if (this.sampler) {
      const b = this.sampler.save();
      arrays.minibatch_perm = { rows: 1, cols: b.perm.length, data: b.perm };
      Object.assign(scalars, b.scalars);
    }
    return { iteration: this.iteration, stepSize: this.stepSize, events: this.events.map((e) => ({ ...e })), arrays, scalars };
  }

  restoreState(state: StepperState): void {
    const names = this.x.kind === "symmetric" ? ["X"] : ["F", "G"];
    const targets = this.x.kind === "symmetric" ? [this.x.X] : [this.x.F, this.x.G];
    names.forEach((name, i) => {
      const a = state.arrays[name],
        t = targets[i];
      if (!a || a.rows !== t.rows || a.cols !== t.cols) {
        throw new RangeError(`checkpoint factor ${name} is ${a ? `${a.rows}×${a.cols}` : "missing"}, the model needs ${t.rows}×${t.cols}`);
      }
      t.data.set(a.data);
    });
    this.iteration = state.iteration;
    this.stepSize = state.stepSize;
    this.events.length = 0;
    this.events.push(...state.events.map((e) => ({ ...e })));
    if (this.sampler) {
      const perm = state.arrays.minibatch_perm;
      if (!perm) throw new RangeError("checkpoint has no minibatch state (it was written by a full-batch run)");
      this.sampler.restore(perm.data, state.scalars);
    }
    if (state.scalars.fused && this.operator.residualAndAdjoint) this.S ??= zeros(this.operator.n1, this.operator.n2);
    else this.S = null;
    this.invalidate();
  }

  /** Call after changing the factors in place. */
  protected invalidate(): void {
    this.residualValid = false;
    this.productValid = false;
    this.adjointValid = false;
  }

  step(): void {
    this.update();
    this.iteration++;
    this.invalidate();
  }

  /** Changes the factors in place (simultaneous update from the current point). */
  protected abstract update(): void;
}
