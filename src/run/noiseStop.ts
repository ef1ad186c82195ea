import type { ResolvedConfig } from "../config/schema.js";
import { ConfigError } from "../io/config-fields.js";
import { type NoiseStopRecord, modelDegreesOfFreedom, noiseFloorEstimate, noiseFloorSetting } from "../metrics/noiseFloor.js";

/**
 * The `stop.noiseFloor` rule of a config: the floor estimate F = s·√(d·m/(m − d − 1)) (s√d for identity; see
 * noiseFloorEstimate) and the relative error c·F/‖M*‖_F at which the run stops; undefined when the rule is off.
 * Without noise the record has floor 0 and the rule is inert. Throws a ConfigError when the rule is on, the
 * measurements are noisy and no floor estimate holds for the operator/model. Pure.
 */
export function noiseStopRule(config: ResolvedConfig, normMstar: () => number): NoiseStopRecord | undefined {
  const c = config.stop.noiseFloor ?? 0;
  if (c === 0) return undefined;
  const setting = noiseFloorSetting(config as unknown as Record<string, unknown>)!;
  if (!(setting.noise > 0)) {
    const { dof } = modelDegreesOfFreedom(setting);
    return { multiple: c, floor: 0, relFloor: 0, stopRelError: 0, dof, formula: "problem.noise = 0: no floor, the rule is inert" };
  }
  const est = noiseFloorEstimate(setting);
  if (!est) {
    throw new ConfigError([
      {
        path: "stop.noiseFloor",
        value: c,
        message:
          setting.truth === "none"
            ? 'needs an M* to measure the error against (problem.truth is "none"); remove stop.noiseFloor'
            : `no noise-floor estimate for operator.type "${setting.operator}" with model.type "${setting.model}" and m = ${setting.m} ` +
              `(estimates exist for gaussian, symmetric-gaussian with the symmetric model, and identity, with m > d + 1); remove stop.noiseFloor`,
      },
    ]);
  }
  const relFloor = est.abs / normMstar();
  return { multiple: c, floor: est.abs, relFloor, stopRelError: c * relFloor, dof: est.dof, formula: est.formula };
}
