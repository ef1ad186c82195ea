import type { z } from "zod";
import type { MethodDescriptor } from "../algorithms/method.js";
import type { Stepper } from "../algorithms/stepper.js";
import { type ResolvedConfig, methodDescriptor } from "../config/schema.js";
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
