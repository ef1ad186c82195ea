import type { z } from "zod";
import type { MethodDescriptor } from "../algorithms/method.js";
import type { Stepper } from "../algorithms/stepper.js";
import { type ResolvedConfig, methodDescriptor, operatorDescriptor } from "../config/schema.js";
import type { OperatorDescriptor } from "../operators/operator.js";
import { METHODS } from "./methods.js";
import type { Factors } from "../problem/factors.js";
import type { Instance } from "./instance.js";

/**
 * The stepper for a resolved config's method on an instance, from the method's catalogue
 * entry, starting from `init` (the init factors are used in place and become the
 * iterates). Options of other methods are ignored; svt ignores `init` (it starts from Y₀ = 0).
 */
export function createStepper(config: ResolvedConfig, instance: Pick<Instance, "operator" | "y">, init: Factors): Stepper {
  const d = methodDescriptor(config.method.name) as MethodDescriptor<string, z.ZodRawShape>;
  return d.create(config as never, instance.operator, instance.y, init);
}

type AnyOperator = OperatorDescriptor<string, z.ZodRawShape>;

/**
 * Facts about a resolved config's operator from its catalogue entry: whether it takes
 * `operator.m`, whether its measurements only see the symmetric part of the product, and
 * whether its fused pass forms S = A*(r) densely (see {@link OperatorDescriptor}).
 */
export function operatorFacts(config: ResolvedConfig): { takesM: boolean; isometry: boolean; symmetricMeasurements: boolean; fusedPass: boolean } {
  const d = operatorDescriptor(config.operator.type) as AnyOperator;
  return {
    takesM: d.takesM !== false,
    isometry: d.isometry === true,
    symmetricMeasurements: d.symmetricMeasurements?.(config as never) ?? false,
    fusedPass: d.fusedPass?.(config as never) ?? false,
  };
}

/** The method options that may change while a run is going: `method.stepSize` and every method's `live` options. */
export function liveMethodPaths(): string[] {
  return ["method.stepSize", ...new Set(METHODS.flatMap((m) => ((m as { live?: readonly string[] }).live ?? []).map((k) => `method.${k}`)))];
}

/** Facts about a resolved config's method from its catalogue entry: whether it iterates on factors (default true). */
export function methodFacts(config: ResolvedConfig): { factored: boolean; gdStepRule: boolean } {
  const d = methodDescriptor(config.method.name) as { factored?: boolean; gdStepRule?: boolean };
  return { factored: d.factored !== false, gdStepRule: d.gdStepRule === true };
}
