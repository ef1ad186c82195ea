/*
 * One run in memory: resolve the config once, build the instance, initial point and
 * stepper, drive the loop, return the trace (runFolder.ts writes it to a folder).
 */
import { type ConfigInput, type ResolvedConfig, resolveConfig } from "../config/schema.js";
import { type DriverOptions, type RunResult, runStepper, runStepperAsync } from "../algorithms/driver.js";
import { createStepper, methodFacts, operatorFacts } from "../catalogue/registry.js";
import type { Stepper } from "../algorithms/stepper.js";
import { type Instance, buildInit, buildInstanceSteps } from "../catalogue/instance.js";
import { type Steps, runSteps, runStepsAsync } from "../io/turns.js";
import type { RunContext } from "../catalogue/context.js";
import { type RunMemory, checkRunMemory, defaultMemoryLimit, runMemory } from "../catalogue/memory.js";
import { diagnosticsContext } from "../metrics/diagnostics.js";
import { type Factors, copyFactors } from "../problem/factors.js";
import { scientificWarnings, stableStepEstimate } from "./warnings.js";
import { noiseStopRule } from "./noiseStop.js";
import type { NoiseStopRecord } from "../metrics/noiseFloor.js";
import { truthNorm } from "../metrics/metrics.js";

/** Warnings about a config that runs but may mislead (also written to summary.json). */
export function configWarnings(config: ResolvedConfig): string[] {
  const w: string[] = [];
  const symmetricMeasurements = operatorFacts(config).symmetricMeasurements;
  if (config.model.type !== "symmetric" && symmetricMeasurements) {
    w.push(
      "unidentifiable: with symmetric A_i the measurements only see the symmetric part of FGᵀ, so its skew part " +
        "is invisible and ‖FGᵀ − M*‖ can stall while the loss goes to 0; sym_rel_error reports the error of the symmetric part.",
    );
  }
  if (config.model.type !== "symmetric" && config.problem.truth === "general" && symmetricMeasurements) {
    w.push("a general (non-symmetric) truth cannot be recovered from symmetric measurements.");
  }
  if (config.problem.truth === "none") {
    w.push(
      'problem.truth "none": there is no M*, so the truth-based columns (abs_error, rel_error, sym_rel_error) are omitted; the loss and, with ' +
        "operator.testFraction > 0, test_rel_error on the held-out entries are recorded.",
    );
  }
  if (config.record.diagnostics && !methodFacts(config).factored) {
    w.push(
      `record.diagnostics is ignored for method.name "${config.method.name}": ` +
        "the diagnostics are defined on factors (XXᵀ or FGᵀ), and it iterates on a matrix.",
    );
  }
  return w;
}

export { copyFactors };
export { InterruptedError } from "../io/turns.js";

/** Everything a run produced. */
export interface RunOutput {
  config: ResolvedConfig;
  instance: Instance;
  init: Factors;
  stepper: Stepper;
  result: RunResult;
  warnings: string[];
  /** What `stop.noiseFloor` used (absent when the rule is off). */
  noiseStop?: NoiseStopRecord;
}

export interface RunHooks extends Omit<DriverOptions, "stop" | "record" | "symmetricPartError" | "stableStep"> {
  /** Called with the instance and initial point before the first iteration (e.g. to save them). */
  onStart?: (instance: Instance, init: Factors, config: ResolvedConfig) => void;
  /** Called with the stepper before the first iteration (e.g. to restore a checkpoint into it). */
  onStepper?: (stepper: Stepper, config: ResolvedConfig) => void;
  /**
   * Refuse a run that would allocate more than this many bytes in all (default {@link
   * defaultMemoryLimit}); not checked when an `instance` is reused.
   */
  memoryLimit?: number;
  /**
   * The context the run's operator is built in (kernel thread cap, FWHT block, operator
   * provider; default: `runContext()`, no provider and no cap): created by the caller, never process-wide.
   */
  context?: RunContext;
}

/** Options of {@link prepareRun}: the hooks of the run, the caller's memory limit, a reused instance. */
export interface PrepareOptions extends RunHooks {
  /** Reuse an already built instance (same seed/problem/operator): no memory check, no draws. */
  instance?: Instance;
  /** Told once when a config.json of an earlier version had options of other entries dropped. */
  onNotice?: (message: string) => void;
  /**
   * The caller keeps every row it gets through `onRecord` (the explorer's charts): the memory plan charges
   * them although the driver, with `keepRows: false`, keeps none.
   */
  callerKeepsRows?: boolean;
}

/** A run ready for its loop: the resolved config, its warnings and memory plan, the instance, initial point and stepper. */
export interface PreparedRun {
  config: ResolvedConfig;
  warnings: string[];
  /** What the run allocates, item by item (the plan checked against the memory limit). */
  memory: RunMemory;
  instance: Instance;
  /** A copy of the initial point (the stepper iterates in place on another). */
  init: Factors;
  stepper: Stepper;
  driverOptions: DriverOptions;
  /** What `stop.noiseFloor` uses (absent when the rule is off). */
  noiseStop?: NoiseStopRecord;
}

/**
 * Everything before the loop, for every caller (the CLI's `run`, sweeps, the queue worker,
 * Slurm shards, the explorer): resolve the config (once), plan its memory and refuse it
 * against the caller's `memoryLimit` (e.g. `--max-memory`; checked once, here) naming the
 * item that costs the bytes (before anything is allocated; skipped for a reused instance),
 * build the instance (its operator in the caller's `context`), the warnings, the noise-floor stop rule, the initial point and the
 * stepper, and the driver's options (held-out entries, the stable step that caps the
 * step-size advice, the noise stop). A long operator build polls `options.shouldStop` between
 * its blocks (about every 50 ms) and ends with {@link InterruptedError} when it returns true
 * (see {@link prepareRunAsync}).
 */
export function prepareRun(input: ConfigInput | ResolvedConfig, options: PrepareOptions = {}): PreparedRun {
  return runSteps(prepareSteps(input, options), options.shouldStop);
}

/**
 * {@link prepareRun} that gives the event loop a turn every ~50 ms of a long operator build (e.g.
 * 10⁸ Gaussian draws), so that a signal handler setting `options.shouldStop` is answered within
 * about 0.1 s: the build then ends with {@link InterruptedError}, its memory released, before the
 * run's `onStart` (nothing written). The prepared run is the same, bit for bit.
 */
export function prepareRunAsync(input: ConfigInput | ResolvedConfig, options: PrepareOptions = {}): Promise<PreparedRun> {
  return runStepsAsync(prepareSteps(input, options), options.shouldStop);
}

/** {@link prepareRun} in steps (those of the instance's build). */
function* prepareSteps(input: ConfigInput | ResolvedConfig, options: PrepareOptions): Steps<PreparedRun> {
  const config = resolveConfig(input, { onNotice: options.onNotice });
  // the rows cost memory when the driver keeps them (the library's default) or the caller does
  const retention = { keepRows: options.keepRows !== false || options.callerKeepsRows === true };
  const memory = runMemory(config, retention);
  if (!options.instance) checkRunMemory(config, options.memoryLimit ?? defaultMemoryLimit(), input, retention);
  const instance = options.instance ?? (yield* buildInstanceSteps(config, options.context));
  let warnings: string[], noiseStop: NoiseStopRecord | undefined, x0: Factors;
  try {
    warnings = [...configWarnings(config), ...scientificWarnings(config, instance)];
    // ‖M*‖_F only when the rule is on (a run with problem.truth "none" has no M*; resolveConfig refuses stop.noiseFloor there)
    noiseStop = noiseStopRule(config, () => truthNorm(instance.truth));
    x0 = buildInit(config, instance);
  } catch (e) {
    // nobody else holds the operator built here yet (the caller gets it from onStart or the result)
    if (!options.instance) instance.operator.dispose();
    throw e;
  }
  const init = copyFactors(x0);
  options.onStart?.(instance, init, config);
  const stepper = createStepper(config, instance, x0);
  options.onStepper?.(stepper, config);
  const { instance: _i, onNotice: _n, memoryLimit: _l, onStart: _s, onStepper: _t, context: _c, callerKeepsRows: _k, ...hooks } = options;
  const driverOptions: DriverOptions = {
    ...hooks,
    stop: config.stop,
    record: config.record,
    symmetricPartError: config.model.type !== "symmetric" && instance.operator.symmetricMeasurements,
    ...(instance.heldOut ? { heldOut: instance.heldOut } : {}),
    ...(config.record.diagnostics ? { diagnostics: diagnosticsContext(instance) } : {}),
    // the step-size advice after a divergence stays at most the stable step estimated for gradient descent
    ...(methodFacts(config).gdStepRule ? { stableStep: stableStepEstimate(config, instance).eta } : {}),
    ...(noiseStop ? { noiseStopRelError: noiseStop.stopRelError } : {}),
  };
  return { config, warnings, memory, instance, init, stepper, driverOptions, ...(noiseStop ? { noiseStop } : {}) };
}

/** RunOutput.noiseStop: the rule's record, `stopped` when it ended the run (converged, and not by stop.targetRelError). */
function noiseStopOutput(rule: NoiseStopRecord | undefined, result: RunResult, target: number): { noiseStop?: NoiseStopRecord } {
  if (!rule) return {};
  const rel = result.final.rel_error;
  const byTarget = target > 0 && rel <= target;
  return { noiseStop: { ...rule, stopped: result.status === "converged" && !byTarget && rule.stopRelError > 0 && rel <= rule.stopRelError } };
}

/**
 * Runs one config end to end: validate and resolve (once: a config {@link resolveConfig}
 * returned is not validated again), build the instance and the initial
 * point from the seed, run the method until a stop condition, and return the trace.
 * Pass `instance` to reuse data across runs that share seed/problem/operator fields.
 */
export function runConfig(input: ConfigInput | ResolvedConfig, hooks: RunHooks = {}, instance?: Instance): RunOutput {
  const p = prepareRun(input, { ...hooks, instance });
  const result = runStepper(p.stepper, p.instance.truth, p.driverOptions);
  const noiseStop = noiseStopOutput(p.noiseStop, result, p.config.stop.targetRelError);
  return { config: p.config, instance: p.instance, init: p.init, stepper: p.stepper, result, warnings: p.warnings, ...noiseStop };
}

/**
 * {@link runConfig} that gives the event loop a turn every ~50 ms of wall time, so that
 * signal handlers (Ctrl-C → `shouldStop`) and timers run during a long run — and during a long
 * operator build, which a stop request ends with {@link InterruptedError} (see {@link prepareRunAsync}).
 */
export async function runConfigAsync(input: ConfigInput | ResolvedConfig, hooks: RunHooks = {}, instance?: Instance): Promise<RunOutput> {
  const p = await prepareRunAsync(input, { ...hooks, instance });
  const result = await runStepperAsync(p.stepper, p.instance.truth, p.driverOptions);
  const noiseStop = noiseStopOutput(p.noiseStop, result, p.config.stop.targetRelError);
  return { config: p.config, instance: p.instance, init: p.init, stepper: p.stepper, result, warnings: p.warnings, ...noiseStop };
}
