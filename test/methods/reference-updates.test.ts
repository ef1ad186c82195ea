import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { executeRun } from "../../src/run/runFolder.js";

/**
 * Each new method against a NumPy port of a public reference implementation's update lines
 * (test/reference/updates.py names the repository, commit and lines), on an instance
 * matsense exported with --save-instance. Same arithmetic in another summation order: the
 * final factors agree to a relative 1e-9 after the iterations run here (the iterations
 * contract, so rounding differences do not grow).
 */
const hasNumpy = spawnSync("python3", ["-c", "import numpy"], { stdio: "ignore" }).status === 0;
const hasScipy = spawnSync("python3", ["-c", "import scipy.linalg"], { stdio: "ignore" }).status === 0;
const script = path.resolve(import.meta.dirname, "../reference/updates.py");

function deviation(method: string, cfg: Record<string, unknown>, iterations: number): number {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), `matsense-ref-${method}-`)), "r");
  executeRun({ ...cfg, stop: { maxIterations: iterations } }, dir, { saveInstance: true });
  const r = spawnSync("python3", [script, method, dir, String(iterations)], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  return Number(r.stdout.trim());
}

const base = {
  seed: 11,
  problem: { n: 8, n2: 7, rank: 2, truth: "general", kappa: 5 },
  operator: { type: "gaussian", m: 150 },
  model: { type: "asymmetric", k: 4 },
  init: { alpha: 0.1 },
};

describe.skipIf(!hasNumpy)("new methods against the reference implementations' update lines (skipped without python3 + numpy)", () => {
  it("adam = torch.optim.Adam's update (the optimizer of roosephu/deep_matrix_factorization)", () => {
    const dev = deviation("adam", { ...base, method: { name: "adam", stepSize: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-8 } }, 60);
    console.log(`adam vs torch Adam port: largest relative deviation ${dev}`);
    expect(dev).toBeLessThan(1e-9);
  });

  it("agn = hsijiaxidian/AGN's AGN loop (lstsq steps on L, then R)", () => {
    const dev = deviation("agn", { ...base, method: { name: "agn", stepSize: 0.5 } }, 30);
    console.log(`agn vs AGN.py port: largest relative deviation ${dev}`);
    expect(dev).toBeLessThan(1e-9);
  });

  it.each([
    ["gauss-newton", {}],
    ["levenberg-marquardt", { damping: 1e-3 }],
  ])("%s = LM_composite_optimization's LM/GN step (cg_solve on GN_action_matrix_tensor)", (name, extra) => {
    const dev = deviation(name, { ...base, method: { name, stepSize: 0.5, cgTolerance: 1e-12, cgMaxIterations: 200, ...extra } }, 25);
    console.log(`${name} vs LM_composite_optimization port: largest relative deviation ${dev}`);
    expect(dev).toBeLessThan(1e-8);
  });

  it.skipIf(!hasScipy)("mirror-descent = irmsmd's md() (spectral entropy, psd branch; skipped without scipy)", () => {
    const cfg = {
      seed: 4,
      problem: { n: 8, rank: 2 },
      operator: { type: "symmetric-gaussian", m: 120, storage: "float64" },
      method: { name: "mirror-descent", stepSize: 0.5, initScale: 1e-3 },
    };
    const dev = deviation("mirror-descent", cfg, 40);
    console.log(`mirror-descent vs irmsmd md port: largest relative deviation ${dev}`);
    expect(dev).toBeLessThan(1e-9);
  });
});
