/**
 * The method catalogue: one line per method. The config's `method` section, `config
 * --schema`, the stepper factory and the memory planning are folds over this table, so a
 * new method is its own file (exporting a descriptor, see `algorithms/method.ts`) plus one
 * line here.
 */
import { adamMethod } from "../algorithms/adam.js";
import { agnMethod } from "../algorithms/agn.js";
import { gaussNewtonMethod, levenbergMarquardtMethod } from "../algorithms/gaussNewton.js";
import { mirrorDescentMethod } from "../algorithms/mirrorDescent.js";
import { gdMethod } from "../algorithms/gd.js";
import { gradientFlowMethod } from "../algorithms/gradientFlow.js";
import { heavyBallMethod } from "../algorithms/heavyBall.js";
import { precGdMethod } from "../algorithms/precGd.js";
import { scaledGdLambdaMethod, scaledGdMethod } from "../algorithms/scaledGd.js";
import { subgradientL1Method } from "../algorithms/subgradientL1.js";
import { svtMethod } from "../algorithms/svt.js";

export const METHODS = [
  gdMethod,
  scaledGdMethod,
  scaledGdLambdaMethod,
  precGdMethod,
  gradientFlowMethod,
  subgradientL1Method,
  svtMethod,
  heavyBallMethod,
  adamMethod,
  agnMethod,
  gaussNewtonMethod,
  levenbergMarquardtMethod,
  mirrorDescentMethod,
] as const;
