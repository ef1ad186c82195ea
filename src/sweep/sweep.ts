import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { StatusLog, statusLogFile } from "../results/status-log.js";
import type { ConfigInput } from "../config/schema.js";
import { ConfigError, type ResolvedConfig, resolveConfig } from "../config/schema.js";
import { operatorBytes } from "../catalogue/instance.js";
import { defaultMemoryLimit, largestSum, runMemory, workersWithin } from "../catalogue/memory.js";
import { ensureDir, fileError, writeJsonAtomic } from "../io/files.js";
import { type RunSummary, executeRunAsync } from "../run/runFolder.js";
import { type LockInfo, lockedByLiveWriter, readLock } from "../run/lock.js";
import { ForeignFilesError, foreignResultFiles, runSkipReason } from "../run/claim.js";
import { type Grid, type RunSpec, expandGridAsync, parseGrid, shardRuns } from "../config/grid.js";
import { eachWithTurns } from "../io/turns.js";
import { executeSweepRun } from "./resume.js";
import { OperatorSharing, type SharedOperatorHandle, type TaskShare, sweepOperatorMemory } from "./shared-operators.js";
import { type ManifestEntry, entryFromFolder, gridValues, isFinished, makeManifest, readSummary, writeManifest } from "../results/manifest.js";
import { batchGroups, runBatched } from "./batch-runs.js";
import type { RunContext } from "../catalogue/context.js";
import type { KernelTuning } from "../kernels/types.js";

/** A run sent to a worker thread. */
export interface WorkerTask {
  id: string;
  config: ConfigInput;
  dir: string;
  /** The run's memory limit in bytes (the sweep's). */
  maxMemoryBytes?: number;
  /** The run's operator is shared with other runs of the sweep (see shared-operators.ts). */
  share?: TaskShare;
  /** Seconds between the run's checkpoints (default 60). */
  checkpointSeconds?: number;
}

/** The `workerData` of a sweep's worker thread: the stop flag and the kernel tuning of its runs' context. */
export interface WorkerData {
  stopFlag: SharedArrayBuffer;
  /** The context's kernel tuning, with the thread cap ⌊cores / workers⌋. */
  kernels: KernelTuning;
}

/** A worker built a shared operator: its handle (the memory is shared, not copied). */
export interface WorkerOperatorMessage {
  kind: "operator";
  handle: SharedOperatorHandle;
}

/** A worker's answer for one run. */
export interface WorkerReply {
  id: string;
  status: RunSummary["status"];
  error?: string;
  /** The run was not executed: its folder was locked by another writer, or that writer finished it, or a stop request ended its build. */
  skipped?: "locked" | "finished" | "interrupted";
  /** Notices of the run (its checkpoint was refused and it was redone from iteration 0), for the sweep's `onNotice`. */
  notices?: string[];
}

/** A run a sweep did not execute because another live process was writing its folder. */
export interface LockedRun {
  id: string;
  owner?: LockInfo;
}

export interface SweepOptions {
  /** Parallel runs (worker threads); default: the number of cores. */
  workers?: number;
  /** CPU cores the sweep may use (default: all); parallel runs share them for their kernel threads. */
  cores?: number;
  /** Run only shard i of N. */
  shard?: { index: number; count: number };
  /**
   * "threads": worker threads (needs the compiled worker entry next to this module, as in
   * dist/); "inline": one run after another in this thread; "auto" (default): threads when
   * workers > 1 and the entry exists, else inline.
   */
  runner?: "auto" | "threads" | "inline";
  /** Accept grids of more than MAX_GRID_RUNS runs (CLI `--allow-large`). */
  allowLarge?: boolean;
  /** Called once before the first run with the counts. */
  onStart?: (info: {
    total: number;
    skipped: number;
    toRun: number;
    workers: number;
    runner: "threads" | "inline";
    /** Set when fewer runs go in parallel than asked, because more would not fit in memory together. */
    memoryLimited?: { wanted: number; limit: number };
  }) => void;
  /** Memory of all parallel runs together, in bytes (default: {@link defaultMemoryLimit}); also each run's limit. */
  maxMemoryBytes?: number;
  /** Called after every finished run. */
  onRunDone?: (entry: ManifestEntry, done: number, toRun: number) => void;
  /** Polled between runs and inside runs: true stops the sweep (in-flight runs end "interrupted"). */
  shouldStop?: () => boolean;
  /** Told when a stale run-folder lock is taken over, or an unfinished run cannot be resumed and starts again. */
  onNotice?: (message: string) => void;
  /** Seconds between the runs' checkpoints (default 60): an unfinished run continues from its last one. */
  checkpointSeconds?: number;
  /**
   * Runs that share a stored Gaussian operator advance together in this thread, one stream
   * of the operator per iteration for all of them (see batch-runs.ts); implies the inline
   * runner. Metrics are bitwise those of unbatched runs.
   */
  batch?: boolean;
  /**
   * The context of the runs (default `runContext()`): inline runs get it as is (batched runs
   * with the batch's operator provider added); worker threads get its FWHT block, and the
   * thread cap ⌊cores / workers⌋ instead of its cap (an operator provider cannot cross threads:
   * workers share operators their own way).
   */
  context?: RunContext;
}

export interface SweepResult {
  dir: string;
  grid: Grid;
  /** Runs of this sweep (or shard). */
  runs: RunSpec[];
  /** Runs skipped because they had finished before. */
  skipped: number;
  /** Runs executed now. */
  executed: number;
  entries: ManifestEntry[];
  interrupted: boolean;
  /** Runs skipped because another live process was writing their folder (one writer per result). */
  locked: LockedRun[];
  /** Operators held once in shared memory for several runs (worker threads only). */
  sharedOperators?: number;
  /** With `batch`: groups run together, passes over their operators, run-iterations served by another run's pass. */
  batched?: { groups: number; passes: number; shared: number };
}

/** The compiled worker entry: next to this module (dist/sweep/), or dist/sweep/ seen from the CLI's bundle (dist/cli-bundle/). */
export function workerEntry(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return [path.join(here, "sweep-worker.js"), path.join(here, "..", "sweep", "sweep-worker.js")].find((f) => fs.existsSync(f));
}

/**
 * Writes grid.json into the sweep folder, or checks that the one there is the same grid
 * (a sweep folder belongs to one grid, so that re-running resumes the same runs).
 */
export function recordGrid(dir: string, grid: Grid): void {
  const file = path.join(dir, "grid.json");
  const text = JSON.stringify(grid, null, 2) + "\n";
  if (!fs.existsSync(file)) {
    // created whole and exclusively: a complete temp file is hard-linked to grid.json, which
    // fails (EEXIST) when another sweep starting at the same moment created it first — its
    // grid is then compared below, so two different grids never share the folder
    const tmp = `${file}.tmp-${process.pid}`;
    try {
      fs.writeFileSync(tmp, text);
      fs.linkSync(tmp, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw fileError(e, file);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  if (fs.readFileSync(file, "utf8") !== text) {
    throw new ConfigError([
      {
        path: "--out",
        value: dir,
        message: "holds a sweep of a different grid (its grid.json differs); use another output folder or delete it",
      },
    ]);
  }
}

/**
 * Runs a sweep: expands the grid (validating every run's config first), writes grid.json,
 * skips runs whose folder already holds a finished run (summary.json with a terminal
 * status, validated by `inspectRunFolder`: a damaged folder is run again) and
 * executes the others — on worker threads in parallel, or inline — each into
 * `<dir>/<run id>/` with the files of `matsense run`. The manifest (manifest.json, or
 * manifest.shard-i-of-N.json) is written atomically at the start and when the last run
 * finishes (and by `aggregate`); after
 * every run one JSON line is appended to the status log (status.jsonl, or
 * status.shard-i-of-N.jsonl) — the run folders themselves are the truth that resume and
 * `aggregate` read, so a sweep killed at any moment loses at most the runs in flight,
 * which the next call redoes.
 */
export async function runSweep(gridInput: unknown, dir: string, opts: SweepOptions = {}): Promise<SweepResult> {
  const grid = parseGrid(gridInput);
  const stop = opts.shouldStop ?? (() => false);
  // 10⁶ runs take tens of seconds to expand and list: a stop request is answered between blocks
  const stopped = (): SweepResult => ({ dir, grid, runs: [], skipped: 0, executed: 0, entries: [], interrupted: true, locked: [] });
  const all = await expandGridAsync(grid, { allowLarge: opts.allowLarge }, stop);
  if (!all) return stopped();
  const runs = shardRuns(all, opts.shard);
  ensureDir(dir);
  recordGrid(dir, grid);
  // a file (not a folder) where a run folder goes is the user's: refused, never replaced
  const blocked: string[] = [];
  const isFile = (r: RunSpec) => fs.lstatSync(path.join(dir, r.id), { throwIfNoEntry: false })?.isDirectory() === false;
  if (!(await eachWithTurns(runs, (r) => void (isFile(r) && blocked.push(r.id)), stop))) return stopped();
  if (blocked.length) throw new ForeignFilesError(dir, blocked);
  const locked: LockedRun[] = [];
  const todo: RunSpec[] = [];
  // files matsense did not write where a run would write (e.g. the user's config.json in a run folder): refused up front
  const foreign: string[] = [];
  const listed = await eachWithTurns(
    runs,
    (r) => {
      const runDir = path.join(dir, r.id);
      if (isFinished(runDir, r.resolved && gridValues(r.config, r.resolved))) return;
      const owner = lockedByLiveWriter(runDir);
      if (owner) locked.push({ id: r.id, owner });
      else todo.push(r);
      if (!owner) for (const f of foreignResultFiles(runDir)) foreign.push(`${r.id}/${f}`);
    },
    stop,
  );
  if (!listed) return stopped();
  if (foreign.length) throw new ForeignFilesError(dir, foreign);
  const skipped = runs.length - todo.length - locked.length;
  const cores = opts.cores ?? os.availableParallelism();
  const wanted = Math.max(1, Math.min(opts.workers ?? cores, Math.max(1, todo.length)));
  // parallel runs share the memory: run only as many at once as fit together
  const memoryLimit = opts.maxMemoryBytes ?? defaultMemoryLimit();
  // (each run's allocations besides its operator, plus the operators of the parallel runs with a
  // shared operator counted once)
  const configs: ResolvedConfig[] = [],
    besidesOperator: number[] = [];
  const measured = await eachWithTurns(
    todo,
    (r) => {
      const c = r.resolved ?? resolveConfig(r.config);
      configs.push(c);
      // executeRun streams the rows to metrics.csv: none are kept in memory
      besidesOperator.push(runMemory(c, { keepRows: false }).total - operatorBytes(c));
    },
    stop,
  );
  if (!measured) return stopped();
  const workers = workersWithin(wanted, (w) => largestSum(besidesOperator, w) + sweepOperatorMemory(configs, w).shared, memoryLimit);
  const entry = workerEntry();
  let runner: "threads" | "inline";
  if (opts.runner === "threads") {
    if (!entry) throw new Error("the sweep worker entry (sweep-worker.js) is not next to this module; build with `npm run build` and run from dist/");
    runner = "threads";
  } else if (opts.runner === "inline") runner = "inline";
  else runner = workers > 1 && entry && !opts.batch ? "threads" : "inline";

  const entries = new Map<string, ManifestEntry>();
  if (!(await eachWithTurns(runs, (r) => void entries.set(r.id, entryFromFolder(dir, r)), stop))) return stopped();
  const saveManifest = () =>
    writeManifest(
      dir,
      makeManifest(
        runs.map((r) => entries.get(r.id)!),
        grid.name,
        opts.shard,
      ),
    );
  if (stop()) return stopped();
  saveManifest();
  const log = new StatusLog(path.join(dir, statusLogFile(opts.shard)));
  opts.onStart?.({
    total: runs.length,
    skipped,
    toRun: todo.length,
    workers: runner === "inline" ? 1 : workers,
    runner,
    ...(workers < wanted ? { memoryLimited: { wanted, limit: memoryLimit } } : {}),
  });

  let done = 0;
  const finish = (spec: RunSpec, error?: string, skip?: WorkerReply["skipped"]) => {
    const runDir = path.join(dir, spec.id);
    const foreignNow = error ? foreignResultFiles(runDir) : [];
    if (skip === "locked") locked.push({ id: spec.id, owner: readLock(runDir) });
    // files put there after the listing: refused at the end (the run is not "pending")
    else if (foreignNow.length) foreign.push(...foreignNow.map((f) => `${spec.id}/${f}`));
    else if (error && !readSummary(runDir)) {
      // failed before the run started (e.g. the operator would not fit): record why
      ensureDir(runDir);
      writeJsonAtomic(path.join(runDir, "summary.json"), { status: "failed", iterations: 0, seconds: 0, final: null, warnings: [], events: [], error });
    }
    const e = entryFromFolder(dir, spec);
    entries.set(spec.id, e);
    done++;
    log.append(e);
    if (done === todo.length) saveManifest();
    opts.onRunDone?.(e, done, todo.length);
  };
  let interrupted = false;
  let sharedOperators: number | undefined;
  let batched: SweepResult["batched"];

  if (runner === "inline") {
    // async: the event loop gets a turn every ~50 ms, so signal handlers run mid-run
    // an unfinished run continues from its checkpoint (resume, not restart), batched or not: a batch serves each
    // run at its own point, so runs of one group may resume at different iterations (batch-runs.ts); a refused
    // checkpoint (also one found not to reproduce its row while running) makes the run start again from iteration 0
    const execute = (spec: RunSpec, yieldEverySeconds?: number, context = opts.context) =>
      executeSweepRun(
        path.join(dir, spec.id),
        spec.resolved ?? spec.config,
        (start) =>
          executeRunAsync(spec.resolved ?? spec.config, path.join(dir, spec.id), {
            ...(context ? { context } : {}),
            shouldStop: stop,
            existing: "skip-finished",
            onNotice: opts.onNotice,
            maxOperatorBytes: memoryLimit,
            checkpointSeconds: opts.checkpointSeconds,
            ...(yieldEverySeconds !== undefined ? { yieldEverySeconds } : {}),
            ...start,
          }),
        opts.onNotice,
      );
    const settle = (spec: RunSpec, e?: unknown) => {
      const skip = e === undefined ? undefined : runSkipReason(e);
      finish(spec, e === undefined || skip ? undefined : e instanceof Error ? e.message : String(e), skip);
    };
    const indexOf = new Map(todo.map((s, i) => [s, i]));
    for (const group of opts.batch ? batchGroups(todo, configs) : todo.map((s) => [s])) {
      if (stop()) {
        interrupted = true;
        break;
      }
      if (group.length > 1) {
        // each run gives the event loop a turn after every iteration: the runs advance in lockstep
        const { settled, passes, shared } = await runBatched(
          group.map((s) => configs[indexOf.get(s)!]),
          (i, context) => execute(group[i], 0, context),
          opts.context,
        );
        settled.forEach((s, i) => settle(group[i], s.status === "rejected" ? s.reason : undefined));
        batched = { groups: (batched?.groups ?? 0) + 1, passes: (batched?.passes ?? 0) + passes, shared: (batched?.shared ?? 0) + shared };
        continue;
      }
      let failure: { e: unknown } | undefined;
      try {
        await execute(group[0]);
      } catch (e) {
        failure = { e };
      }
      settle(group[0], failure?.e);
    }
    if (stop()) interrupted = true;
  } else {
    const sharing = new OperatorSharing(
      todo.map((s, i) => ({ id: s.id, config: configs[i] })),
      workers,
    );
    const kernels = opts.context?.kernels.fwhtLogBlock !== undefined ? { fwhtLogBlock: opts.context.kernels.fwhtLogBlock } : {};
    interrupted = await runOnThreads(todo, dir, workers, entry!, stop, finish, sharing, cores, memoryLimit, opts.checkpointSeconds, kernels, opts.onNotice);
    sharedOperators = sharing.sharedOperators;
  }
  // stopped early: the manifest records the runs that ended (the CLI skips the final aggregation then)
  if (interrupted && done < todo.length) saveManifest();
  // runs another writer held may have finished meanwhile: only the unfinished ones are missing
  const stillLocked = locked.filter((l) => !isFinished(path.join(dir, l.id), runs.find((r) => r.id === l.id)?.resolved));
  if (locked.length) {
    for (const r of runs) if (locked.some((l) => l.id === r.id)) entries.set(r.id, entryFromFolder(dir, r));
    saveManifest();
  }
  if (foreign.length) throw new ForeignFilesError(dir, foreign);
  return {
    dir,
    grid,
    runs,
    skipped,
    executed: done,
    entries: runs.map((r) => entries.get(r.id)!),
    interrupted,
    locked: stillLocked,
    ...(sharedOperators !== undefined ? { sharedOperators } : {}),
    ...(batched ? { batched } : {}),
  };
}

/** Runs specs on `workers` worker threads; returns true if stopped early. */
async function runOnThreads(
  todo: RunSpec[],
  dir: string,
  workers: number,
  entry: string,
  stop: () => boolean,
  finish: (spec: RunSpec, error?: string, skip?: WorkerReply["skipped"]) => void,
  sharing: OperatorSharing,
  cores = os.availableParallelism(),
  maxMemoryBytes?: number,
  checkpointSeconds?: number,
  kernels: KernelTuning = {},
  onNotice?: (message: string) => void,
): Promise<boolean> {
  const stopFlag = new SharedArrayBuffer(4);
  const flag = new Int32Array(stopFlag);
  const byId = new Map(todo.map((s) => [s.id, s]));
  // runs that need the same stored operator share one copy of it (built by the first of them)
  const pending = [...todo];
  const parked: (() => void)[] = [];
  let interrupted = false;
  const poll = setInterval(() => {
    if (stop()) {
      interrupted = true;
      Atomics.store(flag, 0, 1);
    }
  }, 100);
  try {
    // every worker ends (its run interrupted) before the first error is thrown
    const ends = await Promise.allSettled(
      Array.from(
        { length: workers },
        (_, slot) =>
          new Promise<void>((resolve, reject) => {
            const threadCap = Math.max(1, Math.floor(cores / workers));
            const w = new Worker(entry, { workerData: { stopFlag, kernels: { ...kernels, threadCap } } satisfies WorkerData });
            let current: RunSpec | undefined;
            const feed = () => {
              if (interrupted || stop() || pending.length === 0) {
                current = undefined;
                void w.terminate().then(() => resolve());
                return;
              }
              const i = pending.findIndex((s) => sharing.ready(s.id));
              if (i < 0) {
                // every remaining run waits for an operator another worker is building
                current = undefined;
                parked.push(feed);
                return;
              }
              current = pending.splice(i, 1)[0];
              const share = sharing.assign(current.id, slot);
              w.postMessage({
                id: current.id,
                config: current.config,
                dir: path.join(dir, current.id),
                share,
                maxMemoryBytes,
                checkpointSeconds,
              } satisfies WorkerTask);
            };
            const wake = () => {
              for (const f of parked.splice(0)) f();
            };
            w.on("message", (msg: WorkerReply | WorkerOperatorMessage) => {
              if ("kind" in msg) {
                sharing.delivered(msg.handle);
                wake();
                return;
              }
              sharing.finished(msg.id);
              for (const n of msg.notices ?? []) onNotice?.(n);
              try {
                finish(byId.get(msg.id)!, msg.error, msg.skipped);
              } catch (e) {
                // e.g. the disk is full: every worker stops, and the sweep ends with this error
                interrupted = true;
                Atomics.store(flag, 0, 1);
                void w.terminate();
                reject(e);
                return;
              }
              feed();
              wake();
            });
            w.on("error", (e) => {
              try {
                if (current) finish(current, `worker crashed: ${e.message}`);
              } catch {
                /* the crash is the error to report */
              }
              reject(e);
            });
            feed();
          }),
      ),
    );
    const failed = ends.find((e) => e.status === "rejected");
    if (failed) throw failed.reason;
  } finally {
    clearInterval(poll);
  }
  return interrupted || stop();
}
