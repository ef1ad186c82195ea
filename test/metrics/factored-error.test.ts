import { describe, expect, it } from "vitest";
import { type Matrix, frobeniusDistance, frobeniusNorm, matmulNT, matmulTN, zeros } from "../../src/linalg/matrix.js";
import { DENSE_ENTRIES_LIMIT } from "../../src/linalg/limits.js";
import { powerOfTwoScale, tsqrR } from "../../src/linalg/tsqr.js";
import { WasmTsqrPair, metricKernelsAvailable } from "../../src/kernels/metricKernels.js";
import { absoluteError, errorAndImbalance, factoredDistance, imbalance, lossOf, subtractResidual } from "../../src/metrics/metrics.js";
import { generalTruth, spectrum } from "../../src/problem/truth.js";
import { createRng, type Rng } from "../../src/random/rng.js";

// The error metric of large problems (issue 11): ‖FGᵀ − M*‖_F from tall-skinny QRs of
// [F, UΣ] and [G, −V], the imbalance from the same R factors, the loss summed with the
// residual. Reference values come from the dense definitions; the WASM kernels must equal
// their scalar references bit for bit, on one thread and on two.

const EPS = 2 ** -52;
const wasm = metricKernelsAvailable();

function randn(rows: number, cols: number, rng: Rng, scale = 1): Matrix {
  const M = zeros(rows, cols);
  rng.fillNormal(M.data, scale);
  return M;
}

function hcat(A: Matrix, B: Matrix): Matrix {
  const C = zeros(A.rows, A.cols + B.cols);
  for (let i = 0; i < A.rows; i++) {
    for (let j = 0; j < A.cols; j++) C.data[i * C.cols + j] = A.data[i * A.cols + j];
    for (let j = 0; j < B.cols; j++) C.data[i * C.cols + A.cols + j] = B.data[i * B.cols + j];
  }
  return C;
}

function expectBitwise(a: Float64Array, b: Float64Array, what: string): void {
  expect(a.length, what).toBe(b.length);
  let diff = -1;
  for (let i = 0; i < a.length && diff < 0; i++) if (!Object.is(a[i], b[i])) diff = i;
  expect(diff, diff >= 0 ? `${what}: first difference at ${diff}: ${a[diff]} vs ${b[diff]}` : what).toBe(-1);
}

describe("factoredDistance (tall-skinny QR)", () => {
  it("equals the dense ‖FGᵀ − ABᵀ‖_F at every scale, to ε‖·‖ (n1 = 300, n2 = 200)", () => {
    const rng = createRng(11);
    for (const [k, r] of [
      [4, 3],
      [1, 1],
      [12, 9],
    ]) {
      for (const scale of [1, 1e-3, 1e150, 1e-150]) {
        const F = randn(300, k, rng, scale),
          G = randn(200, k, rng),
          A = randn(300, r, rng, scale),
          B = randn(200, r, rng);
        const dense = frobeniusDistance(matmulNT(F, G), matmulNT(A, B));
        const fd = factoredDistance(F, G, A, B);
        // both are backward stable: |Δ| ≤ c·(n1 + n2)·(k + r)·ε·(‖F‖‖G‖ + ‖A‖‖B‖); c = 1 here
        const bound = 500 * (k + r) * EPS * (frobeniusNorm(F) * frobeniusNorm(G) + frobeniusNorm(A) * frobeniusNorm(B));
        expect(Math.abs(fd - dense), `k = ${k}, r = ${r}, scale ${scale}`).toBeLessThanOrEqual(bound);
        expect(fd).toBeGreaterThan(0);
      }
    }
  });

  it("resolves a distance 10⁻¹² of ‖ABᵀ‖ (no cancellation of squared norms)", () => {
    // F = [A, δX], G = [B, Y]: FGᵀ − ABᵀ = δ·XYᵀ exactly. A Gram-matrix formula
    // (‖FGᵀ‖² − 2⟨FGᵀ, ABᵀ⟩ + ‖ABᵀ‖²) cannot see below √ε·‖ABᵀ‖ ≈ 1.5e-8·‖ABᵀ‖.
    const rng = createRng(12);
    const A = randn(400, 3, rng),
      B = randn(350, 3, rng),
      X = randn(400, 2, rng),
      Y = randn(350, 2, rng);
    for (const delta of [1e-6, 1e-12]) {
      const dX = { ...X, data: X.data.map((v) => v * delta) };
      const exact = frobeniusNorm(matmulNT(dX, Y));
      const fd = factoredDistance(hcat(A, dX), hcat(B, Y), A, B);
      // absolute error O((n1 + n2)(k + r)·ε·‖A‖‖B‖), ‖A‖‖B‖ ≈ 1.1e3 here
      expect(Math.abs(fd - exact), `δ = ${delta}`).toBeLessThanOrEqual(750 * 8 * EPS * frobeniusNorm(A) * frobeniusNorm(B));
      expect(Math.abs(fd - exact) / exact, `δ = ${delta}`).toBeLessThan(delta === 1e-6 ? 1e-8 : 1e-2);
    }
  });

  it("is NaN when a factor holds NaN or ±Infinity, and checks shapes", () => {
    const rng = createRng(13);
    const F = randn(50, 2, rng),
      G = randn(40, 2, rng),
      A = randn(50, 1, rng),
      B = randn(40, 1, rng);
    for (const bad of [NaN, Infinity, -Infinity]) {
      const Fb = { ...F, data: F.data.slice() };
      Fb.data[17] = bad;
      expect(factoredDistance(Fb, G, A, B)).toBeNaN();
      expect(factoredDistance(F, Fb.rows === G.rows ? Fb : { ...G, data: G.data.map((v, i) => (i === 5 ? bad : v)) }, A, B)).toBeNaN();
    }
    expect(() => factoredDistance(F, randn(40, 3, rng), A, B)).toThrow(/do not conform/);
  });

  it("powerOfTwoScale brings the max into [1, 2) with an exact power of two", () => {
    for (const m of [1, 1.5, 2, 3, 0.75, 2 ** -1000, 2 ** -1074, 1e-300, 1e300, Number.MAX_VALUE, 2 ** 1023]) {
      const s = powerOfTwoScale(m);
      expect(Number.isInteger(Math.log2(s)), `m = ${m}`).toBe(true);
      if (m >= 2 ** -1000) {
        expect(m * s, `m = ${m}`).toBeGreaterThanOrEqual(1);
        expect(m * s, `m = ${m}`).toBeLessThan(2);
      } else expect(s).toBe(2 ** 1000);
    }
    expect(powerOfTwoScale(0)).toBe(1);
  });
});

describe.skipIf(!wasm)("metric kernels: WASM equals the scalar reference bitwise (1 and 2 threads)", () => {
  it("tall-skinny R factors for odd row counts, every column-group remainder and extreme scales", () => {
    const rng = createRng(21);
    for (const [n1, n2, k, r] of [
      [1000, 777, 3, 2],
      [129, 65, 10, 10],
      [300, 301, 17, 16],
      [64, 70, 1, 1],
      [500, 450, 8, 1],
    ]) {
      for (const scale of [1, 2 ** -1010, 3e250]) {
        const F = randn(n1, k, rng, scale),
          G = randn(n2, k, rng),
          Q1 = randn(n1, r, rng),
          Q2 = randn(n2, r, rng, scale);
        for (let i = 0; i < F.data.length; i += 13) F.data[i] = 0;
        const max = (x: Float64Array) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        const sq1 = powerOfTwoScale(max(Q1.data)),
          sq2 = powerOfTwoScale(max(Q2.data)),
          sf = powerOfTwoScale(max(F.data)),
          sg = powerOfTwoScale(max(G.data));
        // the reference: R of [s_q1·Q1 | s_f·F] and of [−s_q2·Q2 | s_g·G]
        const c = k + r;
        const R1 = tsqrR(Q1.data, r, F.data, k, n1, sq1, sf),
          R2 = tsqrR(Q2.data, r, G.data, k, n2, -sq2, sg);
        const blocks = (R: Float64Array) => {
          const take = (i0: number, j0: number, rows: number, cols: number) => {
            const out = new Float64Array(rows * cols);
            for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = R[(i0 + i) * c + j0 + j];
            return out;
          };
          return { Raa: take(0, 0, r, r), Raf: take(0, r, r, k), Rff: take(r, r, k, k) };
        };
        const ref1 = blocks(R1),
          ref2 = blocks(R2);
        for (const threads of [1, 2]) {
          const pair = new WasmTsqrPair(n1, n2, Q1.data, Q2.data, r, max(Q1.data), max(Q2.data), threads);
          expect(pair.threads).toBe(threads);
          const [side1, side2] = pair.evaluate(F.data, G.data, k, 64)!;
          const what = `${n1}×${k}+${r}, scale ${scale}, ${threads} thread(s)`;
          expect([side1.sa, side1.sf, side2.sa, side2.sf], what).toEqual([sq1, sf, sq2, sg]);
          for (const key of ["Raa", "Raf", "Rff"] as const) {
            expectBitwise(side1[key], ref1[key], `${key} of side 1, ${what}`);
            expectBitwise(side2[key], ref2[key], `${key} of side 2, ${what}`);
          }
          // a second evaluation (other factors, same pair) reuses the recorded reflectors
          const F2 = randn(n1, k, rng),
            G2 = randn(n2, k, rng);
          const [again] = pair.evaluate(F2.data, G2.data, k, 64)!;
          const ref = blocks(tsqrR(Q1.data, r, F2.data, k, n1, sq1, powerOfTwoScale(max(F2.data))));
          expectBitwise(again.Rff, ref.Rff, `Rff after a second evaluation, ${what}`);
          expectBitwise(again.Raf, ref.Raf, `Raf after a second evaluation, ${what}`);
          pair.dispose();
        }
        // and R is an R of W: RᵀR = WᵀW to rounding (the Householder QR's backward error)
        const W1 = hcat({ ...Q1, data: Q1.data.map((v) => v * sq1) }, { ...F, data: F.data.map((v) => v * sf) });
        const RtR = matmulTN({ rows: c, cols: c, data: R1 }, { rows: c, cols: c, data: R1 });
        const WtW = matmulTN(W1, W1);
        expect(frobeniusDistance(RtR, WtW)).toBeLessThanOrEqual(50 * n1 * c * EPS * frobeniusNorm(WtW));
      }
    }
  });

  it("the imbalance's Gram kernel equals matmulTN bitwise (upper triangle; zero entries skipped alike)", () => {
    const rng = createRng(22);
    for (const [n, k] of [
      [5000, 3],
      [1500, 10],
      [700, 9],
    ]) {
      const F = randn(n, k, rng),
        G = randn(n + 3, k, rng, 0.5);
      for (let i = 0; i < F.data.length; i += 7) F.data[i] = 0;
      const D = imbalance(F, G);
      const ref = matmulTN(F, F);
      const g = matmulTN(G, G);
      for (let i = 0; i < ref.data.length; i++) ref.data[i] -= g.data[i];
      for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) ref.data[i * k + j] = ref.data[j * k + i];
      expectBitwise(D.data, ref.data, `imbalance ${n}×${k}`);
    }
  });
});

describe("the large-problem path of the driver's metrics", () => {
  // n1·n2 = 2100·2000 = 4.2e6 > DENSE_ENTRIES_LIMIT: the factored path, still small enough to
  // compare with the dense product
  const rng = createRng(31);
  const n1 = 2100,
    n2 = 2000,
    r = 3,
    k = 5;
  const truth = generalTruth(n1, n2, spectrum(r, 4, "linspace"), rng);
  const F = randn(n1, k, rng, 0.05),
    G = randn(n2, k, rng, 0.05);
  const x = { kind: "asymmetric" as const, F, G };
  const P = () => matmulNT(F, G);

  it("absoluteError takes the factored path and agrees with the dense distance", () => {
    expect(n1 * n2).toBeGreaterThan(DENSE_ENTRIES_LIMIT);
    const dense = frobeniusDistance(P(), truth.Mstar);
    let called = false;
    const abs = absoluteError(x, () => ((called = true), P()), truth);
    expect(called, "the dense product must not be formed").toBe(false);
    const bound = (n1 + n2) * (k + r) * EPS * (frobeniusNorm(F) * frobeniusNorm(G) + frobeniusNorm(truth.Mstar));
    expect(Math.abs(abs - dense)).toBeLessThanOrEqual(bound);
  });

  it("errorAndImbalance: the same error, and FᵀF − GᵀG from the R factors to O(ε(‖F‖² + ‖G‖²))", () => {
    const both = errorAndImbalance(x, P, truth);
    expect(Object.is(both.abs, absoluteError(x, P, truth))).toBe(true);
    const D = imbalance(F, G);
    // each entry of a Gram matrix of n rows is accurate to ≈ √n·ε·‖f_i‖‖f_j‖ (typical) and the
    // R factor's to the same order; 4·n·ε·(‖F‖² + ‖G‖²) is a worst-case margin
    const bound = 4 * n1 * EPS * (frobeniusNorm(F) ** 2 + frobeniusNorm(G) ** 2);
    expect(frobeniusDistance(both.imbalance!, D)).toBeLessThanOrEqual(bound);
    // ... and it is not trivially the same matrix: the imbalance is O(‖F‖²) here
    expect(frobeniusNorm(D)).toBeGreaterThan(1e6 * bound);
    const Fb = { ...F, data: F.data.slice() };
    Fb.data[3] = NaN;
    const bad = errorAndImbalance({ kind: "asymmetric", F: Fb, G }, P, truth);
    expect(bad.abs).toBeNaN();
    expect(bad.imbalance!.data.every(Number.isNaN)).toBe(true);
  });
});

describe("the loss of long residuals", () => {
  const n = DENSE_ENTRIES_LIMIT + 3;
  const rng = createRng(41);
  const y = new Float64Array(n);
  rng.fillNormal(y);
  const out = new Float64Array(n);
  rng.fillNormal(out, 2);

  it("subtractResidual returns lossOf(r − y) bitwise and leaves r − y in place", () => {
    const r = out.slice();
    const loss = subtractResidual(r, y);
    for (let i = 0; i < n; i += 99_991) expect(r[i]).toBe(out[i] - y[i]);
    expect(Object.is(loss, lossOf(r))).toBe(true);
    expect(subtractResidual(new Float64Array(10).fill(1), new Float64Array(10))).toBeUndefined();
  });

  it("the blocked sum agrees with the scaled sum to its error bound, and falls back when squares underflow", () => {
    const r = out.slice();
    subtractResidual(r, y);
    const blocked = lossOf(r);
    const scaled = lossOf(r.subarray(0, DENSE_ENTRIES_LIMIT)) + 0.5 * (r[n - 3] ** 2 + r[n - 2] ** 2 + r[n - 1] ** 2);
    // recursive summation of n/4 terms per partial sum: relative error ≤ (n/4 + 2)·ε for both
    expect(Math.abs(blocked - scaled) / scaled).toBeLessThanOrEqual(2 * (n / 4 + 4) * EPS);
    // entries 1e-155: the squares (1e-310) are subnormal, their plain sum loses digits; the
    // scaled sum is used instead and gives ½·n·1e-310 to rounding
    const tiny = new Float64Array(n).fill(1e-155);
    expect(Math.abs(lossOf(tiny) / (0.5 * n * 1e-310) - 1)).toBeLessThan(1e-9);
    // entries 1e160: the plain sum overflows; the scaled norm is finite (its square is not)
    expect(lossOf(new Float64Array(n).fill(1e160))).toBe(Infinity);
    const withNaN = out.slice();
    withNaN[n - 1] = NaN;
    expect(lossOf(withNaN)).toBeNaN();
  });
});
