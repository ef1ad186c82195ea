import { describe, expect, it } from "vitest";
import { Rng, createRng, streamRng } from "../../src/random/rng.js";

// An independent BigInt implementation of splitmix64 and xoshiro256** straight from the
// reference C code (Vigna), used to check the 32-bit-halves implementation bit for bit.
const MASK = (1n << 64n) - 1n;
function splitmix(state: bigint): [bigint, bigint] {
  const s = (state + 0x9e3779b97f4a7c15n) & MASK;
  let z = s;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
  return [s, z ^ (z >> 31n)];
}
const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (64n - k))) & MASK;
function referenceXoshiro(seed: number, count: number): bigint[] {
  let st = BigInt(seed);
  const s: bigint[] = [];
  for (let i = 0; i < 4; i++) {
    const [ns, z] = splitmix(st);
    st = ns;
    s.push(z);
  }
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) {
    out.push((rotl((s[1] * 5n) & MASK, 7n) * 9n) & MASK);
    const t = (s[1] << 17n) & MASK;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45n);
  }
  return out;
}

describe("xoshiro256** seeded by splitmix64", () => {
  it("matches an independent BigInt reference bit for bit", () => {
    for (const seed of [0, 1, 42, 2 ** 32 + 7, Number.MAX_SAFE_INTEGER]) {
      const r = createRng(seed);
      const ref = referenceXoshiro(seed, 200);
      for (let i = 0; i < ref.length; i++) expect(r.nextBigUint64()).toBe(ref[i]);
    }
  });

  it("gives uniform doubles in [0, 1) from the top 53 bits", () => {
    const r = createRng(3);
    const ref = referenceXoshiro(3, 1000);
    for (const x of ref) {
      const u = r.uniform();
      expect(u).toBe(Number(x >> 11n) / 2 ** 53);
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
    }
  });

  it("restores a saved state exactly, including a cached normal", () => {
    const r = createRng(11);
    r.normal(); // leaves a spare variate cached
    const saved = JSON.parse(JSON.stringify(r.getState()));
    const a = Array.from({ length: 50 }, () => r.normal());
    const b = Array.from({ length: 50 }, () => Rng.fromState(saved).normal());
    expect(b[0]).toBe(a[0]);
    const r2 = Rng.fromState(saved);
    expect(Array.from({ length: 50 }, () => r2.normal())).toEqual(a);
  });

  it("draws standard normals with the right first four moments", () => {
    // N = 2e5 draws: the standard errors of mean, variance, skewness and kurtosis are
    // 1/√N ≈ 0.0022, √(2/N) ≈ 0.0032, √(6/N) ≈ 0.0055, √(24/N) ≈ 0.011; we allow 5 of them.
    const r = createRng(2024);
    const N = 200_000;
    let s1 = 0,
      s2 = 0,
      s3 = 0,
      s4 = 0;
    for (let i = 0; i < N; i++) {
      const x = r.normal();
      s1 += x;
      s2 += x * x;
      s3 += x * x * x;
      s4 += x * x * x * x;
    }
    expect(Math.abs(s1 / N)).toBeLessThan(5 * 0.0023);
    expect(Math.abs(s2 / N - 1)).toBeLessThan(5 * 0.0032);
    expect(Math.abs(s3 / N)).toBeLessThan(5 * 0.0055);
    expect(Math.abs(s4 / N - 3)).toBeLessThan(5 * 0.011);
  });

  it("draws unbiased integers", () => {
    const r = createRng(5);
    const counts = new Array(7).fill(0);
    const N = 70_000;
    for (let i = 0; i < N; i++) counts[r.integer(7)]++;
    // each count ~ Binomial(N, 1/7): sd = √(N·(1/7)(6/7)) ≈ 92.6; allow 5 sd
    for (const c of counts) expect(Math.abs(c - N / 7)).toBeLessThan(5 * 92.6);
  });

  it("keeps named streams reproducible and distinct", () => {
    const a = streamRng(7, "truth").uniform();
    expect(streamRng(7, "truth").uniform()).toBe(a);
    expect(streamRng(7, "operator").uniform()).not.toBe(a);
    expect(streamRng(8, "truth").uniform()).not.toBe(a);
  });

  it("rejects invalid seeds and states", () => {
    expect(() => createRng(-1)).toThrow(/seed/);
    expect(() => createRng(1.5)).toThrow(/seed/);
    expect(() => Rng.fromState({ words: [0, 0, 0, 0, 0, 0, 0, 0], spareNormal: null })).toThrow(/zero/);
  });
});
