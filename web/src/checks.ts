/**
 * Configurations the library accepts but the explorer refuses, each with a message that
 * names the field and says why (shown inline next to the field; the run does not start).
 * Pure module.
 */
import type { ResolvedConfig } from "../../src/config/schema.js";

export interface FieldProblem {
  path: string;
  message: string;
}

/** Largest operator the explorer builds in the browser (bytes); bigger runs belong to the CLI. */
export const EXPLORER_MAX_OPERATOR_BYTES = 256 * 1024 * 1024;

/**
 * Degrees of freedom of the set the truth lives in: r(n1 + n2 − r) for a general rank-r
 * n1×n2 matrix, nr − r(r − 1)/2 for a rank-r PSD n×n matrix (the dimension of the manifold
 * of rank-r matrices). Fewer generic linear measurements cannot identify M*.
 */
export function degreesOfFreedom(c: ResolvedConfig): number {
  const { n, n2, rank: r } = c.problem;
  return c.problem.truth === "psd" ? n * r - (r * (r - 1)) / 2 : r * (n + n2 - r);
}

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
  const measured = c.operator.type === "gaussian" || c.operator.type === "symmetric-gaussian" || c.operator.type === "rank-one" || c.operator.type === "srht";
  const dof = degreesOfFreedom(c);
  if (measured && c.operator.m < dof) {
    out.push({
      path: "operator.m",
      message: `m = ${c.operator.m} measurements cannot identify a rank-${c.problem.rank} ${c.problem.truth === "psd" ? `PSD ${n}×${n}` : `${n}×${n2}`} matrix, which has ${dof} degrees of freedom; use m ≥ ${dof} (the default 5·(n1+n2)·r = ${5 * (n + n2) * c.problem.rank})`,
    });
  }
  if ((c.operator.type === "gaussian" || c.operator.type === "symmetric-gaussian") && c.operator.storage !== "regenerate") {
    const bytes = c.operator.m * n * n2 * (c.operator.storage === "float32" ? 4 : c.operator.storage === "packed" ? 4 : 8);
    if (bytes > EXPLORER_MAX_OPERATOR_BYTES) {
      out.push({
        path: "operator.m",
        message: `the dense operator would take ${(bytes / 2 ** 20).toFixed(0)} MiB, more than the explorer's ${EXPLORER_MAX_OPERATOR_BYTES / 2 ** 20} MiB; use smaller n or m here, or the CLI (\`npx matsense run\`) for this size`,
      });
    }
  }
  return out;
}
