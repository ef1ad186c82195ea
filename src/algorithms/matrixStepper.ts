import { type Matrix, zeros } from "../linalg/matrix.js";
import type { SensingOperator } from "../operators/types.js";
import type { Stepper, StepperEvent, StepperState } from "./stepper.js";

/**
 * Shared machinery of methods on a dense n1×n2 matrix variable X (`svt`, `mirror-descent`):
 * the residual r = A(X) − y cached until the next step, no factors, the product X itself,
 * and a work matrix `grad` for S = A*(r).
 */
export abstract class MatrixVariableStepper implements Stepper {
  abstract readonly method: string;
  readonly model = "matrix" as const;
  iteration = 0;
  readonly events: StepperEvent[] = [];
  protected X: Matrix;
  protected readonly r: Float64Array;
  protected readonly grad: Matrix;
  protected residualValid = false;

  constructor(
    protected readonly operator: SensingOperator,
    protected readonly y: Float64Array,
    public stepSize: number,
  ) {
    if (y.length !== operator.m) throw new RangeError(`y has ${y.length} entries, operator has m = ${operator.m}`);
    if (!(stepSize > 0) || !Number.isFinite(stepSize)) throw new RangeError(`step size must be a finite number > 0, got ${stepSize}`);
    this.X = zeros(operator.n1, operator.n2);
    this.r = new Float64Array(operator.m);
    this.grad = zeros(operator.n1, operator.n2);
  }

  residual(): Float64Array {
    if (!this.residualValid) {
      this.operator.apply(this.X, this.r);
      for (let i = 0; i < this.r.length; i++) this.r[i] -= this.y[i];
      this.residualValid = true;
    }
    return this.r;
  }

  factors(): null {
    return null;
  }

  product(): Matrix {
    return this.X;
  }

  abstract step(): void;

  /** A checkpoint state with the iteration, step size and events (a method adds its arrays and scalars). */
  protected commonState(): StepperState {
    return { iteration: this.iteration, stepSize: this.stepSize, events: this.events.map((e) => ({ ...e })), arrays: {}, scalars: {} };
  }

  /** Puts back what {@link commonState} saved (after the method has restored its own arrays); the residual is recomputed. */
  protected restoreCommon(state: StepperState): void {
    this.iteration = state.iteration;
    this.stepSize = state.stepSize;
    this.events.length = 0;
    this.events.push(...state.events.map((e) => ({ ...e })));
    this.residualValid = false;
  }
}
