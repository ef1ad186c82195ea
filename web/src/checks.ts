/**
 * Configurations the library accepts but the explorer refuses, each with a message that
 * names the field and says why (shown inline next to the field; the run does not start).
 * Pure module.
 */
import type { ResolvedConfig } from "../../src/config/schema.js";
import { operatorBytes } from "../../src/catalogue/instance.js";
import { operatorFacts } from "../../src/catalogue/registry.js";
import { degreesOfFreedom } from "../../src/run/warnings.js";

export { degreesOfFreedom };

export interface FieldProblem {
  path: string;
  message: string;
}

/** Largest operator the explorer builds in the browser (bytes); bigger runs belong to the CLI. */
export const EXPLORER_MAX_OPERATOR_BYTES = 256 * 1024 * 1024;
/** Largest run (everything it allocates, the library's memory plan) the explorer prepares. */
export const EXPLORER_MAX_RUN_BYTES = 1024 * 1024 * 1024;

/** Explorer-level problems of a resolved config (empty when it may run). */
export function explorerProblems(c: ResolvedConfig): FieldProblem[] {
  const out: FieldProblem[] = [];
  const { n, n2 } = c.problem;
  const k = c.model.k;
  if (k > Math.min(n, n2)) {
    out.push({
      path: "model.k",
      message: `k = ${k} is larger than the matrix (min(n, n2) = ${Math.min(n, n2)}): a factor with more columns than rows adds no expressiveness; choose k ≤ ${Math.min(n, n2)}`,
    });
  }
  const { dof, formula } = degreesOfFreedom(c);
  if (operatorFacts(c).takesM && c.operator.m < dof) {
    out.push({
      path: "operator.m",
      message:
        `m = ${c.operator.m} measurements cannot identify a rank-${c.problem.rank} ${c.problem.truth === "psd" ? `PSD ${n}×${n}` : `${n}×${n2}`} ` +
        `matrix with the ${c.model.type} model, which has ${formula} = ${dof} degrees of freedom; ` +
        `use m ≥ ${dof} (the default 5·(n1+n2)·r = ${5 * (n + n2) * c.problem.rank})`,
    });
  }
  const bytes = operatorBytes(c);
  if (bytes > EXPLORER_MAX_OPERATOR_BYTES) {
    out.push({
      path: "operator.m",
      message:
        `the operator would take ${(bytes / 2 ** 20).toFixed(0)} MiB, more than the explorer's ${EXPLORER_MAX_OPERATOR_BYTES / 2 ** 20} MiB; ` +
        "use smaller n or m here, or the CLI (`npx matsense run`) for this size",
    });
  }
  return out;
}
