import type { Command } from "commander";
import { type ConfigInput, applySets, resolveConfig } from "../config/schema.js";
import { buildInstance, buildOperator } from "../catalogue/instance.js";
import { formatBytes, runMemory } from "../catalogue/memory.js";
import { checkOperatorMemory } from "../run/runFolder.js";
import { ripDeviation } from "../metrics/diagnostics.js";
import { streamRng } from "../random/rng.js";
import { type CliIO, UsageError, collect, readJsonFile } from "./shared.js";
import { commandDescription } from "./commands.js";

/** A positive integer option, or a UsageError naming the option and the value. */
function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be an integer ≥ 1, got ${JSON.stringify(v)}`);
  return n;
}

/** What `matsense instance` prints without --rip: sizes, norms, the operator's gain on M*, memory. */
export interface InstanceSummary {
  operator: string;
  seed: number;
  n1: number;
  n2: number;
  rank: number;
  k: number;
  m: number;
  /** m / (r(n1 + n2 − r)): measurements per degree of freedom of a rank-r matrix. */
  oversampling: number;
  /** ‖M*‖_F = ‖σ‖₂, ‖M*‖₂ = σ₁, κ = σ₁/σ_r. */
  truthFrobenius: number;
  truthSpectral: number;
  kappa: number;
  /** ‖A(M*)‖ and ‖y‖ (y = A(M*) + noise), and ‖y − A(M*)‖. */
  measurementsNorm: number;
  yNorm: number;
  noiseNorm: number;
  /** ‖A(M*)‖² / ‖M*‖²_F: 1 in expectation for the normalized operators (docs/methods.md). */
  gain: number;
  /** Bytes the run allocates (catalogue/memory.ts), total and by item. */
  memory: { total: number; items: { what: string; bytes: number }[] };
}

const norm2 = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
};

/** Builds the instance of a config (the same draws as `matsense run`) and summarizes it. */
export function instanceSummary(config: ReturnType<typeof resolveConfig>): InstanceSummary {
  const inst = buildInstance(config);
  try {
    const sigma = Array.from(inst.truth.sigma);
    const fro = norm2(sigma);
    const ac = norm2(inst.yClean);
    const noise = inst.y.map((v, i) => v - inst.yClean[i]);
    const { n: n1, n2, rank } = config.problem;
    // a run of the CLI streams its rows to metrics.csv (none kept in memory)
    const mem = runMemory(config, { keepRows: false });
    return {
      operator: config.operator.type,
      seed: config.seed,
      n1,
      n2,
      rank,
      k: config.model.k,
      m: inst.operator.m,
      oversampling: inst.operator.m / (rank * (n1 + n2 - rank)),
      truthFrobenius: fro,
      truthSpectral: Math.max(...sigma),
      kappa: Math.max(...sigma) / Math.min(...sigma),
      measurementsNorm: ac,
      yNorm: norm2(inst.y),
      noiseNorm: norm2(noise),
      gain: (ac * ac) / (fro * fro),
      memory: { total: mem.total, items: mem.items },
    };
  } finally {
    inst.operator.dispose();
  }
}

/** The summary as text lines. */
function formatSummary(s: InstanceSummary): string {
  const f = (v: number) => v.toPrecision(4);
  return (
    `instance of seed ${s.seed}: operator ${s.operator}, M* ${s.n1}×${s.n2} of rank ${s.rank}, k = ${s.k}, m = ${s.m} ` +
    `(${f(s.oversampling)} per degree of freedom r(n1 + n2 − r))\n` +
    `‖M*‖_F = ${f(s.truthFrobenius)}, ‖M*‖₂ = ${f(s.truthSpectral)}, κ = ${f(s.kappa)}\n` +
    `‖A(M*)‖ = ${f(s.measurementsNorm)}, ‖y‖ = ${f(s.yNorm)}, noise ‖y − A(M*)‖ = ${f(s.noiseNorm)}\n` +
    `operator gain on M*: ‖A(M*)‖²/‖M*‖²_F = ${f(s.gain)} (1 in expectation)\n` +
    `memory of a run: ${formatBytes(s.memory.total)} (${s.memory.items.map((i) => `${i.what} ${formatBytes(i.bytes)}`).join("; ")})\n`
  );
}

/**
 * `matsense instance`: builds the instance of a config (the same draws as `matsense run`
 * with that seed) and prints its sizes, norms, the operator's gain on M* and the memory of a
 * run; with `--rip r`, a Monte-Carlo estimate of the operator's rank-r restricted-isometry
 * deviation |‖A(Z)‖² − 1| over random unit-Frobenius rank-r Z.
 */
export function addInstanceCommands(program: Command, io: CliIO): void {
  program
    .command("instance")
    .description(commandDescription("instance"))
    .option("-c, --config <file>", "JSON config file")
    .option("-s, --set <path=value>", "override a config field (repeatable)", collect, [])
    .option("--rip <r>", "rank of the random test matrices (RIP estimate instead of the summary)")
    .option("--samples <N>", "number of random rank-r matrices", "200")
    .option("--json", "print the summary or the estimate as JSON")
    .action((opts: { config?: string; set: string[]; rip?: string; samples: string; json?: boolean }) => {
      const raw: Record<string, unknown> = opts.config ? readJsonFile(opts.config) : {};
      applySets(raw, opts.set);
      const config = resolveConfig(raw as ConfigInput);
      if (opts.rip === undefined) {
        checkOperatorMemory(config);
        const s = instanceSummary(config);
        io.out(opts.json ? JSON.stringify(s, null, 2) + "\n" : formatSummary(s));
        return;
      }
      const rank = positiveInt("--rip", opts.rip);
      const samples = positiveInt("--samples", opts.samples);
      const maxRank = Math.min(config.problem.n, config.problem.n2);
      if (rank > maxRank) throw new UsageError(`--rip must be ≤ min(n1, n2) = ${maxRank}, got ${rank}`);
      checkOperatorMemory(config);
      const op = buildOperator(config);
      try {
        // symmetric test matrices for symmetric measurements (E‖A(Z)‖² = ‖Z‖² only holds for symmetric Z there)
        const symmetric = op.symmetricMeasurements || config.model.type === "symmetric";
        const est = ripDeviation(op, rank, samples, streamRng(config.seed, "rip"), symmetric);
        if (opts.json) {
          io.out(JSON.stringify({ operator: config.operator.type, m: op.m, n1: op.n1, n2: op.n2, seed: config.seed, symmetric, ...est }, null, 2) + "\n");
          return;
        }
        const f = (v: number) => v.toPrecision(4);
        io.out(
          `operator ${config.operator.type} (m = ${op.m}, ${op.n1}×${op.n2}, seed ${config.seed}); ${samples} random ` +
            `${symmetric ? "symmetric " : ""}rank-${rank} Z with ‖Z‖_F = 1\n` +
            `|‖A(Z)‖² − 1|: max ${f(est.max)}, 99% ${f(est.q99)}, 90% ${f(est.q90)}, median ${f(est.median)}, mean ${f(est.mean)}\n` +
            `‖A(Z)‖² ranged over [${f(est.minRatio)}, ${f(est.maxRatio)}]; the max is a lower bound on δ_${rank} (random directions are typical, ` +
            `not worst case)\n`,
        );
      } finally {
        op.dispose();
      }
    });
}
