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
    const f = fitRates(
      t,
      t.map((s) => 0.5 * Math.pow(q, s)),
    );
    // exact exponential: least squares is exact up to rounding of ln
    expect(f.linearRate).toBeCloseTo(-Math.log(q), 12);
    expect(f.contraction).toBeCloseTo(q, 12);
    expect(f.slopeRatio).toBeCloseTo(1, 9);
    expect(f.classification).toBe("linear");
    expect(f.from).toBeGreaterThanOrEqual(1000);
  });

  it("recovers the exponent of a power law and classifies it sublinear", () => {
    const t = schedule(10000);
    const f = fitRates(
      t,
      t.map((s) => 3 / s),
    );
    expect(f.logLogSlope).toBeCloseTo(-1, 10);
    // s₂/s₁ = ln(4/3)/ln(3/2) ≈ 0.71 for a power law on [T/2, T] (exactly at continuous sampling; the
    // log-spaced points shift it by < 0.05)
    expect(Math.abs(f.slopeRatio - Math.log(4 / 3) / Math.log(1.5))).toBeLessThan(0.05);
    expect(f.classification).toBe("sublinear");
  });

  it("does not call a shifted power law c(t + t₀)^−q with t₀ ≳ T linear", () => {
    const T = 10000,
      t = schedule(T);
    for (const t0 of [T, 2 * T, 10 * T]) {
      for (const q of [0.84, 1, 2]) {
        const f = fitRates(
          t,
          t.map((s) => 3 * Math.pow(s + t0, -q)),
        );
        // the halves' slopes alone pass the old rule (s₂/s₁ = (5T/8 + t₀)/(7T/8 + t₀) ≥ 0.86) …
        expect(f.slopeRatio).toBeGreaterThanOrEqual(0.85);
        // … but −1/s(t) = (t + t₀)/q grows with slope 1/q: the halves recover q (to the error of a
        // difference quotient over [T/2, T], < 10 % here)
        expect(Math.abs(f.shiftedPowerExponent / q - 1)).toBeLessThan(0.1);
        expect(f.classification).toBe("sublinear");
      }
    }
  });

  it("calls exact geometric curves linear at any rate, however little they fall", () => {
    const t = schedule(2000);
    for (const lambda of [1e-4, 1e-3, 0.01]) {
      const f = fitRates(
        t,
        t.map((s) => 0.7 * Math.exp(-lambda * s)),
      );
      expect(f.linearRate).toBeCloseTo(lambda, 10);
      // equal slopes: 1/|s₂| − 1/|s₁| is rounding, q̂ is huge (either sign)
      expect(Math.abs(f.shiftedPowerExponent)).toBeGreaterThan(1e6);
      expect(f.classification).toBe("linear");
    }
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
    expect(
      fitRates(
        t,
        t.map(() => 0.3),
      ).classification,
    ).toBe("stalled");
    expect(
      fitRates(
        t,
        t.map((s) => 0.3 * (1 + 1e-6 * s)),
      ).classification,
    ).toBe("stalled");
    expect(
      fitRates(
        t,
        t.map(() => 0.3),
        { status: "diverged" },
      ).classification,
    ).toBe("diverged");
    expect(fitRates([0, 1, 2], [1, 2, NaN]).classification).toBe("diverged");
  });

  it("finds iterations to a level and log-log exponents", () => {
    expect(iterationsToLevel([0, 10, 20], [1, 0.1, 0.001], 0.01)).toBe(20);
    expect(iterationsToLevel([0, 10], [1, 0.1], 0.01)).toBeUndefined();
    const a = [0.1, 0.05, 0.025];
    expect(
      logLogFit(
        a,
        a.map((x) => 7 * x * x),
      ).slope,
    ).toBeCloseTo(2, 12);
  });
});
