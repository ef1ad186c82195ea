import type { RecordConfig, StopConfig } from "../io/config-fields.js";
import { frobeniusNorm } from "../linalg/matrix.js";
import { symmetricEigenvalues } from "../linalg/eig.js";
import { singularValues } from "../linalg/svd.js";
import {
  absoluteError,
  effectiveRank,
  nuclearNorm,
  errorAndImbalance,
  heldOutRelError,
  imbalance,
  truthNorm,
  lossOf,
  productSingularValues,
  symmetricPartRelError,
} from "../metrics/metrics.js";
import { type DiagnosticsContext, stepperDiagnostics } from "../metrics/diagnostics.js";
import type { GroundTruth } from "../problem/truth.js";
import type { HeldOutEntries } from "../operators/completionFile.js";
import type { Stepper, StepperEvent } from "./stepper.js";
import { LossWatch, NonFiniteError, nonFiniteQuantity } from "./guards.js";

/** Why a run ended. */
export type RunStatus = "converged" | "max-iterations" | "time-limit" | "diverged" | "interrupted";

/** The columns every run records, and those of known meaning that some runs record. */
export interface TraceColumns {
  iteration: number;
  /** Wall-clock seconds since the start (the only column that is not a function of the config). */
  seconds: number;
  /** ½‖A(P) − y‖². */
  loss: number;
  /** ‖P − M*‖_F. */
  abs_error: number;
  /** ‖P − M*‖_F / ‖M*‖_F. */
  rel_error: number;
  /** FGᵀ only: ‖FᵀF − GᵀG‖_F. */
  imbalance_norm?: number;
  /** Asymmetric model with symmetric measurements: the relative error of the symmetric part. */
  sym_rel_error?: number;
}

/**
 * One recorded iteration: the known columns typed, the others (`sv_i`, `imb_eig_i`, method
 * diagnostics such as `damping`, `rank`, `flow_time`) in `extra`, by column name.
 */
export interface TraceRow extends TraceColumns {
  extra: Record<string, number>;
}

/** A trace row as one flat record (the columns of metrics.csv and summary.json `final`). */
export type FlatTraceRow = TraceColumns & { [column: string]: number | undefined };

/** The flat record of a row: known columns first, then the extra ones. */
export function flattenRow(row: TraceRow): FlatTraceRow {
  const { extra, ...known } = row;
  return { ...known, ...extra };
}

export interface DriverOptions {
  stop: StopConfig;
  record: RecordConfig;
  /** Also record sym_rel_error (set when the skew part is unidentifiable). */
  symmetricPartError?: boolean;
  /** `record.diagnostics`: the operator and noise the per-iteration diagnostics need (see metrics/diagnostics.ts). */
  diagnostics?: DiagnosticsContext;
  /** Monotonic clock in seconds (injected: the math stays clock-free). Default: always 0. */
  now?: () => number;
  /**
   * `stop.noiseFloor`: status "converged" once rel_error ≤ this (c times the estimated noise floor over ‖M*‖_F,
   * see run/noiseStop.ts); absent or 0: off. Tested like targetRelError, at every iteration (no history, so a
   * resumed run stops where an uninterrupted one does).
   */
  noiseStopRelError?: number;
  /** Called with every recorded row, in order (e.g. to stream metrics.csv). */
  onRecord?: (row: TraceRow) => void;
  /**
   * Keep every recorded row in {@link RunResult.rows} (default true). false: `rows` stays empty and the
   * driver holds only the last row (`final`), so its memory does not grow with the number of recorded rows
   * (e.g. `stop.maxIterations = 1e9`); the rows reach the caller through `onRecord` only (executeRun streams
   * them to metrics.csv and never keeps them).
   */
  keepRows?: boolean;
  /** Called after every iteration (progress bars). */
  onIteration?: (iteration: number, relError: number) => void;
  /** Polled every iteration; returning true ends the run with status "interrupted". */
  shouldStop?: () => boolean;
  /** Held-out observed entries: each row records test_rel_error = ‖P_T(P) − M_T‖_F/‖M_T‖_F over them. */
  heldOut?: HeldOutEntries;
  /**
   * {@link runStepperAsync} gives the event loop a turn after an iteration when this many
   * seconds passed since the last turn (default 0.05; 0: after every iteration, so runs that
   * share a batched operator advance in lockstep).
   */
  yieldEverySeconds?: number;
  /** Seconds already spent before this call (a resumed run continues its clock). Default 0. */
  startSeconds?: number;
  /**
   * First iteration to record (a resumed run passes the first point of the record schedule
   * at or after its starting iteration, see {@link firstRecordAtOrAfter}). Default 0.
   */
  firstRecord?: number;
  /** An estimate of the largest stable step size (gradient descent): the step-size advice after loss increases never exceeds it. */
  stableStep?: number;
}

export interface RunResult {
  status: RunStatus;
  /** Completed iterations. */
  iterations: number;
  /** Iteration at which divergence was detected, if it was. */
  divergedAt?: number;
  /** What blew up when the run diverged, e.g. "loss = Infinity", "rel_error = 2e6 > stop.divergenceRelError". */
  divergedQuantity?: string;
  /** Things the user should know about the run (e.g. a loss that kept increasing). */
  warnings?: string[];
  /** Every recorded row in order; empty when the run was driven with `keepRows: false` (then read metrics.csv). */
  rows: TraceRow[];
  /** The last recorded row (the final point). */
  final: TraceRow;
  events: StepperEvent[];
  seconds: number;
}

/**
 * The iteration after `t` at which to record: t + every (linear), or the next of about
 * `perDecade` log-spaced points per decade (always at least t + 1).
 */
export function nextRecordIteration(t: number, record: RecordConfig): number {
  if (record.schedule === "linear") return t + record.every;
  if (t === 0) return 1;
  return Math.max(t + 1, Math.floor(t * Math.pow(10, 1 / record.perDecade)));
}

/** The first iteration ≥ t on the record schedule that starts at iteration 0. */
export function firstRecordAtOrAfter(t: number, record: RecordConfig): number {
  let r = 0;
  while (r < t) r = nextRecordIteration(r, record);
  return r;
}

/** lossOf(residual()) at the stepper's current point (the stepper's own when it has it from the residual's pass). */
function currentLoss(stepper: Stepper): number {
  return stepper.loss ? stepper.loss() : lossOf(stepper.residual());
}

/** Full metrics of the stepper's current point. */
export function measure(
  stepper: Stepper,
  truth: GroundTruth,
  normMstar: number,
  seconds: number,
  opts: Pick<DriverOptions, "record" | "symmetricPartError" | "diagnostics" | "heldOut">,
): TraceRow {
  const x = stepper.factors();
  const measured = x && !truth.absent ? errorAndImbalance(x, () => stepper.product(), truth) : null;
  const abs = truth.absent ? NaN : measured ? measured.abs : frobeniusDistanceOf(stepper, truth);
  const row: TraceRow = {
    iteration: stepper.iteration,
    seconds,
    loss: currentLoss(stepper),
    abs_error: abs,
    rel_error: abs / normMstar,
    extra: {},
  };
  if (truth.absent) {
    // no M*: the truth-based columns are not recorded (summary.json says so)
    delete (row as Partial<TraceRow>).abs_error;
    delete (row as Partial<TraceRow>).rel_error;
  }
  if (opts.heldOut) {
    row.extra.test_rel_error = !x
      ? heldOutRelError(opts.heldOut, stepper.product(), null)
      : x.kind === "symmetric"
        ? heldOutRelError(opts.heldOut, x.X, x.X)
        : heldOutRelError(opts.heldOut, x.F, x.G);
  }
  if (opts.symmetricPartError && !truth.absent) row.sym_rel_error = symmetricPartRelError(stepper.product(), truth.Mstar);
  // spectral diagnostics of an iterate that overflowed are NaN (the row then reads as diverged)
  const finiteErrors = Number.isFinite(row.loss) && (truth.absent || Number.isFinite(row.rel_error));
  if (x && x.kind === "asymmetric") {
    const imb = measured?.imbalance ?? imbalance(x.F, x.G);
    row.imbalance_norm = frobeniusNorm(imb);
    if (opts.record.imbalanceEigenvalues) {
      const ev = Number.isFinite(row.imbalance_norm) ? symmetricEigenvalues(imb) : new Float64Array(x.F.cols).fill(NaN);
      ev.forEach((v, i) => (row.extra[`imb_eig_${i + 1}`] = v));
    }
  }
  if (opts.record.effectiveRank || opts.record.nuclearNorm) {
    const usable = Number.isFinite(row.loss) && (truth.absent || Number.isFinite(row.rel_error));
    // one set of singular values of the product serves both columns
    const sv = usable ? (x ? productSingularValues(x) : singularValues(stepper.product())) : null;
    if (opts.record.effectiveRank) row.extra.effective_rank = sv ? effectiveRank(sv) : NaN;
    if (opts.record.nuclearNorm) row.extra.nuclear_norm = sv ? nuclearNorm(sv) : NaN;
  }
  const nsv = opts.record.singularValues;
  if (nsv > 0) {
    // the product's singular values: from the factors, or of the matrix iterate X itself (svt, mirror-descent)
    const sv = !finiteErrors ? new Float64Array(nsv).fill(NaN) : x ? productSingularValues(x) : singularValues(stepper.product());
    for (let i = 0; i < nsv; i++) row.extra[`sv_${i + 1}`] = i < sv.length ? sv[i] : 0;
  }
  if (opts.diagnostics && x) Object.assign(row.extra, stepperDiagnostics(stepper, x, truth, normMstar, abs, opts.diagnostics));
  if (stepper.diagnostics) Object.assign(row.extra, stepper.diagnostics());
  return row;
}

function frobeniusDistanceOf(stepper: Stepper, truth: GroundTruth): number {
  const P = stepper.product().data,
    M = truth.Mstar.data;
  const d = new Float64Array(P.length);
  for (let i = 0; i < d.length; i++) d[i] = P[i] - M[i];
  return frobeniusNorm({ rows: 1, cols: d.length, data: d });
}

function rowIsFinite(row: TraceRow): boolean {
  for (const v of Object.values(flattenRow(row))) if (!Number.isFinite(v)) return false;
  return true;
}

/**
 * The driver loop as a generator that yields after every iteration, so the same loop can
 * run synchronously ({@link runStepper}) or give the event loop a turn now and then
 * ({@link runStepperAsync}, used by the CLI so that Ctrl-C is seen mid-run).
 */
export function* driveStepper(stepper: Stepper, truth: GroundTruth, opts: DriverOptions): Generator<void, RunResult, void> {
  const now = opts.now ?? (() => 0);
  const { stop } = opts;
  const noiseStop = opts.noiseStopRelError ?? 0;
  const normMstar = truth.absent ? NaN : truthNorm(truth);
  const rows: TraceRow[] = [];
  const keepRows = opts.keepRows !== false;
  const t0 = now() - (opts.startSeconds ?? 0);
  let nextRecord = opts.firstRecord ?? 0;
  let status: RunStatus | undefined;
  let divergedAt: number | undefined;
  let divergedQuantity: string | undefined;
  let lastRow: TraceRow | undefined;
  const watch = new LossWatch(stepper, opts.stableStep);

  const record = (row: TraceRow) => {
    if (keepRows) rows.push(row);
    lastRow = row;
    opts.onRecord?.(row);
  };

  for (;;) {
    const t = stepper.iteration;
    const elapsed = now() - t0;
    let row: TraceRow | undefined;
    if (t >= nextRecord) {
      row = measure(stepper, truth, normMstar, elapsed, opts);
      nextRecord = nextRecordIteration(t, opts.record);
    }
    // stopping tests at the current point
    let relError: number;
    let finite: boolean;
    let loss: number;
    if (truth.absent) {
      // no M*: only the loss (and the recorded columns) decide divergence
      relError = NaN;
      loss = row ? row.loss : currentLoss(stepper);
      finite = row ? rowIsFinite(row) : Number.isFinite(loss);
    } else if (row) {
      relError = row.rel_error;
      loss = row.loss;
      finite = rowIsFinite(row);
    } else {
      loss = currentLoss(stepper);
      const x = stepper.factors();
      relError = (x ? absoluteError(x, () => stepper.product(), truth) : frobeniusDistanceOf(stepper, truth)) / normMstar;
      finite = Number.isFinite(loss) && Number.isFinite(relError);
    }
    watch.observe(t, loss);
    if (!finite || relError > stop.divergenceRelError) {
      status = "diverged";
      divergedAt = t;
      watch.diverged();
      divergedQuantity = finite
        ? `rel_error = ${relError} > stop.divergenceRelError = ${stop.divergenceRelError}`
        : nonFiniteQuantity(
            stepper,
            row
              ? (flattenRow(row) as Record<string, number>)
              : { iteration: t, seconds: elapsed, loss, ...(truth.absent ? {} : { abs_error: NaN, rel_error: relError }) },
          );
    } else if (stop.targetRelError > 0 && relError <= stop.targetRelError) status = "converged";
    else if (noiseStop > 0 && relError <= noiseStop) status = "converged";
    else if ((stop.targetLoss ?? 0) > 0 && loss <= stop.targetLoss!) status = "converged";
    else if (t >= stop.maxIterations) status = "max-iterations";
    else if (stop.maxSeconds > 0 && elapsed >= stop.maxSeconds) status = "time-limit";
    else if (opts.shouldStop?.()) status = "interrupted";

    if (status) {
      if (!row) row = measure(stepper, truth, normMstar, elapsed, opts);
      record(row);
      break;
    }
    if (row) record(row);
    try {
      stepper.step();
    } catch (e) {
      // a step that fails on non-finite input (e.g. a Cholesky of an overflowed Gram
      // matrix) is a divergence, not a failure of the tool
      if (!(e instanceof NonFiniteError)) throw e;
      status = "diverged";
      divergedAt = t;
      divergedQuantity = e.quantity;
      if (!row) record(measure(stepper, truth, normMstar, now() - t0, opts));
      break;
    }
    opts.onIteration?.(stepper.iteration, relError);
    yield;
  }
  return {
    status,
    iterations: stepper.iteration,
    divergedAt,
    ...(divergedQuantity !== undefined ? { divergedQuantity } : {}),
    ...(watch.warning ? { warnings: [watch.warning] } : {}),
    rows,
    final: lastRow!,
    events: stepper.events,
    seconds: now() - t0,
  };
}

/**
 * Runs a stepper until a stop condition: max iterations, target relative error, time
 * budget, divergence (a non-finite metric or a relative error above
 * stop.divergenceRelError ⇒ status "diverged" with the iteration), or an interrupt.
 * Iteration 0 (the initial point) is always recorded, and so is the last iteration.
 */
export function runStepper(stepper: Stepper, truth: GroundTruth, opts: DriverOptions): RunResult {
  const g = driveStepper(stepper, truth, opts);
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
  }
}

/**
 * {@link runStepper}, giving the event loop a turn every `yieldEverySeconds` of wall time
 * (measured with `opts.now`), so signal handlers and timers run during a long run.
 */
export async function runStepperAsync(
  stepper: Stepper,
  truth: GroundTruth,
  opts: DriverOptions,
  yieldEverySeconds = opts.yieldEverySeconds ?? 0.05,
): Promise<RunResult> {
  const now = opts.now ?? (() => 0);
  const g = driveStepper(stepper, truth, opts);
  let last = now();
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
    const t = now();
    if (t - last >= yieldEverySeconds) {
      // every iteration (lockstep runs): setImmediate, which has no timer's ~1 ms floor
      await new Promise<void>((resolve) => (yieldEverySeconds === 0 ? setImmediate(resolve) : setTimeout(resolve, 0)));
      last = t;
    }
  }
}
