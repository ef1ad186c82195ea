import * as os from "node:os";
import cliProgress from "cli-progress";
import { type Aggregate, formatPointTable, writeAggregate } from "../experiments/aggregate.js";
import { parseShard, quickGrid } from "../experiments/grid.js";
import { type SweepOptions, type SweepResult, runSweep } from "../experiments/sweep.js";
import { UsageError, defaultOutDir, interruptFlag, readJsonFile, registerCommands } from "./main.js";
import { ExistingResultError, claimSweepFolder } from "../experiments/claim.js";
import { EXIT_INTERRUPTED } from "./signals.js";

/** Exit code of a sweep that skipped runs because another live process was writing them. */
export const EXIT_LOCKED_RUNS = 5;

/**
 * One progress bar for a sweep on stderr when it is a terminal (runs done / total, ETA);
 * quiet otherwise.
 */
export class SweepProgress {
  private bar: cliProgress.SingleBar | null = null;
  private failed = 0;

  constructor(enabled: boolean) {
    this.enabled = enabled && !!process.stderr.isTTY;
  }

  private readonly enabled: boolean;

  start(toRun: number, skipped: number, workers: number): void {
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
  update(done: number, failed: boolean): void {
    if (failed) this.failed++;
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

/** 75 s → "1m15s". */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "—";
  const t = Math.round(s);
  if (t < 60) return `${t}s`;
  if (t < 3600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, "0")}s`;
  return `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, "0")}m`;
}

/** Options shared by `sweep` and `reproduce`. */
export interface SweepCliOptions {
  workers?: string;
  shard?: string;
  quiet?: boolean;
  force?: boolean;
}

/** Parses --workers (a positive integer; default the number of cores). */
export function parseWorkers(s: string | undefined): number {
  if (s === undefined) return os.availableParallelism();
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--workers must be a positive integer (got ${JSON.stringify(s)})`);
  return n;
}

/**
 * Runs a sweep with a progress bar and a one-line summary; used by `sweep` and
 * `reproduce`. Returns the sweep result.
 */
export async function runSweepWithProgress(
  grid: unknown, dir: string, opts: SweepCliOptions, io: { out: (s: string) => void; err: (s: string) => void }, extra: Partial<SweepOptions> = {},
): Promise<SweepResult> {
  try {
    claimSweepFolder(dir, !!opts.force);
  } catch (e) {
    if (e instanceof ExistingResultError) throw new UsageError(e.message.replace("--resume to continue it, ", ""));
    throw e;
  }
  const interrupt = interruptFlag();
  const progress = new SweepProgress(!opts.quiet);
  try {
    const result = await runSweep(grid, dir, {
      workers: parseWorkers(opts.workers),
      shard: opts.shard ? parseShard(opts.shard) : undefined,
      shouldStop: interrupt.stop,
      onNotice: (m) => io.err(`matsense: ${m}\n`),
      onStart: ({ total, skipped, toRun, workers, runner }) => {
        if (!opts.quiet) {
          io.err(`matsense: sweep of ${total} run${total === 1 ? "" : "s"} in ${dir}: ${skipped} finished before, ${toRun} to run` +
            (toRun ? ` on ${workers} ${runner === "threads" ? "worker thread" : "in-process runner"}${workers > 1 && runner === "threads" ? "s" : ""}` : "") + "\n");
        }
        progress.start(toRun, skipped, workers);
      },
      onRunDone: (e, done) => {
        const failed = e.status === "failed";
        progress.update(done, failed);
        if (failed && !opts.quiet) io.err(`matsense: run ${e.id} failed: ${e.error ?? "unknown error"}\n`);
      },
      ...extra,
    });
    if (result.interrupted) io.err(`matsense: sweep interrupted; run the same command again to finish the remaining runs\n`);
    if (result.locked.length) {
      const owners = [...new Set(result.locked.map((l) => (l.owner ? `pid ${l.owner.pid} on ${l.owner.host}` : "another process")))];
      io.err(`matsense: ${result.locked.length} run${result.locked.length === 1 ? "" : "s"} skipped: being written by ${owners.join(", ")} ` +
        `(${result.locked.slice(0, 5).map((l) => l.id).join(", ")}${result.locked.length > 5 ? ", …" : ""}); run the same command again once it has finished\n`);
    }
    return result;
  } finally {
    progress.stop();
    interrupt.dispose();
  }
}

/** Prints the aggregate table of a sweep. */
export function printAggregate(agg: Aggregate, out: (s: string) => void): void {
  out(formatPointTable(agg));
}

registerCommands((program, io) => {
  program
    .command("sweep")
    .description("run a grid of configs (base config × varied values × seeds) in parallel, resumable; then aggregate")
    .requiredOption("-g, --grid <file>", "grid JSON: { base, vary: {path: [values]}, zip?: [...], seeds }")
    .option("-o, --out <dir>", "sweep folder (default: matsense-runs/sweep-<time>); re-running skips finished runs")
    .option("-w, --workers <n>", "parallel runs (default: number of cores)")
    .option("--shard <i/N>", "run only the i-th of N disjoint parts (i = 0…N−1), e.g. --shard $SLURM_ARRAY_TASK_ID/8")
    .option("--quick", "apply the grid's quick section (small sizes)")
    .option("--force", "if --out holds other files or another sweep's results, delete the results (run folders, grid, manifests, aggregates) first")
    .option("-q, --quiet", "no progress bar and no table")
    .action(async (opts: SweepCliOptions & { grid: string; out?: string; quick?: boolean }) => {
      let grid: unknown = readJsonFile(opts.grid, "grid");
      if (opts.quick) grid = quickGrid(grid);
      const dir = opts.out ?? defaultOutDir("sweep");
      const result = await runSweepWithProgress(grid, dir, opts, io);
      if (opts.shard && parseShard(opts.shard).count > 1) {
        if (!opts.quiet) io.out(`shard ${opts.shard}: ${result.executed} run(s) executed, ${result.skipped} finished before; merge the shards with \`matsense aggregate ${dir}\`\n`);
        return;
      }
      const agg = writeAggregate(dir);
      if (!opts.quiet) {
        printAggregate(agg, io.out);
        io.out(`results in ${dir} (runs.csv, curves.csv, manifest.json)\n`);
      }
      if (result.entries.some((e) => e.status === "failed")) throw new UsageError("some runs failed (see manifest.json and their summary.json)", 1);
      if (result.interrupted) throw new UsageError("interrupted", EXIT_INTERRUPTED);
      if (result.locked.length) throw new UsageError("incomplete: some runs were being written by another process", EXIT_LOCKED_RUNS);
    });

  program
    .command("aggregate")
    .description("merge a sweep folder (all shards): write runs.csv, curves.csv and manifest.json, print the table")
    .argument("<dir>", "sweep folder")
    .option("--metric <name>", "error column to fit rates on", "rel_error")
    .option("-q, --quiet", "no table")
    .action((dir: string, opts: { metric: string; quiet?: boolean }) => {
      let agg: Aggregate;
      try {
        agg = writeAggregate(dir, { errorMetric: opts.metric });
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      if (!opts.quiet) {
        printAggregate(agg, io.out);
        const pending = agg.runs.filter((r) => r.status === "pending").length;
        io.out(`${agg.runs.length} runs${pending ? `, ${pending} not finished (run the sweep or its missing shards again)` : ""}; wrote runs.csv, curves.csv, manifest.json in ${dir}\n`);
      }
    });
});
