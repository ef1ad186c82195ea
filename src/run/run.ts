/*
 * One run in memory: resolve the config once, build the instance, initial point and
 * stepper, drive the loop, return the trace (runFolder.ts writes it to a folder).
 */
import { type ConfigInput, type ResolvedConfig, resolveConfig } from "../config/schema.js";
import { type DriverOptions, type RunResult, runStepper, runStepperAsync } from "../algorithms/driver.js";
import { createStepper } from "../catalogue/registry.js";
import type { Stepper } from "../algorithms/stepper.js";
import { type Instance, buildInit, buildInstance } from "../catalogue/instance.js";
import { checkRunMemory, defaultMemoryLimit } from "../catalogue/memory.js";
import { diagnosticsContext } from "../metrics/diagnostics.js";
import { type Factors, copyFactors } from "../problem/factors.js";
import { scientificWarnings, stableStepEstimate } from "./warnings.js";

/** Warnings about a config that runs but may mislead (also written to summary.json). */
export function configWarnings(config: ResolvedConfig): string[] {
  const w: string[] = [];
  if (config.model.type !== "symmetric" && config.operator.type === "symmetric-gaussian") {
    w.push(
      "unidentifiable: with symmetric A_i the measurements only see the symmetric part of FGᵀ, so its skew part " +
        "is invisible and ‖FGᵀ − M*‖ can stall while the loss goes to 0; sym_rel_error reports the error of the symmetric part.",
    );
  }
  const factored = config.model.type !== "symmetric";
  if (factored && config.operator.type !== "identity" && config.problem.truth === "general" && config.operator.type === "symmetric-gaussian") {
    w.push("a general (non-symmetric) truth cannot be recovered from symmetric measurements.");
  }
  if (config.problem.truth === "none") {
    w.push('problem.truth "none": there is no M*, so the truth-based columns (abs_error, rel_error, sym_rel_error) are omitted; the loss and, with ' +
      'operator.testFraction > 0, test_rel_error on the held-out entries are recorded.');
  }
  if (config.record.diagnostics && config.method.name === "svt") {
    w.push('record.diagnostics is ignored for method.name "svt": the diagnostics are defined on factors (XXᵀ or FGᵀ), and SVT iterates on a matrix.');
  }
  return w;
}

export { copyFactors };

/** Everything a run produced. */
export interface RunOutput {
  config: ResolvedConfig;
  instance: Instance;
  init: Factors;
  stepper: Stepper;
  result: RunResult;
  warnings: string[];
}

export interface RunHooks extends Omit<DriverOptions, "stop" | "record" | "symmetricPartError" | "stableStep"> {
  /** The caller has checked the run's memory against its own limit (e.g. `--max-memory`): no second check with the default. */
  memoryChecked?: boolean;
  /** Called with the instance and initial point before the first iteration (e.g. to save them). */
  onStart?: (instance: Instance, init: Factors, config: ResolvedConfig) => void;
  /** Called with the stepper before the first iteration (e.g. to restore a checkpoint into it). */
  onStepper?: (stepper: Stepper, config: ResolvedConfig) => void;
}

/** Builds the instance, initial point and stepper of a resolved config (everything before the loop). */
function prepareRun(config: ResolvedConfig, hooks: RunHooks, instance?: Instance) {
  // refuse before allocating, with the byte count (unless the caller checked against its own limit, e.g. --max-memory)
  if (!instance && !hooks.memoryChecked) checkRunMemory(config, defaultMemoryLimit());
  const inst = instance ?? buildInstance(config);
  const warnings = [...configWarnings(config), ...scientificWarnings(config, inst)];
  const x0 = buildInit(config, inst);
  const init = copyFactors(x0);
  hooks.onStart?.(inst, init, config);
  const stepper = createStepper(config, inst, x0);
  hooks.onStepper?.(stepper, config);
  const driverOptions: DriverOptions = {
    ...hooks,
    stop: config.stop,
    record: config.record,
    symmetricPartError: config.model.type !== "symmetric" && inst.operator.symmetricMeasurements,
    ...(inst.heldOut ? { heldOut: inst.heldOut } : {}),
    ...(config.record.diagnostics ? { diagnostics: diagnosticsContext(inst) } : {}),
    // the step-size advice after a divergence stays at most the stable step estimated for gradient descent
    ...(config.method.name === "gd" ? { stableStep: stableStepEstimate(config, inst).eta } : {}),
  };
  return { config, warnings, inst, init, stepper, driverOptions };
}

/**
 * Runs one config end to end: validate and resolve (once: a config {@link resolveConfig}
 * returned is not validated again), build the instance and the initial
 * point from the seed, run the method until a stop condition, and return the trace.
 * Pass `instance` to reuse data across runs that share seed/problem/operator fields.
 */
export function runConfig(input: ConfigInput | ResolvedConfig, hooks: RunHooks = {}, instance?: Instance): RunOutput {
  const p = prepareRun(resolveConfig(input), hooks, instance);
  const result = runStepper(p.stepper, p.inst.truth, p.driverOptions);
  return { config: p.config, instance: p.inst, init: p.init, stepper: p.stepper, result, warnings: p.warnings };
}

/**
 * {@link runConfig} that gives the event loop a turn every ~50 ms of wall time, so that
 * signal handlers (Ctrl-C → `shouldStop`) and timers run during a long run.
 */
export async function runConfigAsync(input: ConfigInput | ResolvedConfig, hooks: RunHooks = {}, instance?: Instance): Promise<RunOutput> {
  const p = prepareRun(resolveConfig(input), hooks, instance);
  const result = await runStepperAsync(p.stepper, p.inst.truth, p.driverOptions);
  return { config: p.config, instance: p.inst, init: p.init, stepper: p.stepper, result, warnings: p.warnings };
}
