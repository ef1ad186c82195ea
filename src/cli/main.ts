import * as path from "node:path";
import { Command, CommanderError } from "commander";
import { ConfigError, type ConfigInput, applySets, describeConfig, parseSetValue, resolveConfig } from "../io/config.js";
import { executeRunAsync } from "../experiments/execute.js";
import { ResumeError, prepareResume } from "../experiments/checkpoint.js";
import { matsenseVersion } from "../io/version.js";
import { JsonInputError, readJsonInput } from "../io/json.js";
import { runHeadlineDemo } from "./demo.js";
import { Progress } from "./progress.js";
import { EXIT_INTERRUPTED, installInterruptHandlers } from "./signals.js";
import { EXIT_DIVERGED, existingPolicy, runFolderErrors } from "./guard.js";

/** Thrown for user errors that should print one paragraph and exit non-zero. */
export class UsageError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
  }
}

/**
 * Reads a JSON config or grid file strictly (src/io/json.ts: BOM accepted, duplicate keys
 * and overflowing numbers refused, syntax errors with line:column) with a clear error.
 */
export function readJsonFile(file: string, what = "config"): Record<string, unknown> {
  try {
    return readJsonInput(file, what) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof JsonInputError) throw new UsageError(e.message);
    throw e;
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A default output folder name: matsense-runs/<label>-YYYYMMDD-HHMMSS. */
export function defaultOutDir(label: string): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
  return path.join("matsense-runs", `${label}-${stamp}`);
}

/**
 * Installs the interrupt handlers (SIGINT, SIGTERM, SIGHUP, SIGUSR1; see ./signals.ts):
 * the first signal asks runs to stop, a second one exits at once.
 */
export function interruptFlag(): { stop: () => boolean; dispose: () => void } {
  return installInterruptHandlers();
}

function fmt(v: number | undefined, digits = 3): string {
  if (v === undefined || Number.isNaN(v)) return "—";
  return v.toExponential(digits - 1);
}

function parseCheckpointEvery(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!(x >= 0) || !Number.isFinite(x)) throw new UsageError(`--checkpoint-every expects a number of seconds ≥ 0, got "${v}"`);
  return x;
}

/** `run --resume [DIR]`: the config and checkpoint of DIR or --out (the config comes from the folder, not --config). */
function resumeArgs(opts: { resume?: string | boolean; config?: string; out?: string; set: string[]; backend?: string; threads?: string }) {
  const dir = typeof opts.resume === "string" ? opts.resume : opts.out;
  if (!dir) throw new UsageError("--resume needs the run folder: --resume DIR (or --resume --out DIR)");
  if (opts.config) throw new UsageError("--resume takes the config from the run folder; drop --config (change stop.* with --set)");
  if (typeof opts.resume === "string" && opts.out && path.resolve(opts.out) !== path.resolve(opts.resume)) {
    throw new UsageError("--resume continues the run in its own folder; drop --out or give the same folder");
  }
  if (opts.backend) throw new UsageError("--resume keeps the run's backend (its metrics would not continue bitwise on another); drop --backend");
  const sets = opts.threads !== undefined ? [...opts.set, `operator.threads=${opts.threads}`] : opts.set;
  try {
    return prepareResume(dir, sets);
  } catch (e) {
    if (e instanceof ResumeError) throw new UsageError(e.message);
    throw e;
  }
}

/** Builds the `matsense` command tree (exported so subcommands can be added by other modules). */
export function buildProgram(out: (s: string) => void, err: (s: string) => void): Command {
  const program = new Command();
  program
    .name("matsense")
    .description("Low-rank matrix sensing by factorized gradient methods")
    .version(matsenseVersion())
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: err });

  program
    .command("run")
    .description(
      "run one config (or, with no --config and no --set, the built-in demo: symmetric GD with k = r versus k > r on the same data)",
    )
    .option("-c, --config <file>", "JSON config file")
    .option("-s, --set <path=value>", "override a config field, e.g. --set init.alpha=0.01 (repeatable)", collect, [])
    .option("-o, --out <dir>", "output folder (default: matsense-runs/<name>-<time>)")
    .option("--save-instance", "also write M_star.npy, A.npy, y.npy and X0.npy or F0.npy + G0.npy")
    .option("--backend <name>", "kernel backend: auto | ts | wasm (overrides operator.backend)")
    .option("--threads <n>", "threads for the wasm backend's operator multiplies, 0 = automatic (overrides operator.threads)")
    .option("-q, --quiet", "no progress bar and no table")
    .option("--force", "if --out already holds a result, delete its result files and figures and run again")
    .option("--resume [dir]", "continue the run in DIR (or in --out) from its checkpoint; only --set stop.* / operator.threads may change")
    .option("--checkpoint-every <seconds>", "seconds between checkpoints (checkpoint.json; default 60)")
    .action(async (opts: { config?: string; set: string[]; out?: string; saveInstance?: boolean; backend?: string; threads?: string; quiet?: boolean; force?: boolean; resume?: string | boolean; checkpointEvery?: string }) => {
      const interrupt = interruptFlag();
      const existing = existingPolicy({ force: opts.force, resume: !!opts.resume });
      try {
        const checkpointSeconds = parseCheckpointEvery(opts.checkpointEvery);
        const resumed = opts.resume ? resumeArgs(opts) : undefined;
        if (!resumed && !opts.config && opts.set.length === 0) {
          const dir = opts.out ?? defaultOutDir("demo");
          await runFolderErrors(() =>
            runHeadlineDemo(dir, { out, err, quiet: !!opts.quiet, shouldStop: interrupt.stop, saveInstance: !!opts.saveInstance, backend: opts.backend, existing }));
          return;
        }
        const raw: Record<string, unknown> = opts.config ? readJsonFile(opts.config) : {};
        if (!resumed) applySets(raw, opts.set);
        if (opts.backend) {
          const op = (raw.operator ?? {}) as Record<string, unknown>;
          raw.operator = { ...op, backend: opts.backend };
        }
        if (opts.threads !== undefined) {
          const op = (raw.operator ?? {}) as Record<string, unknown>;
          raw.operator = { ...op, threads: parseSetValue(opts.threads) };
        }
        const config = resumed?.config ?? resolveConfig(raw as ConfigInput);
        const dir = resumed?.resume.dir ?? opts.out ?? defaultOutDir("run");
        const progress = new Progress(config.stop.maxIterations, !opts.quiet);
        let summary;
        try {
          ({ summary } = await runFolderErrors(() => executeRunAsync(config, dir, {
            saveInstance: opts.saveInstance,
            onIteration: (t, e) => progress.update(t, e),
            shouldStop: interrupt.stop,
            checkpointSeconds,
            resume: resumed?.resume,
            existing,
            onNotice: (m) => err(`matsense: ${m}\n`),
          })));
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
        if (!opts.quiet) {
          const f = summary.final!;
          out(
            `${summary.status} after ${summary.iterations} iterations (${summary.seconds.toFixed(2)} s): ` +
              `rel_error ${fmt(f.rel_error)}, loss ${fmt(f.loss)}` +
              (f.imbalance_norm !== undefined ? `, ‖FᵀF−GᵀG‖ ${fmt(f.imbalance_norm)}` : "") +
              (f.sym_rel_error !== undefined ? `, sym_rel_error ${fmt(f.sym_rel_error)}` : "") +
              `\nresults in ${dir}\n`,
          );
        }
      } finally {
        interrupt.dispose();
      }
    });

  program
    .command("config")
    .description("print the resolved config (defaults filled in), or with --schema every field with its default and meaning")
    .option("-c, --config <file>", "JSON config file")
    .option("-s, --set <path=value>", "override a config field (repeatable)", collect, [])
    .option("--schema", "describe every config field")
    .action((opts: { config?: string; set: string[]; schema?: boolean }) => {
      if (opts.schema) {
        for (const f of describeConfig()) {
          const extra = [
            f.default !== undefined ? `default ${JSON.stringify(f.default)}` : "",
            f.allowed ? `one of ${f.allowed.map((a) => JSON.stringify(a)).join(" | ")}` : "",
          ].filter(Boolean).join("; ");
          out(`${f.path.padEnd(28)} ${f.description}${extra ? ` (${extra})` : ""}\n`);
        }
        return;
      }
      const raw: Record<string, unknown> = opts.config ? readJsonFile(opts.config) : {};
      applySets(raw, opts.set);
      out(JSON.stringify(resolveConfig(raw as ConfigInput), null, 2) + "\n");
    });

  return program;
}

/** Extra subcommands registered by other modules (sweep, plot, reproduce, bench …). */
const extensions: ((program: Command, io: { out: (s: string) => void; err: (s: string) => void }) => void)[] = [];

/** Registers a function that adds subcommands to the program. */
export function registerCommands(fn: (program: Command, io: { out: (s: string) => void; err: (s: string) => void }) => void): void {
  extensions.push(fn);
}

/** The CLI entry point; returns the exit code. Errors are one paragraph, never a stack trace. */
export async function main(argv: string[], io = {
  out: (s: string) => void process.stdout.write(s),
  err: (s: string) => void process.stderr.write(s),
}): Promise<number> {
  await import("./commands.js");
  const program = buildProgram(io.out, io.err);
  for (const ext of extensions) ext(program, io);
  try {
    await program.parseAsync(argv);
    const code = typeof process.exitCode === "number" ? process.exitCode : 0;
    process.exitCode = undefined;
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof ConfigError) {
      io.err(`matsense: invalid config:\n${e.message.split("\n").map((l) => `  ${l}`).join("\n")}\n`);
      return 2;
    }
    if (e instanceof UsageError) {
      io.err(`matsense: ${e.message}\n`);
      return e.exitCode;
    }
    io.err(`matsense: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
