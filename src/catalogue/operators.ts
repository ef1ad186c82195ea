/**
 * The operator catalogue: one line per `operator.type`. The config's `operator` section,
 * the instance builder, the memory check and the docs are folds over this table, so a new
 * operator is its own file (exporting a descriptor, see `operators/operator.ts`) plus one
 * line here.
 */
import { completionDescriptor } from "../operators/completion.js";
import { denseFileDescriptor } from "../operators/denseFile.js";
import { completionFileDescriptor } from "../operators/completionFile.js";
import { gaussianDescriptor, symmetricGaussianDescriptor } from "../operators/gaussian.js";
import { identityDescriptor } from "../operators/identity.js";
import { rankOneDescriptor } from "../operators/rankOne.js";
import { srhtDescriptor } from "../operators/srht.js";

export const OPERATORS = [
  gaussianDescriptor,
  symmetricGaussianDescriptor,
  identityDescriptor,
  completionDescriptor,
  rankOneDescriptor,
  srhtDescriptor,
  denseFileDescriptor,
  completionFileDescriptor,
] as const;
