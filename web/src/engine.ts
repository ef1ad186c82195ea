/**
 * The explorer's compute session: one or more runs of the library on the same seeded
 * instance(s), advanced in lockstep one iteration at a time with the library's own driver
 * loop ({@link driveStepper}), with live edits (step size, rebalancing trigger, method
 * options, stop rules) applied between iterations and recorded, so that replaying the
 * same state gives bit-identical numbers.
 *
 * Pure of DOM: it runs in the page's Web Worker and, for tests and the speed comparison,
 * in Node.
 */
import {
  ConfigError,
  driveStepper,
  flattenRow,
  type FlatTraceRow,
  type Instance,
  type Matrix,
  type PreparedRun,
  prepareRun,
  resolveConfig,
  type ResolvedConfig,
  type RunStatus,
  setPath,
  type Stepper,
} from "../../src/core.js";
import { type ExplorerState, type LiveEdit, LIVE_PATHS, runConfigInput, runLabels } from "./state.js";
import { EXPLORER_MEMORY_LIMIT, explorerProblems } from "./checks.js";
import { refuseFileInputs } from "./fileInputs.js";

/** Most singular values / imbalance eigenvalues recorded for the views. */
export const MAX_SPECTRUM_COLUMNS = 10;

/** A run that could not start: the problems, each naming its field. */
export class SessionError extends Error {
  constructor(
    readonly run: string,
    readonly problems: { path: string; message: string }[],
  ) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join("\n"));
  }
}

export interface RunSlot {
  /** Legend label: the compare overrides, shortened (`k = 3, identity`; see {@link runLabels}), or "base". */
  label: string;
  overrides: Record<string, unknown>;
  /** The resolved config the run uses (with the record columns the views need). */
  config: ResolvedConfig;
  warnings: string[];
  rows: FlatTraceRow[];
  status?: RunStatus;
  divergedAt?: number;
  /** Events of the method (e.g. "rebalanced at iteration 120"). */
  events: { iteration: number; message: string }[];
  /** Kernel backend that holds the operator ("wasm-simd", "ts", or "none"). */
  backend: string;
  stepper: Stepper;
  instance: Instance;
  /** The driver's stop rules (mutable: live edits of stop.* change them). */
  stop: ResolvedConfig["stop"];
  gen: Generator<void, unknown, void>;
}

/**
 * The resolved config of one run as the explorer runs it: the user's config plus record
 * columns for the views (top singular values of the product, imbalance eigenvalues).
 * These only add columns; the iterates are the same as without them.
 */
export function explorerConfig(input: Record<string, unknown>): ResolvedConfig {
  refuseFileInputs(input);
  const c = resolveConfig(input);
  const k = c.model.k;
  return {
    ...c,
    record: {
      ...c.record,
      singularValues: Math.max(c.record.singularValues, Math.min(k, MAX_SPECTRUM_COLUMNS)),
      imbalanceEigenvalues: c.model.type === "asymmetric" && k <= MAX_SPECTRUM_COLUMNS ? true : c.record.imbalanceEigenvalues,
    },
  };
}

/** Key of the data-determining fields: runs with the same key share one instance. */
function instanceKey(c: ResolvedConfig): string {
  return JSON.stringify([c.seed, c.problem, c.operator, c.model.type === "symmetric"]);
}

/** Sets a live field on a running stepper (fields a method does not have are ignored, as in the config). */
export function applyToStepper(stepper: Stepper, path: string, value: unknown): void {
  const field = path.split(".")[1];
  if (path === "method.stepSize") {
    stepper.stepSize = value as number;
    return;
  }
  const s = stepper as unknown as Record<string, unknown> & { options?: Record<string, unknown> };
  if (field in s) s[field] = value;
  else if (s.options && typeof s.options === "object" && field in s.options) s.options[field] = value;
}

export class Session {
  readonly runs: RunSlot[] = [];
  /** Iterations done by the session (every unfinished run has done exactly this many). */
  t = 0;
  /** Edits applied so far (replayed ones and new ones), in order. */
  readonly edits: LiveEdit[] = [];
  private pending: LiveEdit[];

  /**
   * Builds every run of a state (validating each; throws ConfigError or SessionError naming
   * the run and field). `now` is the clock for the `seconds` column (injected: the math is clock-free).
   */
  constructor(
    state: ExplorerState,
    private readonly now: () => number = () => 0,
  ) {
    const specs = state.runs.length ? state.runs : [{}];
    const instances = new Map<string, Instance>();
    const labels = runLabels(specs);
    for (const [index, overrides] of specs.entries()) {
      const label = labels[index];
      let config: ResolvedConfig;
      const input = runConfigInput(state, overrides);
      try {
        config = explorerConfig(input);
      } catch (e) {
        if (e instanceof ConfigError)
          throw new SessionError(
            label,
            e.issues.map((i) => ({ path: i.path, message: `${i.message}${i.value === undefined ? "" : ` (got ${JSON.stringify(i.value)})`}` })),
          );
        throw e;
      }
      // the CLI's check on the user's config (without the explorer's extra record columns), so the numbers in the message agree
      const problems = explorerProblems(resolveConfig(input), input);
      if (problems.length) throw new SessionError(label, problems);
      // one preparation for every caller (src/run/run.ts); runs with the same data share one instance
      const key = instanceKey(config);
      const slot = { label, overrides, config, rows: [] as FlatTraceRow[] } as RunSlot;
      const stop = { ...config.stop };
      let p: PreparedRun;
      try {
        // the explorer's limit again, on the run's config (with its record columns): a run just under it on the user's config may still be over
        p = prepareRun(config, {
          instance: instances.get(key),
          memoryLimit: EXPLORER_MEMORY_LIMIT,
          now: this.now,
          // the session keeps the flat rows for its charts; the driver keeps none (the memory plan charges the session's)
          keepRows: false,
          callerKeepsRows: true,
          onRecord: (row) => slot.rows.push(flattenRow(row)),
        });
      } catch (e) {
        if (e instanceof ConfigError)
          throw new SessionError(
            label,
            e.issues.map((i) => ({ path: i.path, message: i.message })),
          );
        throw e;
      }
      instances.set(key, p.instance);
      Object.assign(slot, {
        warnings: p.warnings,
        events: p.stepper.events,
        backend: (p.instance.operator as { backend?: string }).backend ?? "none",
        stepper: p.stepper,
        instance: p.instance,
        stop,
        gen: driveStepper(p.stepper, p.instance.truth, { ...p.driverOptions, stop }),
      });
      this.runs.push(slot);
    }
    this.pending = state.edits.slice();
  }

  /** True when every run has stopped. */
  done(): boolean {
    return this.runs.every((r) => r.status !== undefined);
  }

  /** Applies `path = value` to every unfinished run from the next iteration on, and records it. */
  edit(path: string, value: unknown): LiveEdit {
    if (!LIVE_PATHS.includes(path)) throw new RangeError(`${path} cannot change during a run`);
    const e = { at: this.t, path, value };
    this.apply(e);
    return e;
  }

  private apply(e: LiveEdit): void {
    for (const r of this.runs) {
      if (r.status) continue;
      // the edited config must still be valid (e.g. a step size > 0)
      const c = structuredClone(r.config) as unknown as Record<string, unknown>;
      setPath(c, e.path, e.value);
      resolveConfig(c);
      if (e.path.startsWith("stop.")) (r.stop as Record<string, number>)[e.path.slice(5)] = e.value as number;
      else applyToStepper(r.stepper, e.path, e.value);
      setPath(r.config as unknown as Record<string, unknown>, e.path, e.value);
    }
    this.edits.push(e);
  }

  /**
   * Advances every unfinished run by one iteration (the driver measures, tests the stop
   * rules and steps). Scheduled edits for this iteration are applied first. Returns false
   * when all runs have stopped.
   */
  step(): boolean {
    while (this.pending.length && this.pending[0].at <= this.t) this.apply(this.pending.shift()!);
    let active = false;
    for (const r of this.runs) {
      if (r.status) continue;
      const res = r.gen.next();
      if (res.done) {
        const out = res.value as { status: RunStatus; divergedAt?: number };
        r.status = out.status;
        r.divergedAt = out.divergedAt;
      } else active = true;
    }
    if (active) this.t++;
    return active;
  }

  /** Runs until `until` iterations, every run stopped, or `budget()` says stop; returns iterations done. */
  advance(until: number, budget: () => boolean = () => false): number {
    const t0 = this.t;
    while (this.t < until && !this.done()) {
      if (!this.step()) break;
      if (budget()) break;
    }
    return this.t - t0;
  }

  /** The current product FGᵀ / XXᵀ of a run. */
  product(run: number): Matrix {
    return this.runs[run].stepper.product();
  }

  /** M* of a run. */
  truth(run: number): Matrix {
    return this.runs[run].instance.truth.Mstar;
  }

  /** Releases the operators' memory. */
  dispose(): void {
    const seen = new Set<Instance>();
    for (const r of this.runs) {
      if (seen.has(r.instance)) continue;
      seen.add(r.instance);
      (r.instance.operator as { dispose?: () => void }).dispose?.();
    }
  }
}
