import { posInt } from "../io/config-fields.js";
import { type Rng, streamRng } from "../random/rng.js";
import type { ConfigIssue } from "../io/config-fields.js";

/**
 * `method.batchSize` of `gd` and `scaled-gd` (one schema object, shared): the number b of
 * measurements per stochastic gradient (unset or b = m: the full-batch method, bit for bit).
 */
export const batchSizeOption = posInt("method.batchSize")
  .optional()
  .describe(
    "gd, scaled-gd: minibatch size b ≤ m — each step uses S_B = (m/|B|)·A*_B(r_B) over a batch B of measurements, drawn without replacement per " +
      'epoch (random stream "minibatch"); unset or b = m: the full-batch method, bit for bit',
  );

/**
 * Batches of measurements drawn without replacement per epoch: each epoch is a uniformly
 * random permutation of 0..m−1 (Fisher–Yates from `rng`) cut into consecutive batches of b
 * (the last one smaller when b does not divide m). {@link next} marks the next batch in a
 * 0/1 mask and returns its size.
 */
export class MinibatchSampler {
  private readonly perm: Int32Array;
  private position: number;

  constructor(
    readonly m: number,
    readonly batchSize: number,
    private readonly rng: Rng,
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > m)
      throw new RangeError(`method.batchSize must be an integer in [1, m = ${m}], got ` + `${batchSize}`);
    this.perm = new Int32Array(m);
    this.position = m; // the first call starts an epoch
  }

  /** Clears `mask`, sets mask[i] = 1 for the measurements i of the next batch, returns the batch size. */
  next(mask: Uint8Array): number {
    if (this.position >= this.m) {
      const p = this.perm;
      for (let i = 0; i < p.length; i++) p[i] = i;
      for (let i = p.length - 1; i > 0; i--) {
        const j = this.rng.integer(i + 1);
        const t = p[i];
        p[i] = p[j];
        p[j] = t;
      }
      this.position = 0;
    }
    mask.fill(0);
    const end = Math.min(this.m, this.position + this.batchSize);
    for (let e = this.position; e < end; e++) mask[this.perm[e]] = 1;
    const size = end - this.position;
    this.position = end;
    return size;
  }

  /** The sampler's state for checkpoints: the permutation, the position in it and the RNG. */
  save(): { perm: Float64Array; scalars: Record<string, number | null> } {
    const st = this.rng.getState();
    const scalars: Record<string, number | null> = { minibatch_position: this.position, minibatch_spare: st.spareNormal ?? null };
    st.words.forEach((w, i) => (scalars[`minibatch_rng_${i}`] = w));
    return { perm: Float64Array.from(this.perm), scalars };
  }

  /** Puts a state from {@link save} back. */
  restore(perm: Float64Array, scalars: Record<string, number | null>): void {
    if (perm.length !== this.m) throw new RangeError(`checkpoint: minibatch permutation has ${perm.length} entries, m = ${this.m}`);
    this.perm.set(perm);
    this.position = scalars.minibatch_position ?? this.m;
    const words = Array.from({ length: 8 }, (_, i) => scalars[`minibatch_rng_${i}`] ?? 0);
    this.rng.setState({ words, spareNormal: scalars.minibatch_spare ?? null });
  }
}

/** The rule of `method.batchSize`: at most the number of measurements m. */
export function batchSizeRules(c: { operator: { m: number }; method: { batchSize?: number } }): ConfigIssue[] {
  const b = c.method.batchSize;
  return b !== undefined && b > c.operator.m
    ? [{ path: "method.batchSize", value: b, message: `must be ≤ operator.m = ${c.operator.m} (b = m is the full ` + `batch)` }]
    : [];
}

/**
 * Gives a stepper minibatches of `method.batchSize` (random stream "minibatch" of the seed)
 * when b < m; b = m or unset leaves the full-batch method untouched (no draws).
 */
export function withMinibatches<T extends { useMinibatches(sampler: MinibatchSampler | null): void }>(
  stepper: T,
  seed: number,
  batchSize: number | undefined,
  m: number,
): T {
  if (batchSize !== undefined && batchSize > m) throw new RangeError(`method.batchSize = ${batchSize} exceeds the m = ${m} measurements of this operator`);
  if (batchSize !== undefined && batchSize < m) stepper.useMinibatches(new MinibatchSampler(m, batchSize, streamRng(seed, "minibatch")));
  return stepper;
}
