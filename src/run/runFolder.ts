import * as fs from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { type ConfigInput, type ResolvedConfig, resolveConfig } from "../config/schema.js";
import { CsvStream, ensureDir, sha256File, writeJsonAtomic, writeNpyAtomic } from "../io/files.js";
import { matsenseVersion } from "../io/version.js";
import { flattenRow } from "../algorithms/driver.js";
import type { Instance } from "../catalogue/instance.js";
import type { RunContext } from "../catalogue/context.js";
import { checkRunMemory, defaultMemoryLimit, formatBytes } from "../catalogue/memory.js";
import type { Factors } from "../problem/factors.js";
import { type ExistingPolicy, claimRunFolder, commitStaging, stagingDir } from "./claim.js";
import { InterruptedError, type RunHooks, type RunOutput, runConfig, runConfigAsync } from "./run.js";
import { Checkpointer, type ResumePoint, attemptsOf, checkResumedRow, writeCheckpoint, writeFinalIterate } from "./checkpoint.js";

/*
 * One run written to a folder (config.json, metrics.csv, summary.json, .npy files) around
 * the in-memory run of run.ts: run.ts computes, runFolder.ts records.
 */

import { type RunSummary, VOUCHED_FILES } from "../results/summary.js";

export type { RunSummary };
export { formatBytes };

export interface ExecuteOptions {
  /** Also write M_star.npy, A.npy, y.npy and X0.npy or F0.npy + G0.npy. */
  saveInstance?: boolean;
  /** Refuse runs that would allocate more than this many bytes in all (default: {@link defaultMemoryLimit}). */
  maxOperatorBytes?: number;
  /** Progress callback (iteration, relative error). */
  onIteration?: (iteration: number, relError: number) => void;
  /** Polled every iteration; true interrupts the run (status "interrupted"). */
  shouldStop?: () => boolean;
  /** Seconds between the event-loop turns of {@link executeRunAsync} (see DriverOptions.yieldEverySeconds). */
  yieldEverySeconds?: number;
  /**
   * Reuse an already built instance (same seed/problem/operator). The caller owns it: the run
   * leaves its operator alone. An instance the run builds itself has its operator disposed
   * when the run ends, also on failure (kernel threads stopped; `output.instance.operator` is then unusable).
   */
  instance?: Instance;
  /** Seconds between checkpoints (checkpoint.json; default 60; the final point is always saved). */
  checkpointSeconds?: number;
  /** Continue from a checkpoint (from {@link prepareResume}) instead of starting at the initial point (implies existing = "resume"). */
  resume?: ResumePoint;
  /** Why the folder's checkpoint was not continued (a sweep redoing the run from iteration 0): recorded in summary.json. */
  resumeRefused?: string;
  /** When the folder already holds a result (default "replace"; the CLI's `run` uses "refuse" unless --force). */
  existing?: ExistingPolicy;
  /** Stale bound of run-folder locks in seconds (default: MATSENSE_LOCK_STALE_SECONDS or 1 hour). */
  lockStaleSeconds?: number;
  /** Told when a stale lock is taken over. */
  onNotice?: (message: string) => void;
  /** The context the run's operator is built in (see {@link RunHooks.context}; default: no provider, no thread cap). */
  context?: RunContext;
  /**
   * Also keep every recorded row in memory, in `output.result.rows` (default false: the rows are streamed to
   * metrics.csv and only the last one is held, so memory does not grow with the iterations; the memory plan
   * charges the kept rows).
   */
  keepRows?: boolean;
}

/** Default memory limit of a run (everything it allocates): see {@link defaultMemoryLimit}. */
export function defaultMaxOperatorBytes(): number {
  return defaultMemoryLimit();
}

/**
 * Throws a ConfigError when a run of `config` by {@link executeRun} would allocate more than `limit` bytes —
 * everything it allocates (operator, truth, measurements, iterate, method work arrays, the last
 * metrics row; every row with `keepRows`), see {@link runMemory} — naming the field the user wrote (pass the raw `input`).
 */
export function checkOperatorMemory(config: ResolvedConfig, limit = defaultMaxOperatorBytes(), input?: unknown, keepRows = false): void {
  checkRunMemory(config, limit, input, { keepRows });
}

/** The resolved config plus provenance, as written to config.json. */
export function provenance(config: ResolvedConfig, backend: string): Record<string, unknown> {
  return { ...config, matsense: { version: matsenseVersion(), backend, node: process.version } };
}

type ExecuteResult = { summary: RunSummary; output?: RunOutput };

/** SHA-256 of each {@link VOUCHED_FILES} file present in `dir` (recorded in summary.json). */
export function fileChecksums(dir: string): Record<string, string> {
  return Object.fromEntries(VOUCHED_FILES.filter((f) => fs.existsSync(path.join(dir, f))).map((f) => [f, sha256File(path.join(dir, f))]));
}

/**
 * The parts of {@link executeRun} around the loop: validation and the memory check, the
 * output folder and streamed metrics.csv, and the summary written on success or failure.
 */
function executeWith(
  input: ConfigInput | ResolvedConfig | Record<string, unknown>,
  outDir: string,
  opts: ExecuteOptions,
): { config: ResolvedConfig; hooks: RunHooks; finish: (output: RunOutput) => ExecuteResult; fail: (err: unknown) => never } {
  const config = resolveConfig(input);
  checkOperatorMemory(config, opts.maxOperatorBytes, input, opts.keepRows === true);
  ensureDir(outDir);
  // one writer per run folder; the lock is refreshed from the stop poll (every iteration, cheap)
  const resume = opts.resume;
  const lock = claimRunFolder(outDir, {
    existing: resume ? "resume" : opts.existing,
    staleSeconds: opts.lockStaleSeconds,
    onNotice: opts.onNotice,
    purpose: "run",
    stageFinished: true,
    // a sweep resuming its run still skips it when another writer finished it meanwhile
    ...(opts.existing === "skip-finished" ? { expected: config, skipFinished: true } : {}),
  });
  // a finished result stays as it is until the new one is complete: the run writes into a
  // staging folder that replaces it at the end (a failure removes the staging folder)
  const stage = lock.keepsFinished ? stagingDir(outDir) : undefined;
  const workDir = stage ?? outDir;
  let csv: CsvStream;
  // (an abandoned resume removes the partial metrics only when it created them)
  const hadPartial = fs.existsSync(path.join(workDir, "metrics.csv.partial"));
  try {
    if (stage) fs.mkdirSync(stage);
    // config.json (with matsense's provenance, backend not yet known) before any other file: a run killed
    // right after it started leaves a folder that reads as matsense's (and is redone), never as foreign files
    if (!resume) writeJsonAtomic(path.join(workDir, "config.json"), provenance(config, "pending"));
    const prefix = resume ? { columns: resume.columns, file: resume.metricsFile, bytes: resume.metricsBytes } : undefined;
    csv = new CsvStream(path.join(workDir, "metrics.csv"), ["iteration", "seconds", "loss", "abs_error", "rel_error"], prefix);
  } catch (e) {
    if (stage) fs.rmSync(stage, { recursive: true, force: true });
    lock.release();
    throw e;
  }
  const stop = opts.shouldStop;
  const now = () => performance.now() / 1000;
  let checkpointer: Checkpointer | undefined;
  const attemptStarts = resume?.attemptStarts ?? [0];
  // the instance this run built (not a caller's): its operator is released when the run ends
  let built: Instance | undefined;
  const release = () => {
    built?.operator.dispose();
    built = undefined;
  };
  const hooks: RunHooks = {
    // the limit checked above, so that preparing the run checks the same one (not the default)
    memoryLimit: opts.maxOperatorBytes ?? defaultMaxOperatorBytes(),
    ...(opts.context ? { context: opts.context } : {}),
    // the rows are streamed to metrics.csv: kept in memory only when the caller asks
    keepRows: opts.keepRows === true,
    now,
    onRecord: (row) => {
      const flat = flattenRow(row) as Record<string, number>;
      if (resume) checkResumedRow(resume, flat);
      csv.write(flat);
    },
    onIteration: (t, e) => {
      checkpointer?.poll();
      opts.onIteration?.(t, e);
    },
    shouldStop: () => {
      lock.heartbeat();
      return stop ? stop() : false;
    },
    ...(resume ? { startSeconds: resume.seconds, firstRecord: resume.firstRecord } : {}),
    ...(opts.yieldEverySeconds !== undefined ? { yieldEverySeconds: opts.yieldEverySeconds } : {}),
    onStepper: (stepper) => {
      if (resume) {
        if (!stepper.restoreState || !stepper.saveState?.()) throw new Error(`method ${stepper.method} cannot be resumed`);
        stepper.restoreState(resume.state);
      }
      if (stepper.saveState?.())
        checkpointer = new Checkpointer(workDir, stepper, opts.checkpointSeconds ?? 60, now, resume?.seconds ?? 0, () => csv.sync(), attemptStarts);
    },
    onStart: (inst, init, cfg) => {
      if (inst !== opts.instance) built = inst;
      writeJsonAtomic(path.join(workDir, "config.json"), provenance(cfg, inst.operator.backend));
      if (opts.saveInstance) saveInstance(workDir, inst, init);
    },
  };
  const finish = (output: RunOutput): ExecuteResult => {
    const r = output.result;
    const summary: RunSummary = {
      status: r.status,
      iterations: r.iterations,
      ...(r.divergedAt !== undefined ? { divergedAt: r.divergedAt } : {}),
      ...(r.divergedQuantity !== undefined ? { divergedQuantity: r.divergedQuantity } : {}),
      seconds: r.seconds,
      final: flattenRow(r.final),
      warnings: [...output.warnings, ...(r.warnings ?? [])],
      events: r.events,
      ...(output.noiseStop ? { noiseFloor: output.noiseStop } : {}),
      ...(attemptStarts.length > 1 ? { attempts: attemptsOf(attemptStarts, r.iterations) } : {}),
      ...(opts.resumeRefused !== undefined ? { resumeRefused: opts.resumeRefused } : {}),
    };
    try {
      csv.close();
      writeFinalIterate(workDir, output.stepper);
      writeCheckpoint(workDir, output.stepper, r.seconds, attemptStarts);
      summary.sha256 = fileChecksums(workDir);
      writeJsonAtomic(path.join(workDir, "summary.json"), summary);
      if (stage) commitStaging(stage, outDir);
    } catch (e) {
      return fail(e);
    } finally {
      lock.release();
      release();
    }
    return { summary, output };
  };
  const fail = (err: unknown): never => {
    release();
    if (stage) {
      // the old result stays; nothing of this attempt is left
      csv.abort();
      fs.rmSync(stage, { recursive: true, force: true });
      lock.release();
      throw err;
    }
    const summary: RunSummary = {
      status: "failed",
      iterations: 0,
      seconds: 0,
      final: null,
      warnings: [],
      events: [],
      error: err instanceof Error ? err.message : String(err),
    };
    try {
      csv.close();
      writeJsonAtomic(path.join(outDir, "summary.json"), summary);
    } catch {
      // e.g. the disk is full: the original error is the one to report
    } finally {
      lock.release();
    }
    throw err;
  };
  // a stop request during the build (before onStart): this attempt leaves nothing — the files it created
  // are removed (a resumed run keeps its checkpoint and the metrics rows up to it)
  const abandon = (err: InterruptedError): never => {
    csv.abort();
    try {
      if (stage) fs.rmSync(stage, { recursive: true, force: true });
      else {
        // a resume rewrote the partial file with the rows up to its checkpoint; a new run's files are its own
        const created = resume ? (hadPartial ? [] : ["metrics.csv.partial"]) : ["metrics.csv.partial", "config.json"];
        for (const f of created) fs.rmSync(path.join(outDir, f), { force: true });
      }
    } finally {
      lock.release();
    }
    throw err;
  };
  return { config, hooks, finish, fail: (err) => (err instanceof InterruptedError ? abandon(err) : fail(err)) };
}

/**
 * Runs one config and writes its result files into `outDir`: config.json (resolved config,
 * version, backend) first, metrics.csv streamed while running (as metrics.csv.partial until
 * the end), summary.json last. A failure mid-run still leaves config.json, the rows
 * recorded so far in metrics.csv and a summary.json with status "failed" and the error.
 * A stop request (`shouldStop`) during a long operator build ends it with {@link InterruptedError}
 * and removes what this attempt wrote (see {@link executeRunAsync}).
 */
export function executeRun(input: ConfigInput | ResolvedConfig | Record<string, unknown>, outDir: string, opts: ExecuteOptions = {}): ExecuteResult {
  const e = executeWith(input, outDir, opts);
  let output: RunOutput;
  try {
    output = runConfig(e.config, e.hooks, opts.instance);
  } catch (err) {
    return e.fail(err);
  }
  return e.finish(output);
}

/**
 * {@link executeRun} that gives the event loop a turn every ~50 ms, so that Ctrl-C
 * (through `opts.shouldStop`) ends the run with status "interrupted" and all files written —
 * or, during the operator's build (before the first iteration), ends the build within ~0.1 s
 * with {@link InterruptedError}, leaving the folder as it was before (config.json and the
 * empty metrics.csv.partial of a new run removed, a staging folder removed, a resumed run's
 * checkpoint and metrics untouched).
 */
export async function executeRunAsync(
  input: ConfigInput | ResolvedConfig | Record<string, unknown>,
  outDir: string,
  opts: ExecuteOptions = {},
): Promise<ExecuteResult> {
  const e = executeWith(input, outDir, opts);
  let output: RunOutput;
  try {
    output = await runConfigAsync(e.config, e.hooks, opts.instance);
  } catch (err) {
    return e.fail(err);
  }
  return e.finish(output);
}

/** Writes the instance and initial point as .npy files (exactly the values used; no M_star.npy without a truth). */
export function saveInstance(outDir: string, inst: Instance, init: Factors): void {
  if (!inst.truth.absent) {
    const { Mstar } = inst.truth;
    writeNpyAtomic(path.join(outDir, "M_star.npy"), [Mstar.rows, Mstar.cols], Mstar.data);
  }
  const op = inst.operator;
  if (op.denseTensor) writeNpyAtomic(path.join(outDir, "A.npy"), [op.m, op.n1, op.n2], op.denseTensor());
  for (const [stem, a] of Object.entries(op.instanceArrays?.() ?? {})) writeNpyAtomic(path.join(outDir, `${stem}.npy`), a.shape, a.data);
  writeNpyAtomic(path.join(outDir, "y.npy"), [inst.y.length], inst.y);
  if (init.kind === "symmetric") writeNpyAtomic(path.join(outDir, "X0.npy"), [init.X.rows, init.X.cols], init.X.data);
  else {
    writeNpyAtomic(path.join(outDir, "F0.npy"), [init.F.rows, init.F.cols], init.F.data);
    writeNpyAtomic(path.join(outDir, "G0.npy"), [init.G.rows, init.G.cols], init.G.data);
    // deep: F0 = W_N, G0 = W_1ᵀ and the middle factors W_j (k×k) as Wj_0.npy
    init.middle?.forEach((W, i) => writeNpyAtomic(path.join(outDir, `W${i + 2}_0.npy`), [W.rows, W.cols], W.data));
  }
}
