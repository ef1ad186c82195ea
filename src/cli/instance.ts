import type { Command } from "commander";
import { type ConfigInput, applySets, resolveConfig } from "../config/schema.js";
import { buildOperator } from "../catalogue/instance.js";
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

/**
 * `matsense instance --rip r`: builds the operator of a config (the same draws as
 * `matsense run` with that seed) and prints a Monte-Carlo estimate of its rank-r
 * restricted-isometry deviation |‖A(Z)‖² − 1| over random unit-Frobenius rank-r Z.
 */
export function addInstanceCommands(program: Command, io: CliIO): void {
  program
    .command("instance")
    .description(commandDescription("instance"))
    .option("-c, --config <file>", "JSON config file")
    .option("-s, --set <path=value>", "override a config field (repeatable)", collect, [])
    .requiredOption("--rip <r>", "rank of the random test matrices")
    .option("--samples <N>", "number of random rank-r matrices", "200")
    .option("--json", "print the estimate as JSON")
    .action((opts: { config?: string; set: string[]; rip: string; samples: string; json?: boolean }) => {
      const raw: Record<string, unknown> = opts.config ? readJsonFile(opts.config) : {};
      applySets(raw, opts.set);
      const config = resolveConfig(raw as ConfigInput);
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
          `operator ${config.operator.type} (m = ${op.m}, ${op.n1}×${op.n2}, seed ${config.seed}); ${samples} random ${symmetric ? "symmetric " : ""}rank-${rank} Z with ‖Z‖_F = 1\n` +
            `|‖A(Z)‖² − 1|: max ${f(est.max)}, 99% ${f(est.q99)}, 90% ${f(est.q90)}, median ${f(est.median)}, mean ${f(est.mean)}\n` +
            `‖A(Z)‖² ranged over [${f(est.minRatio)}, ${f(est.maxRatio)}]; the max is a lower bound on δ_${rank} (random directions are typical, not worst case)\n`,
        );
      } finally {
        op.dispose();
      }
    });
}
