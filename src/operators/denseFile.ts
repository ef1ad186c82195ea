import { z } from "zod";
import { readNpyFloat64 } from "../io/arrays.js";
import { chooseBackend } from "../kernels/index.js";
import { DenseSensingOperator, gaussianBytes, gaussianOptionRules, gaussianOptions, resolveGaussianOptions } from "./gaussian.js";
import { defineOperator } from "./operator.js";

/** `operator.file`: the path of the operator's data file (shared by the file-backed operators). */
export const operatorFileOption = z
  .string()
  .min(1, "operator.file must be a path")
  .optional()
  .describe(
    'file-backed operators: "dense-file": a .npy holding the m × n1 × n2 unscaled A_i (A.npy as --save-instance writes it); relative to the working ' +
      "directory",
  );

/**
 * `dense-file`: the measurement matrices A_i read from a .npy file (m × n1 × n2, unscaled,
 * exactly as `--save-instance` writes A.npy), with the convention of every dense operator:
 *   A(Z)_i = ⟨A_i, Z⟩/√m,  A*(z) = Σ_i z_i A_i/√m.
 * The matrices are held and multiplied like a Gaussian operator's (same storage options,
 * same kernels), so a run whose A.npy, y.npy, M_star.npy and init come from a `gaussian`
 * run's --save-instance reproduces it bit for bit (docs/inputs.md). The measurements are
 * flagged symmetric when every A_i is exactly symmetric.
 */
export const denseFileDescriptor = defineOperator({
  type: "dense-file",
  example: null, // its A_i / entries come from operator.file: no self-contained doctor example
  summary: "the A_i read from operator.file (.npy, m × n1 × n2, unscaled), A(Z)_i = ⟨A_i, Z⟩/√m; optional y from operator.yFile",
  options: {
    ...gaussianOptions,
    file: operatorFileOption,
    yFile: z
      .string()
      .min(1, "operator.yFile must be a path")
      .optional()
      .describe(
        '"dense-file": a .npy holding the m measurements y (y.npy as --save-instance writes it) used instead of A(M*) + noise (problem.noise and ' +
          "problem.outliers must then be 0)",
      ),
  },
  measurements: (c) => c.operator.m ?? 0,
  observed: (c) => c.operator.yFile !== undefined,
  rules: (c) => {
    const issues = [];
    if (c.operator.file === undefined)
      issues.push({
        path: "operator.file",
        value: undefined,
        message: 'is required with operator.type "dense-file": a .npy file holding the m × n1 × n2 matrices A_i',
      });
    if (!(c.operator.m > 0))
      issues.push({
        path: "operator.m",
        value: undefined,
        message: 'is required with operator.type "dense-file": the number m of matrices in operator.file',
      });
    if (c.operator.yFile !== undefined && (c.problem.noise > 0 || c.problem.outliers > 0)) {
      issues.push({ path: "operator.yFile", value: c.operator.yFile, message: "gives y as measured: problem.noise and problem.outliers must be 0 with it" });
    }
    return issues;
  },
  optionRules: gaussianOptionRules,
  resolveOptions: resolveGaussianOptions,
  bytes: (c) => gaussianBytes(c),
  build: (c, _rng, kernels) => {
    const { m } = c.operator,
      { n: n1, n2 } = c.problem;
    const file = c.operator.file!;
    const { data } = readNpyFloat64("operator.file", file, [m, n1, n2], `operator.m × problem.n × problem.n2 = ${m}×${n1}×${n2} matrices A_i`);
    const storage = c.operator.storage === "float32" ? "float32" : "float64";
    const stored = chooseBackend(c.operator.backend, m, n1 * n2, storage).allocate(m, n1 * n2, storage, {
      threads: c.operator.threads,
      threadCap: kernels?.threadCap,
    });
    stored.values.set(data);
    return new DenseSensingOperator("dense-file", n1, n2, stored, 1 / Math.sqrt(m), n1 === n2 && allSymmetric(data, m, n1));
  },
});

/** True when each of the m n×n blocks of `a` equals its transpose exactly. */
function allSymmetric(a: Float64Array, m: number, n: number): boolean {
  for (let i = 0; i < m; i++) {
    const o = i * n * n;
    for (let r = 0; r < n; r++) for (let s = r + 1; s < n; s++) if (a[o + r * n + s] !== a[o + s * n + r]) return false;
  }
  return true;
}
