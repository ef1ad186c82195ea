import type { z } from "zod";
import type { ConfigIssue, ModelConfig, ProblemConfig } from "../io/config-fields.js";
import type { SensingOperator } from "../operators/types.js";
import type { Factors } from "../problem/factors.js";
import type { Stepper } from "./stepper.js";

/**
 * What a method's rules, memory estimate and factory see of a resolved config: the
 * problem and model sections, the operator's type and m, and the `method` section with
 * this method's own options (typed by its schema) next to `name` and `stepSize`.
 */
export interface MethodView<O> {
  /** The config's seed (for a method's own random stream, e.g. minibatches). */
  seed: number;
  problem: ProblemConfig;
  model: ModelConfig;
  operator: { type: string; m: number };
  method: O & { name: string; stepSize: number };
}

/**
 * One entry of the method catalogue. Every method file exports one (or, for a family
 * such as ScaledGD / ScaledGD(λ), one per name); the table in `catalogue/methods.ts`
 * lists them, and the config schema, `config --schema`, the stepper registry and the
 * memory planning are folds over that table.
 *
 * `options` are this method's fields of the flat `method` section (every method's
 * options sit side by side there; options of other methods are ignored). Each field
 * carries its default and a one-line meaning (`.describe`). Two methods may share a
 * field only through the same schema object.
 */
export interface MethodDescriptor<N extends string = string, S extends z.ZodRawShape = z.ZodRawShape> {
  /** `method.name`. */
  readonly name: N;
  /** One line: what the method is (and its paper), for `config --schema` and docs. */
  readonly summary: string;
  /** This method's options (zod fields with defaults and meanings). */
  readonly options: S;
  /** True when the method runs on the deep model (model.type "deep"); its `create` then gets the deep init (F = W_N, G = W_1ᵀ, `middle`). */
  readonly deep?: boolean;
  /** Cross-field rules when this method is chosen: one issue per problem, naming the field. */
  rules?(c: MethodView<z.output<z.ZodObject<S>>>): ConfigIssue[];
  /** Bytes of the method's own work arrays beyond the factors and the residual (default 0). */
  workspaceBytes?(c: MethodView<z.output<z.ZodObject<S>>>): number;
  /** The stepper, starting from `init` (used in place: the init factors become the iterates). */
  create(c: MethodView<z.output<z.ZodObject<S>>>, operator: SensingOperator, y: Float64Array, init: Factors): Stepper;
}

/** Declares a method descriptor (checks its shape and keeps its literal name and option types). */
export function defineMethod<const N extends string, S extends z.ZodRawShape>(d: MethodDescriptor<N, S>): MethodDescriptor<N, S> {
  return d;
}
