import { describe, expect, it } from "vitest";
import { fitRates, iterationsToLevel, logLogFit } from "../../src/results/rates.js";

/** A log-spaced record schedule like the driver's (about 20 points per decade). */
function schedule(T: number): number[] {
  const t = [0];
  let x = 1;
  while (x < T) {
    t.push(x);
    x = Math.max(x + 1, Math.floor(x * Math.pow(10, 1 / 20)));
  }
  t.push(T);
  return t;
}

describe("rate fitting", () => {
  it("recovers the rate of an exact linear curve and classifies it linear", () => {
    const t = schedule(2000);
    const q = 0.997; // λ = −ln q
    const f = fitRates(t, t.map((s) => 0.5 * Math.pow(q, s)));
    // exact exponential: least squares is exact up to rounding of ln
    expect(f.linearRate).toBeCloseTo(-Math.log(q), 12);
    expect(f.contraction).toBeCloseTo(q, 12);
    expect(f.slopeRatio).toBeCloseTo(1, 9);
    expect(f.classification).toBe("linear");
    expect(f.from).toBeGreaterThanOrEqual(1000);
  });

  it("recovers the exponent of a power law and classifies it sublinear", () => {
    const t = schedule(10000);
    const f = fitRates(t, t.map((s) => 3 / s));
    expect(f.logLogSlope).toBeCloseTo(-1, 10);
    // s₂/s₁ = ln(4/3)/ln(3/2) ≈ 0.71 for a power law on [T/2, T] (exactly at continuous sampling; the
    // log-spaced points shift it by < 0.05)
    expect(Math.abs(f.slopeRatio - Math.log(4 / 3) / Math.log(1.5))).toBeLessThan(0.05);
    expect(f.classification).toBe("sublinear");
  });

  it("classifies a curve that reached the rounding floor as linear (fit on the part above it)", () => {
    const t = schedule(3000);
    const e = t.map((s) => Math.max(Math.exp(-0.05 * s), 1e-16));
    const f = fitRates(t, e);
    expect(f.classification).toBe("linear");
    expect(f.linearRate).toBeCloseTo(0.05, 10);
  });

  it("classifies flat and diverged curves", () => {
    const t = schedule(1000);
    expect(fitRates(t, t.map(() => 0.3)).classification).toBe("stalled");
    expect(fitRates(t, t.map((s) => 0.3 * (1 + 1e-6 * s))).classification).toBe("stalled");
    expect(fitRates(t, t.map(() => 0.3), { status: "diverged" }).classification).toBe("diverged");
    expect(fitRates([0, 1, 2], [1, 2, NaN]).classification).toBe("diverged");
  });

  it("finds iterations to a level and log-log exponents", () => {
    expect(iterationsToLevel([0, 10, 20], [1, 0.1, 0.001], 0.01)).toBe(20);
    expect(iterationsToLevel([0, 10], [1, 0.1], 0.01)).toBeUndefined();
    const a = [0.1, 0.05, 0.025];
    expect(logLogFit(a, a.map((x) => 7 * x * x)).slope).toBeCloseTo(2, 12);
  });
});
