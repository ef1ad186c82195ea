import { z } from "zod";
import { finite } from "../io/config-fields.js";
import { type ObservedEntries, readObservedEntries } from "../io/entries.js";
import { sampleWithoutReplacement } from "../random/sample.js";
import type { Rng } from "../random/rng.js";
import { type CompletionBackendOptions, CompletionOperator } from "./completion.js";
import { operatorFileOption } from "./denseFile.js";
import { defineOperator, kernelOptions } from "./operator.js";

/** Held-out observed entries (0-based indices and values), for `test_rel_error`. */
export interface HeldOutEntries {
  rows: Int32Array;
  cols: Int32Array;
  values: Float64Array;
}

/**
 * The split of observed entries into training and held-out sets: round(f·N) of the N
 * entries, drawn uniformly without replacement (Floyd) from `rng`, are held out; the rest
 * are sorted row-major (the order of Ω the completion kernels use).
 */
export function splitEntries(e: ObservedEntries, n2: number, testFraction: number, rng: Rng): { train: ObservedEntries; test: HeldOutEntries } {
  const N = e.values.length;
  const held = sampleWithoutReplacement(rng, N, Math.round(testFraction * N));
  const isHeld = new Uint8Array(N);
  for (const i of held) isHeld[i] = 1;
  const trainIdx = [...Array(N).keys()].filter((i) => !isHeld[i]).sort((a, b) => e.rows[a] * n2 + e.cols[a] - (e.rows[b] * n2 + e.cols[b]));
  const pick = (idx: ArrayLike<number>) => ({
    rows: Int32Array.from(idx, (i) => e.rows[i]),
    cols: Int32Array.from(idx, (i) => e.cols[i]),
    values: Float64Array.from(idx, (i) => e.values[i]),
  });
  return { train: pick(trainIdx), test: pick(held) };
}

/**
 * Completion on observed entries read from a file (`operator.file`, docs/inputs.md): Ω is the
 * training part of the file's entries, p = |Ω|/(n1·n2) their empirical rate, and with the
 * convention of `completion`
 *   A(Z) = P_Ω(Z)/√p,  y_e = M_ij/√p  (the observed values),
 * so the loss is ½ Σ_{(i,j)∈Ω} (P_ij − M_ij)²/p. A fraction `operator.testFraction` of the
 * entries is held out (seeded split, the operator stream) for `test_rel_error`.
 */
export class FileCompletionOperator extends CompletionOperator {
  constructor(
    n1: number,
    n2: number,
    private readonly train: ObservedEntries,
    readonly heldOut: HeldOutEntries,
    opts: CompletionBackendOptions,
  ) {
    super(n1, n2, train.values.length / (n1 * n2), train.rows, train.cols, opts);
  }

  /** y: the training values times 1/√p, in the order of Ω; the held-out entries (none when testFraction is 0: the instance then records no test_rel_error). */
  observations(): { y: Float64Array; heldOut: HeldOutEntries } {
    return { y: Float64Array.from(this.train.values, (v) => v * this.scale), heldOut: this.heldOut };
  }
}

const indexBase = z
  .union([z.literal(0), z.literal(1)])
  .optional()
  .describe('"completion-file": whether i and j in operator.file count from 0 or from 1 (required: no default, so an off-by-one cannot go unnoticed)');

/** `completion-file`: completion on the observed entries of a file. */
export const completionFileDescriptor = defineOperator({
  type: "completion-file",
  example: null, // its A_i / entries come from operator.file: no self-contained doctor example
  summary: "matrix completion on the observed entries (i, j, value) of operator.file (.npy N×3 or CSV), A(Z) = P_Ω(Z)/√p, p = |Ω|/(n1·n2); y from the file",
  options: {
    file: operatorFileOption,
    indexBase,
    testFraction: finite("operator.testFraction")
      .pipe(z.number().min(0, "operator.testFraction must be ≥ 0").lt(1, "operator.testFraction must be < 1"))
      .default(0)
      .describe('"completion-file": fraction of the observed entries held out (seeded split, the operator stream) for the column test_rel_error'),
    ...kernelOptions,
  },
  observed: () => true,
  // the number of training entries: read from the file when the config is resolved
  measurements: (c) => {
    if (c.operator.file === undefined || c.operator.indexBase === undefined) return 1;
    const N = readObservedEntries("operator.file", c.operator.file, c.problem.n, c.problem.n2, c.operator.indexBase).values.length;
    return N - Math.round(c.operator.testFraction * N);
  },
  rules: (c) => {
    const issues = [];
    if (c.operator.file === undefined)
      issues.push({
        path: "operator.file",
        value: undefined,
        message: 'is required with operator.type "completion-file": a .npy (N×3) or CSV file of observed entries i,j,value',
      });
    if (c.operator.indexBase === undefined)
      issues.push({
        path: "operator.indexBase",
        value: undefined,
        message: 'is required with operator.type "completion-file": 0 or 1, the first row/column index in operator.file',
      });
    if (c.problem.truth !== "none" && c.problem.truth !== "file") {
      issues.push({
        path: "problem.truth",
        value: c.problem.truth,
        message:
          'must be "none" or "file" with operator.type "completion-file" (y are the observed values of operator.file, not measurements of a generated M*)',
      });
    }
    if (c.problem.noise > 0 || c.problem.outliers > 0)
      issues.push({
        path: "problem.noise",
        value: c.problem.noise,
        message: 'must be 0 (and problem.outliers 0) with operator.type "completion-file": y is the observed values',
      });
    if (c.operator.m < 1) issues.push({ path: "operator.testFraction", value: c.operator.testFraction, message: "holds out every observed entry; lower it" });
    return issues;
  },
  // two int32 index arrays per training entry, and the WASM kernels' float64 staging vector
  bytes: (c) => (c.operator.backend === "ts" ? 8 : 16) * c.operator.m,
  build: (c, rng, kernels) => {
    const { n, n2 } = c.problem;
    const all = readObservedEntries("operator.file", c.operator.file!, n, n2, c.operator.indexBase!);
    const { train, test } = splitEntries(all, n2, c.operator.testFraction, rng);
    return new FileCompletionOperator(n, n2, train, test, { backend: c.operator.backend, threads: c.operator.threads, threadCap: kernels?.threadCap });
  },
});
