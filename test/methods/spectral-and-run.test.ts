import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { type Matrix, frobeniusDistance, frobeniusNorm, matmul, matmulNT, matmulTN, symmetricEigen } from "../../src/linalg/index.js";
import { spectralInit } from "../../src/problem/spectral.js";
import { completionOperator } from "../../src/operators/completion.js";
import { gaussianOperator } from "../../src/operators/gaussian.js";
import { tsBackend } from "../../src/kernels/index.js";
import { generalTruth, psdTruth } from "../../src/problem/truth.js";
import { createRng } from "../../src/random/rng.js";
import { ConfigError, resolveConfig } from "../../src/config/schema.js";
import { runConfig } from "../../src/run/run.js";
import { flattenRow } from "../../src/algorithms/driver.js";
import { main } from "../../src/cli/main.js";

const col = (M: Matrix, l: number): Float64Array => Float64Array.from({ length: M.rows }, (_, i) => M.data[i * M.cols + l]);

describe("spectral initialization from A*(y)", () => {
  it("symmetric: the columns of X₀ are eigenvectors of sym(A*(y)) with ‖x_l‖² = λ_l, the top k", () => {
    const rng = createRng(41);
    const n = 8,
      k = 3;
    const op = gaussianOperator(200, n, n, rng, tsBackend);
    const truth = psdTruth(n, Float64Array.from([1, 0.6]), rng);
    const y = op.apply(truth.Mstar);
    const x = spectralInit(op, y, "symmetric", k, rng);
    if (x.kind !== "symmetric") throw new Error("unreachable");
    const S = op.adjoint(y);
    const sym = { ...S, data: S.data.map((_, i) => 0.5 * (S.data[i] + S.data[(i % n) * n + Math.floor(i / n)])) };
    const { values } = symmetricEigen(sym);
    const SX = matmul(sym, x.X);
    for (let l = 0; l < k; l++) {
      const xl = col(x.X, l),
        sxl = col(SX, l);
      const lam = Math.max(values[l], 0);
      let nn = 0;
      for (let i = 0; i < n; i++) nn += xl[i] * xl[i];
      expect(Math.abs(nn - lam)).toBeLessThan(1e-12); // ‖U_l √λ_l‖² = λ_l
      for (let i = 0; i < n; i++) expect(Math.abs(sxl[i] - lam * xl[i])).toBeLessThan(1e-12);
    }
    // and it is a good start: A*(y) ≈ M* for an isometric operator (RIP error of order √(n/m)·‖M*‖)
    expect(frobeniusDistance(matmulNT(x.X, x.X), truth.Mstar) / frobeniusNorm(truth.Mstar)).toBeLessThan(0.5);
  });

  it("asymmetric: F₀ = U_kΣ^{1/2}, G₀ = V_kΣ^{1/2} (balanced, A*(y)G₀ = F₀Σ)", () => {
    const rng = createRng(42);
    const op = gaussianOperator(200, 6, 9, rng, tsBackend);
    const truth = generalTruth(6, 9, Float64Array.from([1, 0.5]), rng);
    const y = op.apply(truth.Mstar);
    const x = spectralInit(op, y, "asymmetric", 2, rng);
    if (x.kind !== "asymmetric") throw new Error("unreachable");
    const FtF = matmulTN(x.F, x.F),
      GtG = matmulTN(x.G, x.G);
    expect(frobeniusDistance(FtF, GtG)).toBeLessThan(1e-12);
    expect(Math.abs(FtF.data[1])).toBeLessThan(1e-12);
    const SG = matmul(op.adjoint(y), x.G);
    for (let i = 0; i < 6; i++) for (let l = 0; l < 2; l++) expect(Math.abs(SG.data[i * 2 + l] - x.F.data[i * 2 + l] * FtF.data[l * 3])).toBeLessThan(1e-12);
  });

  it("the randomized subspace iteration (large-n path) matches the dense decomposition", () => {
    // with a spectral gap λ_{l+1}/λ_k ≲ 0.5 and q = 8 power iterations the subspace error is
    // ~(0.5)^{2q+1} ≈ 1e-5 at worst, ≪ the 1e-3 tolerance on the product; a wrong path is O(1) off
    const rng = createRng(43);
    const n = 60;
    const truth = generalTruth(n, n, Float64Array.from([1, 0.7]), rng);
    const psd = psdTruth(n, Float64Array.from([1, 0.7]), rng);
    const op = completionOperator(n, n, 0.5, rng);
    for (const [kind, M] of [
      ["asymmetric", truth.Mstar],
      ["symmetric", psd.Mstar],
    ] as const) {
      const y = op.apply(M);
      const dense = spectralInit(op, y, kind, 2, createRng(1));
      const rand = spectralInit(op, y, kind, 2, createRng(1), { denseLimit: 0 });
      const P = (x: typeof dense) => (x.kind === "symmetric" ? matmulNT(x.X, x.X) : matmulNT(x.F, x.G));
      expect(frobeniusDistance(P(dense), P(rand)) / frobeniusNorm(P(dense))).toBeLessThan(1e-3);
    }
  });
});

describe("every method runs on every operator (matsense run engine)", () => {
  const methods = ["gd", "scaled-gd", "scaled-gd-lambda", "precgd", "gradient-flow", "subgradient-l1", "svt"] as const;
  const operators = ["gaussian", "symmetric-gaussian", "identity", "completion", "rank-one", "srht"] as const;
  for (const model of ["symmetric", "asymmetric"] as const) {
    it(`${model} model: all ${methods.length}×${operators.length} combinations run and report finite metrics`, () => {
      for (const op of operators) {
        for (const method of methods) {
          const out = runConfig({
            seed: 2,
            problem: { n: 6, rank: 1, truth: "psd" },
            operator: { type: op, m: 60, ...(op === "completion" ? { p: 0.8 } : {}) },
            model: { type: model, k: 2 },
            init: { type: method === "scaled-gd" ? "spectral" : "small-random", alpha: 0.1 },
            method: { name: method, stepSize: 0.02 },
            stop: { maxIterations: 5 },
          });
          expect(out.result.iterations, `${model}/${op}/${method}`).toBe(5);
          for (const v of Object.values(flattenRow(out.result.final))) expect(Number.isFinite(v), `${model}/${op}/${method}`).toBe(true);
        }
      }
    });
  }

  it("the CLI runs a new method/operator pair and writes its diagnostics column", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-methods-"));
    let err = "";
    const code = await main(
      [
        "node",
        "matsense",
        "run",
        "-q",
        "--out",
        dir,
        "--set",
        "method.name=svt",
        "--set",
        "operator.type=completion",
        "--set",
        "operator.p=0.7",
        "--set",
        "method.stepSize=1.2",
        "--set",
        "problem.n=12",
        "--set",
        "stop.maxIterations=20",
      ],
      { out: () => {}, err: (s) => void (err += s) },
    );
    expect(err).toBe("");
    expect(code).toBe(0);
    const header = fs.readFileSync(path.join(dir, "metrics.csv"), "utf8").split("\n")[0].split(",");
    expect(header).toContain("rank");
    const summary = JSON.parse(fs.readFileSync(path.join(dir, "summary.json"), "utf8"));
    expect(summary.events[0].message).toMatch(/τ = 5‖y‖₂/);
  });

  it("undefined combinations give a ConfigError naming the field", () => {
    expect(() => resolveConfig({ operator: { type: "srht", m: 600 }, problem: { n: 20 } })).toThrow(ConfigError);
    expect(() => resolveConfig({ operator: { type: "srht", m: 600 }, problem: { n: 20 } })).toThrow(/operator\.m: srht .* must be ≤ 512/);
    expect(() => resolveConfig({ method: { name: "svt" }, problem: { n: 2000 } })).toThrow(/method\.name: svt works on a dense/);
    expect(() => resolveConfig({ method: { name: "precgd", decay: 2 } })).toThrow(/method\.decay/);
    expect(() => resolveConfig({ method: { name: "scaled-gd" }, problem: { n: 5, rank: 2 }, model: { k: 6 } })).toThrow(/model\.k: scaled-gd .* singular/);
    expect(() =>
      resolveConfig({ method: { name: "gd", rebalanceAtIteration: 3 }, problem: { n: 4, rank: 1, truth: "general" }, model: { type: "asymmetric", k: 5 } }),
    ).toThrow(/rebalancing needs FᵀF invertible/);
    // options of other methods are errors naming the methods that have them
    const foreign = { method: { name: "gd", lambda: 0.5, tau: 3 } };
    expect(() => resolveConfig(foreign)).toThrow(/method\.lambda: is an option of method\.name "scaled-gd-lambda", not of "gd"/);
    expect(() => resolveConfig(foreign)).toThrow(/method\.tau: is an option of method\.name "svt"/);
  });
});
