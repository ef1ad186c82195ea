/**
 * `matsense doctor`: a self-check a user runs after installing — the environment
 * (Node, cores, memory, kernel backends, WASM SIMD and threads) and a ~2-second battery of
 * checks that fail when the mathematics is wrong (not merely when something crashes):
 *
 * - adjoint identity ⟨A(Z), z⟩ = ⟨Z, A*(z)⟩ for every operator type and backend;
 * - the gradient the methods use against central finite differences of the loss;
 * - the imbalance identity of asymmetric GD: one step changes D = FᵀF − GᵀG by exactly
 *   η²(GᵀSᵀSG − FᵀSSᵀF) (S = A*(r)), and gradient flow conserves D;
 * - bitwise-identical operator products on 1 and 2 WASM threads (determinism);
 * - the steps of adam, deep gd, gauss-newton / levenberg-marquardt, agn and mirror descent
 *   against finite differences (doctor-methods.ts);
 * - the 1/T law of symmetric over-parameterized GD (k = r + 1): the redundant direction's
 *   size s obeys s₊ = s − 2ηs³, so the error ‖XXᵀ − M*‖_F ≈ s² ≈ 1/(4ηT).
 *
 * Exit code 0 when every check passes, 1 otherwise.
 */
import type { Command } from "commander";
import * as os from "node:os";
import { performance } from "node:perf_hooks";
import { type ConfigInput, entriesWithOption, resolveConfig } from "../config/schema.js";
import { OPERATORS } from "../catalogue/operators.js";
import { availableBackends, wasmAvailable, wasmRelaxedStatus, wasmUnavailableReason } from "../kernels/index.js";
import { type Matrix, dot, frobeniusNorm, matmul, matmulNT, matmulTN, norm2 } from "../linalg/matrix.js";
import type { SensingOperator } from "../operators/types.js";
import { buildInstance, buildOperator } from "../catalogue/instance.js";
import { createRng, type Rng } from "../random/rng.js";
import { type CheckResult, methodGradientChecks, randomMatrix } from "./doctor-methods.js";
import { GradientDescentAsymmetric, GradientDescentSymmetric } from "../algorithms/gd.js";
import { GradientFlow } from "../algorithms/gradientFlow.js";
import { imbalance } from "../metrics/metrics.js";
import type { CliIO } from "./shared.js";
import { commandDescription } from "./commands.js";

/** One check's outcome. */
export type { CheckResult };

/**
 * ⟨A(Z), z⟩ = ⟨Z, A*(z)⟩ for random Z, z. Tolerance 1e-10·‖A(Z)‖‖z‖: both sides are sums
 * of m·n1·n2 products, whose rounding is ≲ n1·n2·ε relative to those norms (≈ 1e-13 here),
 * while a wrong scale, transpose or index moves the two sides apart by O(1).
 */
export function adjointCheck(op: SensingOperator, rng: Rng, label: string): CheckResult {
  const Z = randomMatrix(rng, op.n1, op.n2);
  const z = new Float64Array(op.m);
  rng.fillNormal(z);
  const AZ = op.apply(Z);
  const lhs = dot(AZ, z);
  const rhs = dot(Z.data, op.adjoint(z).data);
  const scale = norm2(AZ) * norm2(z);
  const err = Math.abs(lhs - rhs) / scale;
  return { name: `adjoint ⟨A(Z),z⟩ = ⟨Z,A*(z)⟩: ${label}`, pass: err <= 1e-10, detail: `relative gap ${err.toExponential(1)} (≤ 1e-10)` };
}

/** ½‖A(FGᵀ) − y‖² evaluated directly. */
function lossAt(op: SensingOperator, y: Float64Array, F: Matrix, G: Matrix): number {
  const r = op.applyFactored(F, G, new Float64Array(op.m));
  let s = 0;
  for (let i = 0; i < r.length; i++) s += (r[i] - y[i]) ** 2;
  return s / 2;
}

/**
 * The gradient the symmetric GD method uses (read off one step: ∇f = (X − X₊)/η) against
 * the central difference (f(X + hD) − f(X − hD))/(2h) along a random D. The difference
 * quotient's error is O(h²‖∇³f‖) + O(ε f/h); with h = 1e-4·‖X‖/‖D‖ both are ≲ 1e-6
 * relative, while a gradient off by a factor (e.g. a lost 2 of ∇f = 2SX) misses by O(1).
 */
export function gradientCheck(op: SensingOperator, y: Float64Array, rng: Rng, k: number): CheckResult {
  const X = randomMatrix(rng, op.n1, k, 0.5);
  const D = randomMatrix(rng, op.n1, k);
  const h = (1e-4 * frobeniusNorm(X)) / frobeniusNorm(D);
  const Xp = { ...X, data: X.data.map((v, i) => v + h * D.data[i]) };
  const Xm = { ...X, data: X.data.map((v, i) => v - h * D.data[i]) };
  const fd = (lossAt(op, y, Xp, Xp) - lossAt(op, y, Xm, Xm)) / (2 * h);
  const eta = 1e-3;
  const x0 = X.data.slice();
  const gd = new GradientDescentSymmetric(op, y, X, eta);
  gd.step();
  const grad = x0.map((v, i) => (v - X.data[i]) / eta);
  const an = dot(grad, D.data);
  const err = Math.abs(an - fd) / Math.max(Math.abs(fd), 1e-300);
  return {
    name: "gradient of ½‖A(XXᵀ) − y‖² vs central finite differences",
    pass: err <= 1e-5,
    detail: `directional derivative ${an.toPrecision(8)} vs ${fd.toPrecision(8)}, relative gap ${err.toExponential(1)} (≤ 1e-5)`,
  };
}

/**
 * One step of asymmetric GD changes D = FᵀF − GᵀG by exactly η²(GᵀSᵀSG − FᵀSSᵀF), with
 * S = A*(A(FGᵀ) − y) (the first-order terms cancel). The identity holds for any S, so it
 * checks the update itself (simultaneous, S·G and Sᵀ·F of the same S = A*(r), no stray
 * factor): a 1% error in either breaks it by ~1e-4. The computed change has rounding
 * ≲ 1e-12·(‖FᵀF‖ + ‖GᵀG‖); η is chosen so that the η² term is far above that.
 */
export function imbalanceStepCheck(op: SensingOperator, y: Float64Array, rng: Rng, k: number): CheckResult {
  const F = randomMatrix(rng, op.n1, k, 0.5);
  const G = randomMatrix(rng, op.n2, k, 0.5);
  const eta = 0.05;
  const r = op.applyFactored(F, G, new Float64Array(op.m));
  for (let i = 0; i < r.length; i++) r[i] -= y[i];
  const S = op.adjoint(r);
  const SG = matmul(S, G),
    StF = matmulTN(S, F);
  const predicted = matmulTN(SG, SG);
  const b = matmulTN(StF, StF);
  for (let i = 0; i < predicted.data.length; i++) predicted.data[i] = eta * eta * (predicted.data[i] - b.data[i]);
  const D0 = imbalance(F, G);
  const gd = new GradientDescentAsymmetric(op, y, F, G, eta);
  gd.step();
  const D1 = imbalance(F, G);
  const diff = D1.data.map((v, i) => v - D0.data[i] - predicted.data[i]);
  const size = frobeniusNorm(matmulTN(F, F)) + frobeniusNorm(matmulTN(G, G));
  const err = norm2(diff) / size;
  const rel = norm2(predicted.data) / size;
  return {
    name: "imbalance identity: GD step changes FᵀF − GᵀG by η²(GᵀSᵀSG − FᵀSSᵀF)",
    pass: err <= 1e-12 && rel > 1e-6,
    detail: `mismatch ${err.toExponential(1)} (≤ 1e-12) of ‖FᵀF‖ + ‖GᵀG‖, η² term ${rel.toExponential(1)}`,
  };
}

/**
 * Gradient flow conserves D = FᵀF − GᵀG (d/dt FᵀF = d/dt GᵀG = −(FᵀSG + GᵀSᵀF)). With
 * tolerance 1e-10 per step, the drift over flow time T stays ~1e-8 relative; a GD step of
 * the same length would change D by O(η²) (checked above), ~1e-2 here.
 */
export function imbalanceFlowCheck(op: SensingOperator, y: Float64Array, rng: Rng, k: number): CheckResult {
  const F = randomMatrix(rng, op.n1, k, 0.3);
  const G = randomMatrix(rng, op.n2, k, 0.3);
  const D0 = imbalance(F, G);
  const flow = new GradientFlow(op, y, { kind: "asymmetric", F, G }, 0.01, 1e-10);
  flow.advanceTo(1);
  const D1 = imbalance(F, G);
  const size = frobeniusNorm(matmulTN(F, F)) + frobeniusNorm(matmulTN(G, G));
  const err = norm2(D1.data.map((v, i) => v - D0.data[i])) / size;
  return { name: "imbalance conserved by gradient flow (flow time 1)", pass: err <= 1e-6, detail: `drift ${err.toExponential(1)} of ‖FᵀF‖ + ‖GᵀG‖ (≤ 1e-6)` };
}

/** A(FGᵀ) on 1 and 2 WASM threads must be bitwise identical (the kernels fix the summation order). */
export function threadsCheck(rng: Rng): CheckResult {
  const base = { seed: 7, problem: { n: 24, rank: 2 }, operator: { type: "gaussian", m: 400, backend: "wasm" } };
  const one = buildOperator(resolveConfig({ ...base, operator: { ...base.operator, threads: 1 } } as ConfigInput));
  const two = buildOperator(resolveConfig({ ...base, operator: { ...base.operator, threads: 2 } } as ConfigInput));
  try {
    const F = randomMatrix(rng, 24, 3),
      G = randomMatrix(rng, 24, 3);
    const a = one.applyFactored(F, G, new Float64Array(400));
    const b = two.applyFactored(F, G, new Float64Array(400));
    const same = a.every((v, i) => Object.is(v, b[i]));
    return { name: "WASM threads: A(FGᵀ) bitwise identical on 1 and 2 threads", pass: same, detail: same ? "identical" : "results differ" };
  } finally {
    one.dispose?.();
    two.dispose?.();
  }
}

/**
 * The 1/T law of symmetric GD with k = r + 1 on pure factorization (identity operator): the
 * redundant direction's size obeys s₊ = s − 2ηs³ (∇f = 2(XXᵀ − M*)X), so s² ≈ 1/(4ηT) and
 * T·‖XXᵀ − M*‖_F → 1/(4η); the log-log slope of the error between T and 4T is ≈ −1.
 */
export function oneOverTCheck(): CheckResult {
  const eta = 0.05;
  const cfg = resolveConfig({
    seed: 3,
    problem: { n: 12, rank: 2, truth: "psd", kappa: 1.5 },
    operator: { type: "identity" },
    model: { type: "symmetric", k: 3 },
    init: { alpha: 0.05 },
    method: { name: "gd", stepSize: eta },
  } as ConfigInput);
  const inst = buildInstance(cfg);
  const X = randomMatrix(createRng(11), 12, 3, 0.05);
  const gd = new GradientDescentSymmetric(inst.operator, inst.y, X, eta);
  const err = () => {
    const P = matmulNT(X, X);
    return frobeniusNorm({ ...P, data: P.data.map((v, i) => v - inst.truth.Mstar.data[i]) });
  };
  const T1 = 2000,
    T2 = 8000;
  while (gd.iteration < T1) gd.step();
  const e1 = err();
  while (gd.iteration < T2) gd.step();
  const e2 = err();
  const slope = Math.log(e2 / e1) / Math.log(T2 / T1);
  const constant = T2 * e2 * 4 * eta;
  // finite-T corrections: s² = 1/(4ηT + 1/s₀²) + O(log T/T²)
  const pass = slope > -1.1 && slope < -0.9 && Math.abs(constant - 1) < 0.1;
  return {
    name: "1/T law: symmetric GD with k = r + 1",
    pass,
    detail: `log-log slope ${slope.toFixed(3)} (−1 ± 0.1), 4ηT·‖XXᵀ − M*‖_F at T = ${T2}: ${constant.toFixed(3)} (1 ± 0.1)`,
  };
}

/** The environment lines of the report. */
function relaxedLine(): string {
  const r = wasmRelaxedStatus();
  return r.available ? `yes, multiply-add ${r.fused ? "fused (one rounding)" : "unfused (two roundings)"} on this processor` : `no — ${r.reason}`;
}

export function environment(): string[] {
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  return [
    `node ${process.version} on ${process.platform}/${process.arch}, ${os.availableParallelism()} cores`,
    `memory: ${gib(os.freemem())} free of ` +
      `${gib(os.totalmem())}${constrained && constrained < os.totalmem() ? `, limited to ${gib(constrained)} for this process` : ""}`,
    `backends: ${availableBackends().join(", ")} (auto → ${wasmAvailable() ? "wasm-simd" : "ts"})`,
    `WASM SIMD + shared-memory threads: ${wasmAvailable() ? "yes" : `no — ${wasmUnavailableReason}`}`,
    `WASM relaxed SIMD (operator.backend "wasm-relaxed", only on request): ${relaxedLine()}`,
    `SharedArrayBuffer + Atomics (sweep stop flag): ${typeof SharedArrayBuffer === "function" && typeof Atomics === "object" ? "yes" : "no"}`,
  ];
}

/** Runs the battery (seeded, so every run does the same arithmetic). */
export function runDoctorChecks(): CheckResult[] {
  const rng = createRng(20240);
  const results: CheckResult[] = [];
  const backends = wasmAvailable() ? ["ts", "wasm"] : ["ts"];
  // every operator of the catalogue (but those reading files), from its descriptor's example, on every backend when it has the option
  for (const d of OPERATORS) {
    const declared = (d as { example?: { options: Record<string, unknown>; square?: boolean } | null }).example;
    if (declared === null) continue; // data from files: nothing self-contained to check
    const ex = declared ?? { options: {}, square: true };
    const square = ex.square !== false;
    for (const backend of entriesWithOption("operator", "backend").includes(d.type) ? backends : [undefined]) {
      const operator = { type: d.type, ...ex.options, ...(backend ? { backend } : {}) };
      const problem = { n: 16, n2: square ? 16 : 14, rank: 2, truth: "general" };
      const c = resolveConfig({ seed: 1, problem, model: { type: "asymmetric" }, operator } as ConfigInput);
      const inst = buildOperator(c);
      try {
        results.push(adjointCheck(inst, rng, `${d.type}${backend ? ` (${backend})` : ""}`));
      } finally {
        inst.dispose?.();
      }
    }
  }
  const sym = buildInstance(resolveConfig({ seed: 2, problem: { n: 14, rank: 2 }, operator: { type: "gaussian", m: 300 } } as ConfigInput));
  results.push(gradientCheck(sym.operator, sym.y, rng, 3));
  const asym = buildInstance(
    resolveConfig({
      seed: 4,
      problem: { n: 14, n2: 12, rank: 2, truth: "general" },
      operator: { type: "gaussian", m: 300 },
      model: { type: "asymmetric" },
    } as ConfigInput),
  );
  results.push(imbalanceStepCheck(asym.operator, asym.y, rng, 3));
  results.push(imbalanceFlowCheck(asym.operator, asym.y, rng, 3));
  const square = buildInstance(
    resolveConfig({
      seed: 6,
      problem: { n: 10, rank: 2, truth: "general" },
      operator: { type: "gaussian", m: 250 },
      model: { type: "asymmetric" },
    } as ConfigInput),
  );
  results.push(...methodGradientChecks(square.operator, square.y, rng, 3));
  if (wasmAvailable()) results.push(threadsCheck(rng));
  results.push(oneOverTCheck());
  return results;
}

/** Prints the report; returns the exit code (0 all pass, 1 otherwise). */
export function doctor(out: (s: string) => void, checks: () => CheckResult[] = runDoctorChecks): number {
  out("matsense doctor\n\nenvironment\n");
  for (const l of environment()) out(`  ${l}\n`);
  out("\nchecks\n");
  const t0 = performance.now();
  let results: CheckResult[];
  try {
    results = checks();
  } catch (e) {
    out(`  FAIL  the checks could not run: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  for (const r of results) out(`  ${r.pass ? "pass" : "FAIL"}  ${r.name}\n        ${r.detail}\n`);
  const failed = results.filter((r) => !r.pass).length;
  out(`\n${results.length - failed}/${results.length} checks pass (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  return failed ? 1 : 0;
}

/** `matsense doctor`: the self-check. */
export function addDoctorCommands(program: Command, io: CliIO): void {
  program
    .command("doctor")
    .description(commandDescription("doctor"))
    .action(() => {
      const code = doctor(io.out);
      if (code !== 0) process.exitCode = code;
    });
}
