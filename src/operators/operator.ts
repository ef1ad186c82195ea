import { z } from "zod";
import { type ConfigIssue, type ModelConfig, type ProblemConfig, nonNegInt } from "../io/config-fields.js";
import type { KernelBackend, KernelTuning, StorageType, StoredMatrix } from "../kernels/types.js";
import type { Rng } from "../random/rng.js";
import type { Steps } from "../io/turns.js";
import type { SensingOperator } from "./types.js";

/**
 * What an operator's rules, size and factory see of a config: the problem and model
 * sections and the `operator` section with this operator's own options (typed by its
 * schema) next to `type` and `m` (before resolution `m` is what the user wrote, if
 * anything; after it, the resolved number of measurements).
 */
export interface OperatorView<O, M = number> {
  problem: ProblemConfig;
  model: ModelConfig;
  operator: O & { type: string; m: M };
}

/**
 * One entry of the operator catalogue. Every operator file exports one descriptor (the
 * Gaussian file one per type); the table in `catalogue/operators.ts` lists them, and the
 * config schema, the instance builder, the memory check and the docs are folds over it.
 *
 * `options` are this operator's fields of the `operator` section: the section is a union
 * discriminated on `type`, so a config holds only the chosen operator's options (next to
 * `type` and `m`), and an option of another operator is an error naming the operators that
 * have it. Operators share a field only through the same schema object.
 */
export interface OperatorDescriptor<T extends string = string, S extends z.ZodRawShape = z.ZodRawShape> {
  /** `operator.type`. */
  readonly type: T;
  /** One line: the measurement model. */
  readonly summary: string;
  /** This operator's options (zod fields with defaults and meanings). */
  readonly options: S;
  /**
   * Whether the operator takes `operator.m` (default true); false when m follows from the
   * problem (identity: m = n1·n2; completion: m = |Ω|), so a refusal blames the problem size.
   */
  readonly takesM?: boolean;
  /** Whether A is an isometry on every matrix (identity: m = n1·n2, gain 1, nothing to identify); default false. */
  readonly isometry?: boolean;
  /**
   * Whether the measurements only see the symmetric part of the product (A_i symmetric) for
   * a config (default false): then an FGᵀ model's skew part is unidentifiable, the run
   * records sym_rel_error and keeps the dense M* for it.
   */
  symmetricMeasurements?(c: OperatorView<z.output<z.ZodObject<S>>>): boolean;
  /**
   * Whether the built operator forms S = A*(r) densely in its fused pass (default false):
   * the run then holds an extra n1×n2 float64 matrix.
   */
  fusedPass?(c: OperatorView<z.output<z.ZodObject<S>>>): boolean;
  /** The number of measurements m for the resolved config (the user's `operator.m` or this operator's default). */
  measurements(c: OperatorView<z.output<z.ZodObject<S>>, number | undefined>): number;
  /** Cross-field rules when this operator is chosen (one issue per problem, naming the field). */
  rules?(c: OperatorView<z.output<z.ZodObject<S>>>): ConfigIssue[];
  /**
   * Rules about this operator's options (e.g. a storage that only some of the operators
   * sharing the option group support), applied when this operator is chosen; shared option
   * groups share the function.
   */
  optionRules?(c: OperatorView<z.output<z.ZodObject<S>>>): ConfigIssue[];
  /**
   * The exact number of bytes the built operator holds (its `bytes` property), for the
   * memory check before anything is allocated; for a random size (completion's |Ω|) the
   * capacity it allocates.
   */
  bytes(c: OperatorView<z.output<z.ZodObject<S>>>): number;
  /**
   * A short account of `bytes` for refusal messages, e.g. "m·n1·n2·4 (float32)", and the
   * options of this operator that would need fewer bytes, each as a config assignment
   * with its byte count (only options that differ from the current ones), and the options
   * that set the size besides the problem's (e.g. `operator.p`), named in the refusal.
   */
  explainBytes?(c: OperatorView<z.output<z.ZodObject<S>>>): { formula: string; alternatives: { set: string; bytes: number }[]; sizeOptions?: string[] };
  /**
   * Resolves this operator's options that have an "auto" value into the value used (e.g. the
   * Gaussian storage), so the resolved config records the choice; applied when this operator
   * is chosen.
   */
  resolveOptions?(c: OperatorView<z.output<z.ZodObject<S>>>): Record<string, unknown>;
  /**
   * A small example of this operator's section (beyond `type`) for `matsense doctor`'s
   * adjoint check, and whether it needs a square problem (default: no options, square);
   * null for an operator whose data come from files (no self-contained example to check).
   */
  readonly example?: { options: Record<string, unknown>; square?: boolean } | null;
  /**
   * How a sweep on worker threads shares one stored copy of this operator between runs that
   * need the same one (sweep/shared-operators.ts): the shape of its stored matrix (null when
   * this config cannot be shared, e.g. matrix-free), the operator built on a given backend
   * (the same draws as `build`), and an operator attached to an already filled matrix.
   */
  readonly sharing?: OperatorSharingHooks<z.output<z.ZodObject<S>>>;
  /**
   * True when the built operator brings its own measurements y (from a file, see
   * {@link SensingOperator.observations}) for this config: the truth may then be absent
   * (`problem.truth: "none"`).
   */
  observed?(c: OperatorView<z.output<z.ZodObject<S>>>): boolean;
  /**
   * The operator, drawing its randomness from `rng` (the "operator" stream of the seed), with
   * the kernel tuning of the run's context (automatic thread cap, FWHT block; absent = defaults).
   */
  build(c: OperatorView<z.output<z.ZodObject<S>>>, rng: Rng, kernels?: KernelTuning): SensingOperator;
  /**
   * `build` in steps, for operators whose build is long (stored Gaussian, rank-one): the same draws in the
   * same order, yielding between blocks so that a stop request is answered during the build (io/turns.ts).
   */
  buildSteps?(c: OperatorView<z.output<z.ZodObject<S>>>, rng: Rng, kernels?: KernelTuning): Steps<SensingOperator>;
}

/** The stored matrix of a shareable operator: rows × cols entries of a storage type (packed: symmetric upper triangles). */
export interface SharedShape {
  rows: number;
  cols: number;
  storage: StorageType;
  packed: boolean;
}

/** See {@link OperatorDescriptor.sharing}. */
export interface OperatorSharingHooks<O> {
  shape(c: OperatorView<O>): SharedShape | null;
  build(c: OperatorView<O>, rng: Rng, backend: KernelBackend, threads: number): SensingOperator;
  attach(c: OperatorView<O>, stored: StoredMatrix): SensingOperator;
}

/**
 * The kernel options of operators that run on the kernel backends (Gaussian, completion,
 * SRHT): one schema object shared by their descriptors.
 */
export const kernelOptions = {
  backend: z
    .enum(["auto", "ts", "wasm", "wasm-relaxed"])
    .default("auto")
    .describe(
      "kernel backend for the hot loop (auto: WASM SIMD when available and the operator fits its 4 GiB memory, else ts; wasm-relaxed: " +
        "WASM relaxed SIMD with fused multiply-add for the stored Gaussian operators only, never automatic, results differ from wasm in the " +
        "last bits and are reproducible only on the same machine and thread count); the backend used is recorded in config.json",
    ),
  threads: nonNegInt("operator.threads")
    .default(0)
    .describe(
      "threads for the wasm backend's operator multiplies (0 = automatic: 2 on ≥ 2 cores for operators ≥ 16 MiB, else 1 — and 1 per run when a " +
        "sweep runs one run per core; results do not depend on it; the ts backend and storage regenerate need 1; at most 4 × the cores)",
    ),
};

/** Declares an operator descriptor (checks its shape and keeps its literal type and option types). */
export function defineOperator<const T extends string, S extends z.ZodRawShape>(d: OperatorDescriptor<T, S>): OperatorDescriptor<T, S> {
  return d;
}

/** The default number of measurements of the operators that take `operator.m`: 5·(n1 + n2)·rank. */
export function defaultMeasurements(c: { problem: { n: number; n2: number; rank: number }; operator: { m?: number } }): number {
  return c.operator.m ?? 5 * (c.problem.n + c.problem.n2) * c.problem.rank;
}
