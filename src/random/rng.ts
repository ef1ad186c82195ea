/**
 * Seedable, serializable pseudo-random numbers: xoshiro256** (Blackman & Vigna) seeded by
 * splitmix64, with uniform doubles in [0, 1) from the top 53 bits and standard normal
 * draws by the polar Box–Muller (Marsaglia) method, caching the second variate.
 *
 * 64-bit arithmetic is done on BigInt-free pairs of 32-bit halves so it is fast in V8. The
 * logarithm of the polar method is the project's fixed {@link fdlibmLog}, not `Math.log`
 * (whose last bit differs between engines), so every engine draws the same bits.
 * Every random draw in matsense takes an explicit `Rng`; nothing uses `Math.random`.
 */

import { fdlibmLog } from "./log.js";

/** The full state of an {@link Rng}: four 64-bit words as 8 unsigned 32-bit halves plus the cached normal. */
export interface RngState {
  /** s0.hi, s0.lo, s1.hi, s1.lo, s2.hi, s2.lo, s3.hi, s3.lo */
  words: number[];
  /** A second normal variate left over from the last polar draw, or null. */
  spareNormal: number | null;
}

// ---- 64-bit helpers on (hi, lo) uint32 pairs -------------------------------------------

/** splitmix64 step on a (hi, lo) state; returns [newHi, newLo, outHi, outLo]. */
function splitmix64(hi: number, lo: number): [number, number, number, number] {
  // state += 0x9E3779B97F4A7C15
  let sLo = (lo + 0x7f4a7c15) >>> 0;
  const carry = sLo < lo ? 1 : 0;
  let sHi = (hi + 0x9e3779b9 + carry) >>> 0;
  const newHi = sHi,
    newLo = sLo;
  // z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9
  [sHi, sLo] = xorShiftRight(sHi, sLo, 30);
  [sHi, sLo] = mul64(sHi, sLo, 0xbf58476d, 0x1ce4e5b9);
  // z = (z ^ (z >>> 27)) * 0x94D049BB133111EB
  [sHi, sLo] = xorShiftRight(sHi, sLo, 27);
  [sHi, sLo] = mul64(sHi, sLo, 0x94d049bb, 0x133111eb);
  // z ^ (z >>> 31)
  [sHi, sLo] = xorShiftRight(sHi, sLo, 31);
  return [newHi, newLo, sHi, sLo];
}

function xorShiftRight(hi: number, lo: number, s: number): [number, number] {
  // (hi,lo) ^ ((hi,lo) >>> s), 0 < s < 32
  const rHi = hi >>> s;
  const rLo = ((lo >>> s) | (hi << (32 - s))) >>> 0;
  return [(hi ^ rHi) >>> 0, (lo ^ rLo) >>> 0];
}

/** Low 64 bits of (aHi,aLo)·(bHi,bLo). */
function mul64(aHi: number, aLo: number, bHi: number, bLo: number): [number, number] {
  // 32x32 -> 64 for lo*lo using 16-bit pieces, plus cross terms mod 2^32.
  const a0 = aLo & 0xffff,
    a1 = aLo >>> 16;
  const b0 = bLo & 0xffff,
    b1 = bLo >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const lo = ((mid << 16) | (p00 & 0xffff)) >>> 0;
  const carryHi = p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
  const hi = (carryHi + Math.imul(aHi, bLo) + Math.imul(aLo, bHi)) >>> 0;
  return [hi, lo];
}

const TWO_POW_32 = 4294967296;
const TWO_POW_M53 = 1 / 9007199254740992;

/**
 * xoshiro256** generator. Construct with {@link createRng}; save with {@link Rng.getState}
 * and restore with {@link Rng.setState} or {@link Rng.fromState}.
 */
export class Rng {
  private s = new Uint32Array(8); // s0hi s0lo s1hi s1lo s2hi s2lo s3hi s3lo
  private spare: number | null = null;

  private constructor() {}

  /** A generator seeded from a non-negative safe integer through splitmix64. */
  static fromSeed(seed: number): Rng {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`seed must be a non-negative safe integer, got ${seed}`);
    }
    return Rng.expand(Math.floor(seed / TWO_POW_32) >>> 0, seed >>> 0);
  }

  /** A generator in exactly the given saved state. */
  static fromState(state: RngState): Rng {
    const r = new Rng();
    r.setState(state);
    return r;
  }

  /** A copy of the full state (JSON-serializable). */
  getState(): RngState {
    return { words: Array.from(this.s), spareNormal: this.spare };
  }

  /** Restores a state obtained from {@link getState}. */
  setState(state: RngState): void {
    if (!Array.isArray(state.words) || state.words.length !== 8 || state.words.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new RangeError("RngState.words must be 8 unsigned 32-bit integers");
    }
    if (state.words.every((w) => w === 0)) throw new RangeError("RngState must not be all zero");
    this.s.set(state.words);
    this.spare = state.spareNormal ?? null;
  }

  /** An independent copy in the same state. */
  clone(): Rng {
    return Rng.fromState(this.getState());
  }

  /** Next 64-bit output as [hi, lo] uint32 halves (xoshiro256**: rotl(s1·5, 7)·9). */
  private next64(): void {
    const s = this.s;
    const s0h = s[0],
      s0l = s[1],
      s1h = s[2],
      s1l = s[3],
      s2h = s[4],
      s2l = s[5],
      s3h = s[6],
      s3l = s[7];
    // result = rotl(s1 * 5, 7) * 9
    let [mh, ml] = mul64(s1h, s1l, 0, 5);
    // rotl 7
    const rh = ((mh << 7) | (ml >>> 25)) >>> 0;
    const rl = ((ml << 7) | (mh >>> 25)) >>> 0;
    [mh, ml] = mul64(rh, rl, 0, 9);
    this.outHi = mh;
    this.outLo = ml;
    // t = s1 << 17
    const th = ((s1h << 17) | (s1l >>> 15)) >>> 0;
    const tl = (s1l << 17) >>> 0;
    // s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 45)
    let n2h = (s2h ^ s0h) >>> 0,
      n2l = (s2l ^ s0l) >>> 0;
    let n3h = (s3h ^ s1h) >>> 0,
      n3l = (s3l ^ s1l) >>> 0;
    const n1h = (s1h ^ n2h) >>> 0,
      n1l = (s1l ^ n2l) >>> 0;
    const n0h = (s0h ^ n3h) >>> 0,
      n0l = (s0l ^ n3l) >>> 0;
    n2h = (n2h ^ th) >>> 0;
    n2l = (n2l ^ tl) >>> 0;
    // rotl(s3, 45) = rotl by 32 (swap) then by 13
    const sh = n3l,
      sl = n3h;
    n3h = ((sh << 13) | (sl >>> 19)) >>> 0;
    n3l = ((sl << 13) | (sh >>> 19)) >>> 0;
    s[0] = n0h;
    s[1] = n0l;
    s[2] = n1h;
    s[3] = n1l;
    s[4] = n2h;
    s[5] = n2l;
    s[6] = n3h;
    s[7] = n3l;
  }
  private outHi = 0;
  private outLo = 0;

  /** Next raw 64-bit output as a BigInt (for tests against reference vectors). */
  nextBigUint64(): bigint {
    this.next64();
    return (BigInt(this.outHi) << 32n) | BigInt(this.outLo);
  }

  /** Next 32 random bits as an unsigned integer (the high half of the 64-bit output). */
  nextUint32(): number {
    this.next64();
    return this.outHi;
  }

  /** Uniform double in [0, 1) with 53 random bits: (x >>> 11) · 2⁻⁵³. */
  uniform(): number {
    this.next64();
    return (this.outHi * 2097152 + (this.outLo >>> 11)) * TWO_POW_M53;
  }

  /** Standard normal N(0, 1) (Marsaglia polar method; the second variate is cached). */
  normal(): number {
    const sp = this.spare;
    if (sp !== null) {
      this.spare = null;
      return sp;
    }
    let u: number, v: number, q: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      q = u * u + v * v;
    } while (q >= 1 || q === 0);
    // Math.sqrt is correctly rounded (IEEE 754) everywhere; the log is the fixed fdlibm algorithm
    const f = Math.sqrt((-2 * fdlibmLog(q)) / q);
    this.spare = v * f;
    return u * f;
  }

  /** Fills `out` with i.i.d. N(0, std²) draws (in index order). */
  fillNormal(out: Float64Array | Float32Array, std = 1): Float64Array | Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = std * this.normal();
    return out;
  }

  /** Uniform integer in [0, n) without modulo bias. */
  integer(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) throw new RangeError(`integer(n) needs 1 ≤ n ≤ 2³², got ${n}`);
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let x: number;
    do x = this.nextUint32();
    while (x >= limit);
    return x % n;
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.uniform() < p;
  }

  /**
   * A child generator for an independent stream: seeded by splitmix64 from this
   * generator's next output (advances this generator by one draw).
   */
  split(): Rng {
    this.next64();
    return Rng.expand(this.outHi, this.outLo);
  }

  /** A generator whose 256-bit state is four splitmix64 outputs from the 64-bit value (hi, lo), never all zero. */
  private static expand(hi: number, lo: number): Rng {
    const r = new Rng();
    for (let w = 0; w < 4; w++) {
      const [nh, nl, oh, ol] = splitmix64(hi, lo);
      hi = nh;
      lo = nl;
      r.s[2 * w] = oh;
      r.s[2 * w + 1] = ol;
    }
    if (r.s.every((v) => v === 0)) r.s[1] = 1; // never the all-zero state
    return r;
  }
}

/** A seeded generator (see {@link Rng.fromSeed}). */
export function createRng(seed: number): Rng {
  return Rng.fromSeed(seed);
}

/**
 * A generator for a named sub-stream of a seed: the same (seed, stream) always gives the
 * same draws, and different streams are independent. matsense uses fixed stream names
 * ("truth", "operator", "noise", "init") so that, e.g., changing the init scale does not
 * change the sensing matrices.
 */
export function streamRng(seed: number, stream: string): Rng {
  // FNV-1a 32-bit hash of the stream name, mixed into the seed's high word.
  const h = fnv1a32(stream);
  const base = Rng.fromSeed(seed);
  const state = base.getState();
  state.words[0] = (state.words[0] ^ h) >>> 0;
  state.words[3] = (state.words[3] ^ Math.imul(h, 0x9e3779b1)) >>> 0;
  // Decorrelate the tweaked state by running a few outputs.
  const r = Rng.fromState(state);
  for (let i = 0; i < 16; i++) r.uniform();
  return r.split();
}

/** The 32-bit FNV-1a hash of a string's UTF-16 code units (stable across platforms and versions). */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
