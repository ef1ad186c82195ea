import type { Command } from "commander";
import * as os from "node:os";
import cliProgress from "cli-progress";
import { type Aggregate, formatPointTable, writeAggregate } from "../results/aggregate.js";
import { type Grid, parseGrid, parseShard, quickGrid, variedPaths } from "../config/grid.js";
import { applySets } from "../config/schema.js";
import { type SweepOptions, type SweepResult, runSweep, workerEntry } from "../sweep/sweep.js";
import type { ManifestEntry } from "../results/manifest.js";
import { runContext } from "../catalogue/context.js";
import { formatBytes } from "../catalogue/memory.js";
import { ExistingResultError, ForeignFilesError, claimSweepFolder } from "../run/claim.js";
import * as fs from "node:fs";
import * as path from "node:path";
import { isRunFolder, readRunFolder } from "../results/results.js";
import { formatRunRate, runRate } from "../results/run-rate.js";
import { UsageError, collect, defaultOutDir, fmt, interruptFlag, parseCheckpointEvery, parseMaxMemory, readJsonFile, type CliIO } from "./shared.js";
import { EXIT_INTERRUPTED } from "./signals.js";
import { mergeFolders } from "./merge-cli.js";
import { formatSeconds, progressLine } from "./progress-lines.js";
import { commandDescription } from "./commands.js";

/** Exit code of a sweep that skipped runs because another live process was writing them. */
export const EXIT_LOCKED_RUNS = 5;

/**
 * One progress bar for a sweep on stderr when it is a terminal (runs done / total, ETA);
 * when stderr is not a terminal (Slurm logs, CI, nohup), one plain line per finished run.
 */
export class SweepProgress {
  private bar: cliProgress.SingleBar | null = null;
  private failed = 0;
  private total = 0;
  private readonly lines: boolean;

  constructor(
    enabled: boolean,
    private readonly write: (s: string) => void = (s) => void process.stderr.write(s),
    tty = !!process.stderr.isTTY,
  ) {
    this.enabled = enabled && tty;
    this.lines = enabled && !tty;
  }

  private readonly enabled: boolean;

  start(toRun: number, skipped: number, workers: number): void {
    this.total = toRun;
    this.started = Date.now();
    if (!this.enabled || toRun === 0) return;
    this.bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: `{bar} {value}/{total} runs${skipped ? ` (+${skipped} done before)` : ""} | ${workers} worker${workers > 1 ? "s" : ""} | {failed} failed | eta {eta}`,
        hideCursor: true,
        clearOnComplete: true,
      },
      cliProgress.Presets.shades_classic,
    );
    this.started = Date.now();
    this.bar.start(toRun, 0, { failed: 0, eta: "—" });
  }

  private started = 0;

  /** ETA = elapsed / done × remaining (runs of a sweep take similar times; "—" before the first). */
  update(done: number, failed: boolean, entry?: ManifestEntry): void {
    if (failed) this.failed++;
    if (this.lines && entry) {
      const elapsed = (Date.now() - this.started) / 1000;
      this.write(progressLine(done, this.total, entry, this.failed, elapsed) + "\n");
    }
    if (!this.bar) return;
    const total = this.bar.getTotal();
    const elapsed = (Date.now() - this.started) / 1000;
    const eta = done > 0 ? formatSeconds((elapsed / done) * (total - done)) : "—";
    this.bar.update(done, { failed: this.failed, eta });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

export { formatSeconds };

/** Options shared by `sweep` and `reproduce`. */
export interface SweepCliOptions {
  workers?: string;
  maxMemory?: string;
  /** CPU cores this sweep may use (e.g. $SLURM_CPUS_PER_TASK): default workers and kernel threads per run. */
  cpus?: string;
  shard?: string;
  quiet?: boolean;
  force?: boolean;
  /** Seconds between the runs' checkpoints (an unfinished run continues from its last one). */
  checkpointEvery?: string;
  /** Runs sharing a stored gaussian operator advance together (one stream of it per iteration). */
  batch?: boolean;
}

/** Parses --workers (a positive integer; default the number of cores, or --cpus). */
export function parseWorkers(s: string | undefined, cores = os.availableParallelism()): number {
  if (s === undefined) return cores;
  return parsePositiveInt(s, "--workers");
}

/** Parses a positive integer option value (UsageError naming the option otherwise). */
export function parsePositiveInt(s: string, option: string): number {
  const n = Number(s);
  if (s.trim() === "" || !Number.isInteger(n) || n < 1) throw new UsageError(`${option} must be a positive integer (got ${JSON.stringify(s)})`);
  return n;
}

/**
 * Runs a sweep with a progress bar and a one-line summary; used by `sweep` and
 * `reproduce`. Returns the sweep result.
 */
export async function runSweepWithProgress(
  grid: unknown,
  dir: string,
  opts: SweepCliOptions,
  io: { out: (s: string) => void; err: (s: string) => void },
  extra: Partial<SweepOptions> = {},
): Promise<SweepResult> {
  const cores = opts.cpus !== undefined ? parsePositiveInt(opts.cpus, "--cpus") : undefined;
  const workers = parseWorkers(opts.workers, cores);
  try {
    claimSweepFolder(dir, !!opts.force, opts.force ? parseGrid(grid) : undefined);
  } catch (e) {
    if (e instanceof ExistingResultError) throw new UsageError(e.message.replace("--resume to continue it, ", ""));
    if (e instanceof ForeignFilesError) throw new UsageError(e.message);
    throw e;
  }
  // the runs' context: their automatic kernel threads share the given cores (in worker threads the sweep sets the cap)
  const context = runContext(cores !== undefined ? { threadCap: Math.max(1, Math.floor(cores / workers)) } : {});
  const interrupt = interruptFlag();
  const progress = new SweepProgress(!opts.quiet, (s) => io.err(s));
  try {
    const result = await runSweep(grid, dir, {
      workers,
      cores,
      context,
      // worker threads even for one worker: the main thread stays free to receive signals
      runner: opts.batch ? "inline" : workerEntry() ? "threads" : "auto",
      ...(opts.batch ? { batch: true } : {}),
      shard: opts.shard ? parseShard(opts.shard) : undefined,
      shouldStop: interrupt.stop,
      checkpointSeconds: parseCheckpointEvery(opts.checkpointEvery),
      ...(opts.maxMemory !== undefined ? { maxMemoryBytes: await parseMaxMemory(opts.maxMemory) } : {}),
      onNotice: (m) => io.err(`matsense: ${m}\n`),
      onStart: ({ total, skipped, toRun, workers, runner, memoryLimited }) => {
        if (memoryLimited) {
          io.err(
            `matsense: ${workers} of the ${memoryLimited.wanted} requested runs at once fit in the memory limit of ${memoryLimited.limit} bytes (${formatBytes(memoryLimited.limit)}); running ${workers} at a time\n`,
          );
        }
        if (!opts.quiet) {
          io.err(
            `matsense: sweep of ${total} run${total === 1 ? "" : "s"} in ${dir}: ${skipped} finished before, ${toRun} to run` +
              (toRun ? ` on ${workers} ${runner === "threads" ? "worker thread" : "in-process runner"}${workers > 1 && runner === "threads" ? "s" : ""}` : "") +
              "\n",
          );
        }
        progress.start(toRun, skipped, workers);
      },
      onRunDone: (e, done) => {
        const failed = e.status === "failed";
        progress.update(done, failed, e);
        if (failed && !opts.quiet) io.err(`matsense: run ${e.id} failed: ${e.error ?? "unknown error"}\n`);
      },
      ...extra,
    });
    if (result.interrupted) io.err(`matsense: sweep interrupted; run the same command again to finish the remaining runs\n`);
    if (result.locked.length) {
      const owners = [...new Set(result.locked.map((l) => (l.owner ? `pid ${l.owner.pid} on ${l.owner.host}` : "another process")))];
      io.err(
        `matsense: ${result.locked.length} run${result.locked.length === 1 ? "" : "s"} skipped: being written by ${owners.join(", ")} ` +
          `(${result.locked
            .slice(0, 5)
            .map((l) => l.id)
            .join(", ")}${result.locked.length > 5 ? ", …" : ""}); run the same command again once it has finished\n`,
      );
    }
    return result;
  } catch (e) {
    if (e instanceof ForeignFilesError) throw new UsageError(e.message);
    throw e;
  } finally {
    progress.stop();
    interrupt.dispose();
  }
}

/**
 * Names every damaged run folder of an aggregate on stderr (path and reason) and returns
 * the sentence for the summary line ("2 damaged (excluded; …)"), or "".
 */
export function reportDamaged(agg: Aggregate, err: (s: string) => void): string {
  for (const d of agg.damaged) err(`matsense: damaged run ${d.dir}: ${d.reason}\n`);
  for (const d of agg.differing) err(`matsense: run ${d.dir} is excluded from the statistics: ${d.reason}\n`);
  const n = agg.damaged.length;
  return n ? `, ${n} damaged (excluded from the statistics; the next sweep resume re-runs ${n === 1 ? "it" : "them"})` : "";
}

/**
 * `sweep --set path=value`: the grid with those values written into its base config (after
 * --quick). A path the grid varies (vary, zip or a variant) is refused: the grid would
 * overwrite it in every run.
 */
export function setGridBase(gridInput: unknown, sets: string[]): Grid {
  const grid = parseGrid(gridInput);
  const varied = new Set([...variedPaths(grid), ...(grid.variants ?? []).flatMap((v) => Object.keys(v.set))]);
  for (const s of sets) {
    const p = s.slice(0, Math.max(0, s.indexOf("="))).trim();
    if (varied.has(p)) {
      throw new UsageError(`--set ${p}: the grid varies ${p} (vary, zip or variants), so a base value would be overwritten in every run; edit the grid`);
    }
  }
  const base = structuredClone(grid.base);
  applySets(base, sets);
  return parseGrid({ ...grid, base });
}

/** Exit code of `aggregate --strict` when some run folders are damaged. */
export const EXIT_DAMAGED_RUNS = 6;

/**
 * `aggregate RUN_DIR`: one run's status, final errors and fitted rate (results/run-rate.ts);
 * a damaged or unfinished folder is a usage error naming the reason.
 */
function aggregateRunFolder(dir: string, metric: string, io: CliIO): void {
  const files = readRunFolder(dir);
  if (!files.metrics) {
    const why = `${files.state}${files.reason ? `: ${files.reason}` : ""}`;
    throw new UsageError(`${dir}: no valid metrics (${why})`, files.state === "damaged" ? EXIT_DAMAGED_RUNS : 2);
  }
  if (!files.metrics.columns.includes(metric)) {
    throw new UsageError(`--metric ${metric}: ${dir}/metrics.csv has no such column (it has ${files.metrics.columns.join(", ")})`);
  }
  const s = (files.summary ?? {}) as { status?: string; iterations?: number };
  const t = files.metrics;
  const last = (c: string) => t.data[c]?.[t.data[c].length - 1];
  const rate = runRate(files, metric)!;
  io.out(
    `run ${dir}: ${s.status ?? files.state} after ${s.iterations ?? last("iteration")} iterations; ` +
      `final ${metric} ${fmt(last(metric))}, loss ${fmt(last("loss"))}\n` +
      `${formatRunRate(rate)}\n`,
  );
}

/** Prints the aggregate table of a sweep. */
export function printAggregate(agg: Aggregate, out: (s: string) => void): void {
  out(formatPointTable(agg));
}

/** `matsense sweep` and `matsense aggregate`. */
export function addSweepCommands(program: Command, io: CliIO): void {
  program
    .command("sweep")
    .description(commandDescription("sweep"))
    .requiredOption("-g, --grid <file>", "grid JSON: { base, vary: {path: [values]}, zip?: [...], seeds }")
    .option("--allow-large", "accept a grid of more than 100000 runs (up to 10000000)")
    .option("-o, --out <dir>", "sweep folder (default: matsense-runs/sweep-<time>); re-running skips finished runs")
    .option("-w, --workers <n>", "parallel runs (default: number of cores)")
    .option("--max-memory <bytes>", "memory of all parallel runs together, e.g. 8GB (default: 75% of RAM, at most what is available)")
    .option("--shard <i/N>", "run only the i-th of N disjoint parts (i = 0…N−1), e.g. --shard $SLURM_ARRAY_TASK_ID/8")
    .option("--cpus <n>", "CPU cores this sweep may use, e.g. $SLURM_CPUS_PER_TASK (default workers and kernel threads per run; default: all cores)")
    .option("--checkpoint-every <seconds>", "seconds between the runs' checkpoints (default 60); an unfinished run continues from its last one")
    .option("--quick", "apply the grid's quick section (small sizes)")
    .option("-s, --set <path=value>", "override a field of the grid's base config, e.g. stop.maxIterations=500 (repeatable; not a varied path)", collect, [])
    .option(
      "--batch",
      "runs that share a stored gaussian operator advance together in one process, streaming it once per iteration for all of them " +
        "(metrics bitwise unchanged; see docs/performance.md)",
    )
    .option("--force", "if --out holds other files or another sweep's results, delete the results (run folders, grid, manifests, aggregates) first")
    .option("-q, --quiet", "no progress bar and no table")
    .action(async (opts: SweepCliOptions & { grid: string; out?: string; quick?: boolean; allowLarge?: boolean; set: string[] }) => {
      let grid: unknown = readJsonFile(opts.grid, "grid");
      if (opts.quick) grid = quickGrid(grid);
      if (opts.set.length) grid = setGridBase(grid, opts.set);
      const dir = opts.out ?? defaultOutDir("sweep");
      const result = await runSweepWithProgress(grid, dir, opts, io, { allowLarge: !!opts.allowLarge });
      if (opts.shard && parseShard(opts.shard).count > 1) {
        if (!opts.quiet)
          io.out(
            `shard ${opts.shard}: ${result.executed} run(s) executed, ${result.skipped} finished before; merge the shards with \`matsense aggregate ${dir}\`\n`,
          );
        // non-zero so that a scheduler records the task as not completed
        if (result.interrupted) throw new UsageError(`shard ${opts.shard} interrupted`, EXIT_INTERRUPTED);
        if (result.locked.length) throw new UsageError(`shard ${opts.shard} incomplete: some runs were being written by another process`, EXIT_LOCKED_RUNS);
        if (result.entries.some((e) => e.status === "failed"))
          throw new UsageError(`shard ${opts.shard}: some runs failed (see manifest and their summary.json)`, 1);
        return;
      }
      if (result.interrupted) {
        // a stop request is not followed by a long last step (aggregating 10⁵ runs takes tens of seconds)
        io.err(`matsense: aggregation skipped; \`matsense aggregate ${dir}\` writes runs.csv and curves.csv once the runs are done\n`);
        throw new UsageError("interrupted", EXIT_INTERRUPTED);
      }
      const agg = writeAggregate(dir);
      const damaged = reportDamaged(agg, io.err);
      if (!opts.quiet) {
        printAggregate(agg, io.out);
        io.out(`results in ${dir} (runs.csv, curves.csv, manifest.json)${damaged}\n`);
      }
      if (result.entries.some((e) => e.status === "failed")) throw new UsageError("some runs failed (see manifest.json and their summary.json)", 1);
      if (result.interrupted) throw new UsageError("interrupted", EXIT_INTERRUPTED);
      if (result.locked.length) throw new UsageError("incomplete: some runs were being written by another process", EXIT_LOCKED_RUNS);
    });

  program
    .command("aggregate")
    .description(commandDescription("aggregate"))
    .argument("<dir>", "sweep folder (or a single run's folder)")
    .argument("[more...]", "other folders of the same sweep (e.g. one per machine): their finished runs are copied into <dir> first")
    .option("--metric <name>", "error column to fit rates on", "rel_error")
    .option("--strict", `exit with code ${EXIT_DAMAGED_RUNS} when runs are damaged (default: report them and exit 0)`)
    .option("-q, --quiet", "no table")
    .action((dir: string, more: string[], opts: { metric: string; quiet?: boolean; strict?: boolean }) => {
      if (!fs.existsSync(path.join(dir, "grid.json")) && isRunFolder(dir)) {
        if (more.length) throw new UsageError(`${dir} is a run folder; merging other folders into it only works for sweep folders`);
        aggregateRunFolder(dir, opts.metric, io);
        return;
      }
      let agg: Aggregate;
      if (more.length) {
        const { copied } = mergeFolders(dir, more);
        if (!opts.quiet) for (const [src, n] of Object.entries(copied)) io.out(`copied ${n} finished run(s) from ${src}\n`);
      }
      try {
        agg = writeAggregate(dir, { errorMetric: opts.metric });
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      const damaged = reportDamaged(agg, io.err);
      if (!opts.quiet) {
        printAggregate(agg, io.out);
        const pending = agg.runs.filter((r) => r.status === "pending").length;
        io.out(
          `${agg.runs.length} runs${pending ? `, ${pending} not finished (run the sweep or its missing shards again)` : ""}${damaged}; wrote runs.csv, curves.csv, manifest.json in ${dir}\n`,
        );
      }
      if (opts.strict && agg.damaged.length) throw new UsageError(`--strict: ${agg.damaged.length} damaged run folder(s) (listed above)`, EXIT_DAMAGED_RUNS);
    });
}
