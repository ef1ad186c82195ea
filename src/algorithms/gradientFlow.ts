import { z } from "zod";
import { finite } from "../io/config-fields.js";
import { type Matrix, norm2 } from "../linalg/matrix.js";
import type { SensingOperator } from "../operators/types.js";
import type { Factors } from "../problem/factors.js";
import { defineMethod } from "./method.js";
import { FactoredStepper, type StepperState, finiteScalar, restoreVector, saveVector } from "./stepper.js";

// Dormand–Prince 5(4) tableau (Dormand & Prince 1980; Hairer, Nørsett & Wanner, Table 5.2).
/** Consecutive rejected trial steps before giving up (a first trial of 1e308 needs ~440). */
const MAX_REJECTIONS = 1000;
const A2 = [1 / 5];
const A3 = [3 / 40, 9 / 40];
const A4 = [44 / 45, -56 / 15, 32 / 9];
const A5 = [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729];
const A6 = [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656];
const B = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84]; // 5th order (= row 7: FSAL)
/** b − b̂ (5th minus embedded 4th order weights), stages 1..7. */
const E = [71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40];

/**
 * Gradient flow, the continuous-time limit of GD (η → 0) with the same simultaneous
 * structure:
 *   symmetric  dX/dt = −∇f(X) = −(S + Sᵀ)X;   asymmetric  dF/dt = −S G,  dG/dt = −Sᵀ F,
 * S = A*(A(P) − y), integrated by the adaptive embedded Runge–Kutta pair of Dormand and
 * Prince, 5(4), with FSAL (6 gradient evaluations per accepted step). GD with step η for t
 * iterations is the explicit Euler method on this ODE, so it tracks the flow at time η·t
 * with a gap of order η (Wind 2023's perturbed-gradient-flow picture).
 *
 * Error control: a step h is accepted when the embedded error estimate e satisfies
 * ‖e‖₂ ≤ tol·max(‖x_old‖₂, ‖x_new‖₂) (x = all factor entries, `method.tolerance`): a
 * relative error per step, scale-invariant, so the tiny entries of a small init are
 * resolved as accurately as the large ones later. Next step: h·min(5, max(0.2, 0.9·q^(−1/5))),
 * q = ‖e‖/(tol·scale). `stepSize` holds the trial step h for the next step (initially
 * `method.stepSize`). One `step()` = one accepted RK step; the flow time reached is the
 * `flow_time` column, the last accepted h the `flow_step` column.
 */
export class GradientFlow extends FactoredStepper {
  readonly method: string = "gradient-flow";
  readonly adaptiveStep = true;

  /** Flow time of the current point. */
  time = 0;
  /** Rejected trial steps so far. */
  rejected = 0;
  private lastStep = 0;
  /** When set, no step goes beyond this flow time (see {@link advanceTo}). */
  private stopAt = Number.POSITIVE_INFINITY;
  private readonly n: number;
  private readonly x0: Float64Array;
  private readonly xs: Float64Array;
  private readonly k: Float64Array[];
  private readonly errv: Float64Array;
  /** −∇f at the current point (valid when kValid; FSAL). */
  private kValid = false;
  private readonly rStage: Float64Array;
  private readonly rNext: Float64Array;
  private readonly work1: Matrix;
  private readonly work2: Matrix;

  constructor(
    operator: SensingOperator,
    y: Float64Array,
    x0: Factors,
    initialStep: number,
    readonly tolerance: number,
  ) {
    super(operator, y, x0, initialStep);
    if (!(tolerance > 0 && tolerance < 1)) throw new RangeError(`gradient-flow: method.tolerance must be in (0, 1), got ${tolerance}`);
    const L = this.left,
      R = this.right;
    this.n = x0.kind === "symmetric" ? L.data.length : L.data.length + R.data.length;
    this.x0 = new Float64Array(this.n);
    this.xs = new Float64Array(this.n);
    this.k = Array.from({ length: 7 }, () => new Float64Array(this.n));
    this.errv = new Float64Array(this.n);
    this.rStage = new Float64Array(operator.m);
    this.rNext = new Float64Array(operator.m);
    this.work1 = { rows: L.rows, cols: L.cols, data: new Float64Array(L.data.length) };
    this.work2 = { rows: R.rows, cols: R.cols, data: new Float64Array(R.data.length) };
  }

  /** Views of a packed state vector as (left, right) factors. */
  private views(v: Float64Array): [Matrix, Matrix] {
    const L = this.left,
      R = this.right;
    if (this.x.kind === "symmetric") {
      const X = { rows: L.rows, cols: L.cols, data: v };
      return [X, X];
    }
    const nl = L.data.length;
    return [
      { rows: L.rows, cols: L.cols, data: v.subarray(0, nl) },
      { rows: R.rows, cols: R.cols, data: v.subarray(nl) },
    ];
  }

  /** out = −∇f(state); r receives the residual A(P) − y at state. */
  private vectorField(state: Float64Array, out: Float64Array, r: Float64Array): void {
    const [F, G] = this.views(state);
    this.operator.applyFactored(F, G, r);
    const y = this.y;
    for (let i = 0; i < r.length; i++) r[i] -= y[i];
    this.operator.adjointFactored(r, F, G, this.work1, this.work2);
    const a = this.work1.data,
      b = this.work2.data;
    if (this.x.kind === "symmetric") {
      for (let i = 0; i < out.length; i++) out[i] = -(a[i] + b[i]);
    } else {
      const nl = a.length;
      for (let i = 0; i < nl; i++) out[i] = -a[i];
      for (let i = 0; i < b.length; i++) out[nl + i] = -b[i];
    }
  }

  private pack(out: Float64Array): void {
    out.set(this.left.data);
    if (this.x.kind === "asymmetric") out.set(this.right.data, this.left.data.length);
  }

  private unpack(v: Float64Array): void {
    const nl = this.left.data.length;
    if (this.x.kind === "symmetric") this.left.data.set(v);
    else {
      this.left.data.set(v.subarray(0, nl));
      this.right.data.set(v.subarray(nl));
    }
  }

  protected update(): void {
    const n = this.n,
      x0 = this.x0,
      xs = this.xs,
      k = this.k;
    this.pack(x0);
    if (!this.kValid) {
      // −∇f at the current point from the cached residual
      const [F, G] = this.views(x0);
      this.operator.adjointFactored(this.residual(), F, G, this.work1, this.work2);
      const a = this.work1.data,
        b = this.work2.data,
        k0 = k[0];
      if (this.x.kind === "symmetric") for (let i = 0; i < n; i++) k0[i] = -(a[i] + b[i]);
      else {
        for (let i = 0; i < a.length; i++) k0[i] = -a[i];
        for (let i = 0; i < b.length; i++) k0[a.length + i] = -b[i];
      }
    }
    const rows = [A2, A3, A4, A5, A6, B];
    const scaleOld = norm2(x0);
    for (let attempt = 0; ; attempt++) {
      const h = Math.min(this.stepSize, this.stopAt - this.time);
      if (!(h > 1e-14 * Math.max(1, this.time))) {
        throw new RangeError(
          `gradient-flow: step size underflow at flow time ${this.time} (h = ${h}); the flow may be blowing up or method.tolerance = ` +
            `${this.tolerance} is too strict`,
        );
      }
      // a huge first trial step (up to ~1e308) needs ~440 rejections at ×0.2 to come down to O(1)
      if (attempt > MAX_REJECTIONS) {
        throw new RangeError(
          `gradient-flow: ${attempt} trial steps rejected in a row at flow time ${this.time} (last trial h = ${h}); ` +
            `the error estimate stays above method.tolerance = ${this.tolerance} — the flow may be blowing up`,
        );
      }
      for (let s = 0; s < 6; s++) {
        const a = rows[s];
        for (let i = 0; i < n; i++) {
          let acc = 0;
          for (let j = 0; j < a.length; j++) acc += a[j] * k[j][i];
          xs[i] = x0[i] + h * acc;
        }
        // stages 2..6 write k[1..5]; the last row (B) is the new point, whose field is k[6]
        this.vectorField(xs, k[s + 1], s === 5 ? this.rNext : this.rStage);
      }
      const ev = this.errv;
      for (let i = 0; i < n; i++) {
        let acc = 0;
        for (let j = 0; j < 7; j++) acc += E[j] * k[j][i];
        ev[i] = h * acc;
      }
      const scale = Math.max(scaleOld, norm2(xs));
      const q = norm2(ev) / (this.tolerance * scale);
      const factor = q === 0 ? 5 : Math.min(5, Math.max(0.2, 0.9 * Math.pow(q, -0.2)));
      if (q <= 1 && Number.isFinite(q)) {
        this.unpack(xs);
        this.time = h === this.stopAt - this.time ? this.stopAt : this.time + h;
        this.lastStep = h;
        // FSAL: the field at the new point is the next step's first stage
        const t0 = k[0];
        k[0] = k[6];
        k[6] = t0;
        this.kValid = true;
        // a step clipped by advanceTo says little about the next one: keep the trial step
        if (h >= this.stepSize) this.stepSize = h * factor;
        return;
      }
      this.rejected++;
      this.stepSize = h * (Number.isFinite(factor) ? factor : 0.2);
    }
  }

  override step(): void {
    super.step();
    // the residual at the new point was computed by the last stage: keep it
    this.r.set(this.rNext);
    this.residualValid = true;
    this.residualLoss = undefined;
  }

  /**
   * Takes accepted steps until the flow time is exactly T (the last step is shortened to
   * land on T). Returns the number of steps taken.
   */
  advanceTo(T: number): number {
    if (!(T >= this.time)) throw new RangeError(`gradient-flow: cannot advance to ${T}, already at flow time ${this.time}`);
    this.stopAt = T;
    let steps = 0;
    try {
      while (this.time < T) {
        this.step();
        steps++;
      }
    } finally {
      this.stopAt = Number.POSITIVE_INFINITY;
    }
    return steps;
  }

  diagnostics(): Record<string, number> {
    return { flow_time: this.time, flow_step: this.lastStep };
  }

  /**
   * The integrator's state besides the factors and the trial step h (`stepSize`): the flow
   * time t, the last accepted step (the `flow_step` column), the rejection count, and the
   * FSAL stage −∇f(x) at the current point when the last step computed it — so that a
   * resumed flow takes the same steps as an uninterrupted one, bit for bit.
   */
  override saveState(): StepperState | null {
    const s = super.saveState();
    if (!s) return null;
    Object.assign(s.scalars, { flow_time: this.time, flow_last_step: this.lastStep, flow_rejected: this.rejected, flow_fsal: this.kValid ? 1 : 0 });
    if (this.kValid) saveVector(s, "flow_fsal_stage", this.k[0]);
    return s;
  }

  override restoreState(state: StepperState): void {
    super.restoreState(state);
    this.time = finiteScalar(state, "flow_time");
    this.lastStep = finiteScalar(state, "flow_last_step");
    this.rejected = finiteScalar(state, "flow_rejected");
    this.kValid = finiteScalar(state, "flow_fsal") === 1;
    if (this.kValid) restoreVector(state, "flow_fsal_stage", this.k[0]);
  }
}

/** `gradient-flow`: the continuous-time limit of GD, by adaptive Dormand–Prince 5(4). */
export const gradientFlowMethod = defineMethod({
  name: "gradient-flow",
  summary: "gradient flow (the η → 0 limit of GD), integrated by the adaptive Dormand–Prince 5(4) pair; one step = one accepted RK step",
  options: {
    tolerance: finite("method.tolerance")
      .pipe(
        z
          .number()
          .min(
            1e-14,
            "method.tolerance must be ≥ 1e-14 (float64 rounding alone leaves a relative local error of about 1e-16 per step, so a smaller " +
              "tolerance cannot be met)",
          )
          .lt(1, "method.tolerance must be < 1"),
      )
      .default(1e-8)
      .describe("gradient-flow: relative local error per Runge–Kutta step, ‖err‖₂ ≤ tolerance·‖x‖₂ (method.stepSize = first trial step)"),
  },
  // 10 vectors of all factor entries (x0, xs, 7 stages, err), two m-vectors, two factor-shaped work matrices
  workspaceBytes: (c) => 8 * (12 * c.model.k * (c.problem.n + c.problem.n2) + 2 * c.operator.m),
  create: (c, operator, y, init) => new GradientFlow(operator, y, init, c.method.stepSize, c.method.tolerance),
});
