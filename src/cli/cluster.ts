/**
 * Cluster commands: `slurm` (job-array scripts, submission), `status` and `missing`
 * (read the sweep folder only), `enqueue` / `worker` / `queue-status` (BullMQ on Redis).
 * One `addClusterCommands(program, io)`.
 */
import type { Command } from "commander";
import * as os from "node:os";
import * as path from "node:path";
import { ConfigError } from "../config/schema.js";
import { expandGrid, parseGrid, quickGrid } from "../config/grid.js";
import { recordGrid } from "../sweep/sweep.js";
import { SweepFolderError, missingShards, recordedShardCounts, slurmList, sweepStatus } from "../results/status.js";
import { ensureDir } from "../io/files.js";
import { SbatchError, type SlurmCliInput, SlurmOptionError, arrayScript, parseSlurmOptions, sbatch, writeSlurmFiles } from "../launchers/slurm.js";
import { QueueError } from "../launchers/errors.js";
import { type CliIO, UsageError, readJsonFile } from "./shared.js";
import { formatSeconds, parsePositiveInt } from "./sweep.js";
import { commandDescription } from "./commands.js";

/** Rethrows the cluster modules' user errors as UsageError (one line, exit 2). */
function usage<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SlurmOptionError || e instanceof SweepFolderError || e instanceof QueueError || e instanceof SbatchError) throw new UsageError(e.message);
    throw e;
  }
}

async function usageAsync<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof QueueError) throw new UsageError(e.message);
    throw e;
  }
}

/** BullMQ and ioredis load only for the queue commands (they add ~0.2 s to every start). */
const queueModule = () => import("../launchers/queue.js");

/** A ConfigError as one line (the CLI's default prints one line per issue, indented). */
function oneLine(e: ConfigError): UsageError {
  return new UsageError(`invalid grid: ${e.message.split("\n").join("; ")}`);
}

/** The cluster commands: slurm, status, missing, enqueue, worker, queue-status. */
export function addClusterCommands(program: Command, io: CliIO): void {
  program
    .command("slurm")
    .description(commandDescription("slurm"))
    .requiredOption("-g, --grid <file>", "grid JSON (as for `sweep`)")
    .requiredOption("-o, --out <dir>", "sweep folder (shared by all nodes); the scripts and logs go to DIR/slurm/")
    .option("--shards <n>", "number of array tasks N (each runs every N-th run)")
    .option("--throttle <k>", "at most k tasks at a time (--array=0-(N-1)%k)")
    .option("--time <limit>", "time limit per task (HH:MM:SS, D-HH:MM:SS or minutes); SIGUSR1 is sent a tenth of it (10 s–5 min) before")
    .option("--cpus-per-task <c>", "cores per task: the sweep's workers and kernel threads", "1")
    .option("--mem <size>", "memory per task, e.g. 4G")
    .option("--partition <name>", "Slurm partition")
    .option("--extra <lines>", "raw #SBATCH lines for both scripts, separated by newlines or ';'")
    .option("--quick", "apply the grid's quick section")
    .option("--emit", "write DIR/slurm/array.sbatch and print it (default)")
    .option("--submit", "write the scripts and submit them with sbatch")
    .option("--no-aggregate", "with --submit: no dependent aggregate job")
    .action((opts: SlurmCliInput & { grid: string; out: string; quick?: boolean; emit?: boolean; submit?: boolean; aggregate: boolean }) => {
      if (opts.emit && opts.submit) throw new UsageError("--emit and --submit exclude each other (--submit also writes the scripts)");
      const dir = path.resolve(opts.out);
      // every check before anything is written or submitted
      const o = usage(() => parseSlurmOptions(opts, dir, ""));
      let grid;
      try {
        grid = parseGrid(readJsonFile(opts.grid, "grid"));
        if (opts.quick) grid = quickGrid(grid);
        expandGrid(grid);
      } catch (e) {
        if (e instanceof ConfigError) throw oneLine(e);
        throw e;
      }
      const other = recordedShardCounts(dir).filter((n) => n !== o.shards);
      if (other.length)
        throw new UsageError(`${dir} holds shards of a split into ${other.join(", ")}, not ${o.shards}; use --shards ${other[0]} or another --out`);
      o.name = (grid.name ?? path.basename(dir)).replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 40) || "sweep";
      ensureDir(dir);
      try {
        recordGrid(dir, grid);
      } catch (e) {
        if (e instanceof ConfigError) throw new UsageError(`${dir} holds a sweep of a different grid (its grid.json differs); use another --out or delete it`);
        throw e;
      }
      const files = writeSlurmFiles(o);
      if (!opts.submit) {
        io.out(arrayScript(o));
        io.err(`matsense: wrote ${files.array} (and ${path.basename(files.aggregate)}); submit with: sbatch ${files.array}\n`);
        return;
      }
      const jid = usage(() => sbatch(files.array));
      io.out(`${jid}\n`);
      io.err(`matsense: submitted job array ${jid} (${o.shards} tasks); logs in ${path.join(dir, "slurm")}; progress: matsense status ${dir}\n`);
      if (opts.aggregate) {
        const aid = usage(() => sbatch(files.aggregate, [`--dependency=afterany:${jid}`]));
        io.err(`matsense: aggregate job ${aid} runs after it (afterany:${jid})\n`);
      }
    });

  program
    .command("status")
    .description(commandDescription("status"))
    .argument("<dir>", "sweep folder")
    .option("--shards <n>", "split by N shards (default: the count recorded in the folder)")
    .option("--parallel <p>", "runs at a time for the ETA (default: the runs started and not finished)")
    .option("--json", "print the status as JSON")
    .action((dir: string, opts: { shards?: string; parallel?: string; json?: boolean }) => {
      const st = usage(() =>
        sweepStatus(dir, {
          shards: opts.shards !== undefined ? parsePositiveInt(opts.shards, "--shards") : undefined,
          parallel: opts.parallel !== undefined ? parsePositiveInt(opts.parallel, "--parallel") : undefined,
        }),
      );
      if (opts.json) {
        io.out(JSON.stringify(st, null, 2) + "\n");
        return;
      }
      const c = st.counts;
      io.out(
        `${st.dir}: ${st.total} runs: ${c.done} done, ${c.failed} failed, ${c.interrupted} interrupted, ${c.started} started (running or lost), ` +
          `${c.missing} not started` +
          `${c.damaged ? `, ${c.damaged} damaged (re-run by the next sweep)` : ""}` +
          `${st.unverified ? ` (${st.unverified} done unverified: no checksums, written by an older matsense)` : ""}\n`,
      );
      for (const d of st.damaged) io.err(`matsense: damaged run ${d.dir}: ${d.reason}\n`);
      if (st.meanRunSeconds !== undefined) {
        io.out(
          `mean run ${st.meanRunSeconds.toFixed(2)} s; remaining ≈ ${formatSeconds(st.remainingRunSeconds!)} of run time, eta ≈ ` +
            `${formatSeconds(st.etaSeconds!)} at ${st.parallel} run(s) at a time\n`,
        );
      }
      if (st.shards > 1) {
        for (const s of st.perShard) {
          const k = s.counts;
          const open = s.runs - k.done;
          io.out(
            `  shard ${String(s.index).padStart(String(st.shards - 1).length)}/${st.shards}: ${k.done}/${s.runs} done` +
              (open
                ? ` (${[
                    k.damaged && `${k.damaged} damaged`,
                    k.failed && `${k.failed} failed`,
                    k.interrupted && `${k.interrupted} interrupted`,
                    k.started && `${k.started} started`,
                    k.missing && `${k.missing} not started`,
                  ]
                    .filter(Boolean)
                    .join(", ")})`
                : "") +
              "\n",
          );
        }
      }
    });

  program
    .command("missing")
    .description(commandDescription("missing"))
    .argument("<dir>", "sweep folder")
    .requiredOption("--shards <n>", "the number of shards N the sweep was split into")
    .option("--skip-failed", "do not list shards whose only unfinished runs failed (failures that would recur)")
    .action((dir: string, opts: { shards: string; skipFailed?: boolean }) => {
      const n = parsePositiveInt(opts.shards, "--shards");
      const list = usage(() => missingShards(dir, n, { skipFailed: opts.skipFailed }));
      if (list.length === 0) {
        io.err(`matsense: every shard of ${dir} is finished\n`);
        return;
      }
      io.out(`${slurmList(list)}\n`);
    });

  program
    .command("enqueue")
    .description(commandDescription("enqueue"))
    .requiredOption("--redis <url>", "Redis URL, e.g. redis://127.0.0.1:6379")
    .requiredOption("-g, --grid <file>", "grid JSON (as for `sweep`)")
    .requiredOption("-o, --out <dir>", "sweep folder (an absolute path every worker sees, e.g. on a shared filesystem)")
    .option("--queue <name>", "queue name", "matsense")
    .option("--quick", "apply the grid's quick section")
    .action(async (opts: { redis: string; grid: string; out: string; queue: string; quick?: boolean }) => {
      let grid: unknown = readJsonFile(opts.grid, "grid");
      try {
        if (opts.quick) grid = quickGrid(grid);
        expandGrid(grid);
      } catch (e) {
        if (e instanceof ConfigError) throw oneLine(e);
        throw e;
      }
      let r;
      try {
        const { enqueueSweep } = await queueModule();
        r = await usageAsync(() => enqueueSweep(opts.redis, grid, opts.out, { queue: opts.queue }));
      } catch (e) {
        if (e instanceof ConfigError)
          throw new UsageError(`${path.resolve(opts.out)} holds a sweep of a different grid (its grid.json differs); use another --out or delete it`);
        throw e;
      }
      io.out(
        `sweep ${r.sweep}: ${r.total} runs, ${r.finished} finished before, ${r.added} job(s) added to queue "${opts.queue}" ` +
          `(${r.total - r.finished - r.added} already queued)\n`,
      );
    });

  program
    .command("worker")
    .description(commandDescription("worker"))
    .requiredOption("--redis <url>", "Redis URL, e.g. redis://127.0.0.1:6379")
    .option("--queue <name>", "queue name", "matsense")
    .option("-c, --concurrency <n>", "runs at a time", "1")
    .option("--lock-seconds <s>", "job lock: a job whose worker died is redone after this many seconds", "30")
    .option("--until-empty", "exit when the queue has no waiting or active job")
    .action(async (opts: { redis: string; queue: string; concurrency: string; lockSeconds: string; untilEmpty?: boolean }) => {
      const concurrency = parsePositiveInt(opts.concurrency, "--concurrency");
      const lock = parsePositiveInt(opts.lockSeconds, "--lock-seconds");
      const threads = Math.max(1, Math.floor(os.availableParallelism() / concurrency));
      io.err(`matsense worker: pid ${process.pid}, queue "${opts.queue}" at ${opts.redis}, ${concurrency} run(s) at a time\n`);
      const { runWorker } = await queueModule();
      const r = await usageAsync(() =>
        runWorker(opts.redis, { queue: opts.queue, concurrency, lockMs: lock * 1000, untilEmpty: opts.untilEmpty, threads, log: io.err }),
      );
      io.err(`matsense worker: exiting after ${r.done} job(s) done, ${r.failed} failed\n`);
    });

  program
    .command("queue-status")
    .description(commandDescription("queue-status"))
    .requiredOption("--redis <url>", "Redis URL, e.g. redis://127.0.0.1:6379")
    .option("--queue <name>", "queue name", "matsense")
    .option("--json", "print the counts as JSON")
    .action(async (opts: { redis: string; queue: string; json?: boolean }) => {
      const { queueStatus } = await queueModule();
      const c = await usageAsync(() => queueStatus(opts.redis, opts.queue));
      const out = { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0), active: c.active ?? 0, done: c.completed ?? 0, failed: c.failed ?? 0 };
      io.out(
        opts.json
          ? JSON.stringify(out) + "\n"
          : `queue "${opts.queue}": ${out.waiting} waiting, ${out.active} active, ${out.done} done, ${out.failed} failed\n`,
      );
    });
}
