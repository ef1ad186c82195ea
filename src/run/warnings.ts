import type { ResolvedConfig } from "../config/schema.js";
import type { Instance } from "../catalogue/instance.js";
import { methodFacts, operatorFacts } from "../catalogue/registry.js";
import { maxOf, minOf } from "../linalg/extrema.js";
import { type NoiseFloorSetting, modelDegreesOfFreedom, noiseFloorEstimate, noiseFloorSetting } from "../metrics/noiseFloor.js";

/**
 * Scientific warnings: setups that run but cannot mean what they seem to (M* not
 * identifiable, a step size past the stability limit, noise with no stop rule that knows
 * about it, completion rows/columns that cannot be recovered). They are printed and
 * written to summary.json `warnings`; they never refuse a run. Pure: no I/O.
 */

/** Degrees of freedom of the truth's model: r(2n − r + 1)/2 for PSD XXᵀ, else r(n1 + n2 − r) (see modelDegreesOfFreedom). */
export function degreesOfFreedom(config: ResolvedConfig): { dof: number; formula: string } {
  return modelDegreesOfFreedom(floorSetting(config));
}

function floorSetting(config: ResolvedConfig): NoiseFloorSetting {
  return noiseFloorSetting(config as unknown as Record<string, unknown>)!;
}

/**
 * Estimated largest stable step of plain GD. Near the solution the loss behaves like
 * ½‖A(P − M*)‖², whose curvature along the tangent directions of the rank-r set is the
 * curvature of ½‖P − M*‖²_F there — 4σ₁ for XXᵀ (direction u₁e₁ᵀ), 2σ₁ for a balanced FGᵀ —
 * times the operator's largest gain ‖A(Z)‖²/‖Z‖²_F over that dof-dimensional tangent
 * space. For a random operator that gain is estimated as 1 + δ with the restricted-isometry
 * constant δ ≈ √(dof/m) of m random measurements on a dof-dimensional set, or by the
 * measured gain on the truth ‖A(M*)‖²/‖M*‖²_F (≈ the gain on the initial residual
 * A(P₀) − y ≈ −A(M*) of a small init) if that is larger; 1 for identity. (Checked on
 * n = 20, r = 2, m = 400: the estimate 0.38 for XXᵀ separates η = 0.3, which converges,
 * from 0.4, which stalls; for FGᵀ 0.70 separates 0.55 from 0.9, which diverges.)
 * GD is stable for η < 2/L̂, L̂ = (4 or 2)·g·σ₁.
 */
export function stableStepEstimate(config: ResolvedConfig, inst: Instance): { eta: number; how: string } {
  const sigma1 = maxOf(inst.truth.sigma);
  let yy = 0;
  for (const v of inst.yClean) yy += v * v;
  let mm = 0;
  for (const s of inst.truth.sigma) mm += s * s;
  const gTruth = mm > 0 ? yy / mm : 1;
  const { dof } = degreesOfFreedom(config);
  const gEdge = operatorFacts(config).isometry ? 1 : 1 + Math.sqrt(dof / inst.operator.m);
  const g = Math.max(gTruth, gEdge);
  const c = config.model.type === "symmetric" ? 4 : 2;
  const L = c * g * sigma1;
  return {
    eta: 2 / L,
    how:
      `2/L̂, L̂ = ${c}·g·σ₁ = ${c}·${g.toPrecision(3)}·${sigma1.toPrecision(3)}: ${c}σ₁ is the curvature of ` +
      `½‖${config.model.type === "symmetric" ? "XXᵀ" : "FGᵀ"} − M*‖² at the solution, ` +
      `g = max(1 + √(dof/m), ‖A(M*)‖²/‖M*‖²_F) = max(${gEdge.toPrecision(3)}, ${gTruth.toPrecision(3)}) the operator's gain on the rank-r tangent ` +
      `space (restricted isometry 1 + δ, δ ≈ √(dof/m)) and on the initial residual`,
  };
}

/** Warnings for a config and its built instance (see the module comment). */
export function scientificWarnings(config: ResolvedConfig, inst: Instance): string[] {
  const w: string[] = [];
  const { n: n1, n2, rank: r, noise } = config.problem;
  const m = inst.operator.m;
  const k = config.model.k;
  const isIdentity = operatorFacts(config).isometry;
  const given = inst.truth.given;
  if (given && given.numericalRank !== r) {
    w.push(
      `problem.file: M* has numerical rank ${given.numericalRank} (singular values above max(n1, n2)·ε·σ₁), problem.rank = ${r}: ` +
        (given.numericalRank > r
          ? `the truth is not rank ${r} (σ_${r + 1} = ${given.sigmaNext.toPrecision(3)}); errors are measured against the full M*`
          : "the truth has fewer directions than problem.rank"),
    );
  }

  const { dof, formula } = degreesOfFreedom(config);
  if (!isIdentity && m < dof) {
    w.push(
      `unidentifiable: m = ${m} measurements are fewer than the ${dof} degrees of freedom of a rank-${r} truth (${formula}); ` +
        `many matrices fit y exactly, so a loss near 0 does not mean M* was found — use operator.m ≥ ${Math.ceil(dof)} (in practice several times more)`,
    );
  }
  if (k > Math.min(n1, n2)) {
    w.push(`model.k = ${k} exceeds min(n1, n2) = ${Math.min(n1, n2)}: the extra columns cannot add rank and only slow the method; use k ≤ ${Math.min(n1, n2)}`);
  }
  if (methodFacts(config).gdStepRule && !inst.truth.absent) {
    const s = stableStepEstimate(config, inst);
    if (config.method.stepSize > s.eta) {
      w.push(
        `method.stepSize = ${config.method.stepSize} is above the estimated largest stable step ${s.eta.toPrecision(3)} of gradient descent ` +
          `(estimated as ${s.how}); the run may oscillate or diverge`,
      );
    }
  }
  if (noise > 0 && !config.stop.noiseFloor) {
    const floor = noiseFloorEstimate(floorSetting(config));
    let mm = 0;
    for (const s of inst.truth.sigma) mm += s * s;
    const rel = floor ? floor.abs / Math.sqrt(mm) : undefined;
    const target = config.stop.targetRelError;
    if (rel !== undefined && target < rel) {
      w.push(
        `problem.noise = ${noise} but no stop rule uses the noise level: the exact model's error ‖P − M*‖_F ends near ${floor!.abs.toPrecision(3)} ` +
          `(${floor!.formula}), ${rel.toPrecision(3)} relative to ‖M*‖_F ` +
          (target > 0 ? `(so stop.targetRelError = ${target} is never reached)` : "(stop.targetRelError is off)") +
          `, and past that point the iterates fit the noise; set stop.noiseFloor (e.g. 1.5), stop.targetRelError ≥ ${rel.toPrecision(2)}, ` +
          "or read the error at a chosen budget",
      );
    } else if (rel === undefined && target === 0) {
      w.push(
        `problem.noise = ${noise} but no stop rule uses the noise level ` +
          `(stop.targetRelError is off; no noise-floor estimate for operator.type "${config.operator.type}"): ` +
          `past the noise floor the iterates fit the noise; set stop.targetRelError or read the error at a chosen budget`,
      );
    }
  }
  // an operator that observes entries (completion) exposes its index sets
  const op = inst.operator as { rowIndex?: Int32Array; colIndex?: Int32Array };
  if (op.rowIndex && op.colIndex) {
    const rows = new Int32Array(n1),
      cols = new Int32Array(n2);
    for (let e = 0; e < op.rowIndex.length; e++) {
      rows[op.rowIndex[e]]++;
      cols[op.colIndex[e]]++;
    }
    const thin = (a: Int32Array) => a.reduce((c, v) => c + (v < r ? 1 : 0), 0);
    const tr = thin(rows),
      tc = thin(cols);
    if (tr + tc > 0) {
      const minRow = minOf(rows),
        minCol = minOf(cols);
      w.push(
        `completion: ${tr} row(s) and ${tc} column(s) of Ω hold fewer than r = ${r} observed entries (fewest: ${minRow} in a row, ${minCol} in a column); ` +
          `those rows/columns of M* are not determined by the data — raise operator.p`,
      );
    }
  }
  return w;
}
