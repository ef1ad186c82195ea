import * as path from "node:path";
import type { Command } from "commander";
import { ResumeError, prepareResume, withRestartAdvice } from "../run/checkpoint.js";
import {
  type ConfigInput,
  DEFAULT_OPERATOR,
  applySets,
  configJsonSchema,
  describeConfig,
  entriesWithOption,
  getPath,
  parseSetValue,
  resolveConfig,
} from "../config/schema.js";
import { executeRunAsync } from "../run/runFolder.js";
import { type RunRate, formatRunRate, runRate } from "../results/run-rate.js";
import { readRunFolder } from "../results/results.js";
import type { RunSummary } from "../results/summary.js";
import { writeJsonAtomic } from "../io/files.js";
import { runHeadlineDemo } from "./demo.js";
import { EXIT_DIVERGED, existingPolicy, runFolderErrors } from "./guard.js";
import { Progress } from "./progress.js";
import { EXIT_INTERRUPTED } from "./signals.js";
import { type CliIO, UsageError, collect, defaultOutDir, fmt, interruptFlag, parseCheckpointEvery, parseMaxMemory, readJsonFile } from "./shared.js";
import { commandDescription } from "./commands.js";

/** `run --resume [DIR]`: the config and checkpoint of DIR or --out (the config comes from the folder, not --config). */
function resumeArgs(opts: { resume?: string | boolean; config?: string; out?: string; set: string[]; backend?: string; threads?: string }) {
  const dir = typeof opts.resume === "string" ? opts.resume : opts.out;
  if (!dir) throw new UsageError("--resume needs the run folder: --resume DIR (or --resume --out DIR)");
  if (opts.config) throw new UsageError("--resume takes the config from the run folder; drop --config (change stop.* with --set)");
  if (typeof opts.resume === "string" && opts.out && path.resolve(opts.out) !== path.resolve(opts.resume)) {
    throw new UsageError("--resume continues the run in its own folder; drop --out or give the same folder");
  }
  if (opts.backend) throw new UsageError("--resume keeps the run's backend (its metrics would not continue bitwise on another); drop --backend");
  try {
    return prepareResume(dir, opts.set, opts.threads);
  } catch (e) {
    if (e instanceof ResumeError) throw new UsageError(withRestartAdvice(e.message));
    throw e;
  }
}

/**
 * The fitted rate class and its rate or slope (results/run-rate.ts), written into the run's
 * summary.json as `rate` (summary.json is rewritten atomically; no other field changes).
 * Undefined for a run without valid metrics.
 */
export function storeRunRate(dir: string, summary: RunSummary): RunRate | undefined {
  if (summary.status === "failed") return undefined;
  const rate = runRate(readRunFolder(dir));
  if (rate) writeJsonAtomic(path.join(dir, "summary.json"), { ...summary, rate });
  return rate;
}

/** `matsense run` (one config, or the built-in demo) and `matsense config` (resolved config, schema). */
export function addRunCommands(program: Command, { out, err }: CliIO): void {
  program
    .command("run")
    .description(commandDescription("run"))
    .option("-c, --config <file>", "JSON config file")
    .option("-s, --set <path=value>", "override a config field, e.g. --set init.alpha=0.01 (repeatable)", collect, [])
    .option("-o, --out <dir>", "output folder (default: matsense-runs/<name>-<time>)")
    .option("--save-instance", "also write M_star.npy, A.npy, y.npy and X0.npy or F0.npy + G0.npy")
    .option(
      "--backend <name>",
      "kernel backend: auto | ts | wasm | wasm-relaxed (fused multiply-add, see docs/performance.md; overrides operator.backend " +
        "of the operators that have one)",
    )
    .option("--threads <n>", "threads for the wasm backend's operator multiplies, 0 = automatic (overrides operator.threads of the operators that have it)")
    .option("--max-memory <bytes>", "refuse the run if it would allocate more, e.g. 3GB (default: 75% of RAM, at most what is available)")
    .option("-q, --quiet", "no progress bar and no table")
    .option("--force", "if --out already holds a result, delete its result files and figures and run again")
    .option("--resume [dir]", "continue the run in DIR (or in --out) from its checkpoint; only --set stop.* / operator.threads may change")
    .option("--checkpoint-every <seconds>", "seconds between checkpoints (checkpoint.json; default 60)")
    .action(
      async (opts: {
        config?: string;
        set: string[];
        out?: string;
        saveInstance?: boolean;
        backend?: string;
        threads?: string;
        maxMemory?: string;
        quiet?: boolean;
        force?: boolean;
        resume?: string | boolean;
        checkpointEvery?: string;
      }) => {
        const interrupt = interruptFlag();
        const existing = existingPolicy({ force: opts.force, resume: !!opts.resume });
        try {
          const checkpointSeconds = parseCheckpointEvery(opts.checkpointEvery);
          const resumed = opts.resume ? resumeArgs(opts) : undefined;
          if (resumed?.notice) err(`matsense: ${resumed.notice}\n`);
          if (!resumed && !opts.config && opts.set.length === 0) {
            const dir = opts.out ?? defaultOutDir("demo");
            await runFolderErrors(() =>
              runHeadlineDemo(dir, {
                out,
                err,
                quiet: !!opts.quiet,
                shouldStop: interrupt.stop,
                saveInstance: !!opts.saveInstance,
                backend: opts.backend,
                existing,
              }),
            );
            return;
          }
          const raw: Record<string, unknown> = opts.config ? readJsonFile(opts.config) : {};
          if (!resumed) applySets(raw, opts.set);
          // --backend / --threads set the operator's kernel options when its type has them (identity and rank-one run no kernel)
          const kernelOption = (key: string) => entriesWithOption("operator", key).includes(String(getPath(raw, "operator.type") ?? DEFAULT_OPERATOR));
          if (opts.backend && kernelOption("backend")) {
            const op = (raw.operator ?? {}) as Record<string, unknown>;
            raw.operator = { ...op, backend: opts.backend };
          }
          if (opts.threads !== undefined && kernelOption("threads")) {
            const op = (raw.operator ?? {}) as Record<string, unknown>;
            raw.operator = { ...op, threads: parseSetValue(opts.threads) };
          }
          const config = resumed?.config ?? resolveConfig(raw as ConfigInput, { onNotice: (m) => err(`matsense: ${m}\n`) });
          const dir = resumed?.resume.dir ?? opts.out ?? defaultOutDir("run");
          const maxOperatorBytes = opts.maxMemory !== undefined ? await parseMaxMemory(opts.maxMemory) : undefined;
          const progress = new Progress(config.stop.maxIterations, !opts.quiet);
          let summary;
          try {
            ({ summary } = await runFolderErrors(() =>
              executeRunAsync(config, dir, {
                saveInstance: opts.saveInstance,
                ...(maxOperatorBytes !== undefined ? { maxOperatorBytes } : {}),
                onIteration: (t, e) => progress.update(t, e),
                shouldStop: interrupt.stop,
                existing,
                checkpointSeconds,
                resume: resumed?.resume,
                onNotice: (m) => err(`matsense: ${m}\n`),
              }),
            ));
          } catch (e) {
            // the resumed run does not reproduce its checkpoint's row: say how to start it again
            if (resumed && e instanceof ResumeError) e.message = withRestartAdvice(e.message);
            throw e;
          } finally {
            progress.stop();
          }
          for (const w of summary.warnings) err(`matsense: warning: ${w}\n`);
          if (!opts.quiet) for (const e of summary.events) out(`iteration ${e.iteration}: ${e.message}\n`);
          if (summary.status === "interrupted") process.exitCode = EXIT_INTERRUPTED;
          if (summary.status === "diverged") {
            process.exitCode = EXIT_DIVERGED;
            err(`matsense: diverged at iteration ${summary.divergedAt}${summary.divergedQuantity ? `: ${summary.divergedQuantity}` : ""}\n`);
          }
          const rate = storeRunRate(dir, summary);
          if (!opts.quiet) {
            const f = summary.final!;
            out(
              `${summary.status} after ${summary.iterations} iterations (${summary.seconds.toFixed(2)} s): ` +
                (f.rel_error !== undefined ? `rel_error ${fmt(f.rel_error)}, ` : "") +
                `loss ${fmt(f.loss)}` +
                (f.test_rel_error !== undefined ? `, test_rel_error ${fmt(f.test_rel_error)}` : "") +
                (f.imbalance_norm !== undefined ? `, ‖FᵀF−GᵀG‖ ${fmt(f.imbalance_norm)}` : "") +
                (f.sym_rel_error !== undefined ? `, sym_rel_error ${fmt(f.sym_rel_error)}` : "") +
                `\n${rate ? `${formatRunRate(rate)}\n` : ""}results in ${dir}\n`,
            );
          }
        } finally {
          interrupt.dispose();
        }
      },
    );

  program
    .command("config")
    .description(commandDescription("config"))
    .option("-c, --config <file>", "JSON config file")
    .option("-s, --set <path=value>", "override a config field (repeatable)", collect, [])
    .option("--schema", "describe every config field")
    .option("--json", "with --schema: the JSON Schema of the config (zod's export)")
    .action((opts: { config?: string; set: string[]; schema?: boolean; json?: boolean }) => {
      if (opts.schema && opts.json) {
        out(JSON.stringify(configJsonSchema(), null, 2) + "\n");
        return;
      }
      if (opts.schema) {
        for (const f of describeConfig()) {
          const extra = [
            f.default !== undefined ? `default ${JSON.stringify(f.default)}` : "",
            f.allowed ? `one of ${f.allowed.map((a) => JSON.stringify(a)).join(" | ")}` : "",
            f.only ? `only with ${f.only.path} ${f.only.values.map((v) => JSON.stringify(v)).join(" | ")}` : "",
          ]
            .filter(Boolean)
            .join("; ");
          out(`${f.path.padEnd(28)} ${f.description}${extra ? ` (${extra})` : ""}\n`);
        }
        return;
      }
      const raw: Record<string, unknown> = opts.config ? readJsonFile(opts.config) : {};
      applySets(raw, opts.set);
      out(JSON.stringify(resolveConfig(raw as ConfigInput, { onNotice: (m) => err(`matsense: ${m}\n`) }), null, 2) + "\n");
    });
}
