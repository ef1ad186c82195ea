import type { ResolvedConfig } from "../io/config.js";
import type { Factors, Instance } from "../problem/instance.js";
import { GradientDescentAsymmetric, GradientDescentSymmetric } from "./gd.js";
import { GradientFlow } from "./gradientFlow.js";
import { PreconditionedGradientDescentAdaptive } from "./precGd.js";
import { ScaledGradientDescent, ScaledGradientDescentLambda } from "./scaledGd.js";
import type { Stepper } from "./stepper.js";
import { SubgradientL1 } from "./subgradientL1.js";
import { SingularValueThresholding } from "./svt.js";

/**
 * The stepper for a resolved config's method on an instance, starting from `init`
 * (the init factors are used in place and become the iterates). Options of other
 * methods are ignored; svt ignores `init` (it starts from Y₀ = 0).
 */
export function createStepper(config: ResolvedConfig, instance: Instance, init: Factors): Stepper {
  const { operator, y } = instance;
  const m = config.method;
  switch (m.name) {
    case "gd":
      return init.kind === "symmetric"
        ? new GradientDescentSymmetric(operator, y, init.X, m.stepSize)
        : new GradientDescentAsymmetric(operator, y, init.F, init.G, m.stepSize, {
          balanceWeight: m.balanceWeight,
          rebalanceAtIteration: m.rebalanceAtIteration,
          rebalanceBelowRelResidual: m.rebalanceBelowRelResidual,
        });
    case "scaled-gd":
      return new ScaledGradientDescent(operator, y, init, m.stepSize);
    case "scaled-gd-lambda":
      return new ScaledGradientDescentLambda(operator, y, init, m.stepSize, m.lambda);
    case "precgd":
      return new PreconditionedGradientDescentAdaptive(operator, y, init, m.stepSize, { dampingScale: m.dampingScale, dampingFloor: m.dampingFloor });
    case "gradient-flow":
      return new GradientFlow(operator, y, init, m.stepSize, m.tolerance);
    case "subgradient-l1":
      return new SubgradientL1(operator, y, init, m.stepSize, m.decay);
    case "svt":
      return new SingularValueThresholding(operator, y, m.stepSize, m.tau);
    default: {
      const name: never = m.name;
      throw new RangeError(`method.name "${String(name)}" is not implemented`);
    }
  }
}
