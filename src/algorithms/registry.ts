import type { ResolvedConfig } from "../io/config.js";
import type { Factors, Instance } from "../problem/instance.js";
import { GradientDescentAsymmetric, GradientDescentSymmetric } from "./gd.js";
import type { Stepper } from "./stepper.js";

/**
 * The stepper for a resolved config's method on an instance, starting from `init`
 * (the init factors are used in place and become the iterates).
 */
export function createStepper(config: ResolvedConfig, instance: Instance, init: Factors): Stepper {
  const { operator, y } = instance;
  const m = config.method;
  switch (m.name) {
    case "gd":
      return init.kind === "symmetric"
        ? new GradientDescentSymmetric(operator, y, init.X, m.stepSize)
        : new GradientDescentAsymmetric(operator, y, init.F, init.G, m.stepSize);
    default: {
      const name: never = m.name;
      throw new RangeError(`method.name "${String(name)}" is not implemented`);
    }
  }
}
