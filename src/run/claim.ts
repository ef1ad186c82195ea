/**
 * Claiming an output folder before writing into it: never overwrite a result silently,
 * and one writer per run folder (through {@link acquireRunLock}).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type AcquireOptions, LOCK_FILE, LockedError, type RunLock, acquireRunLock, lockedByLiveWriter } from "./lock.js";
import { isFinished } from "../results/manifest.js";

/** Files and folders of a run folder that make up its result (removed by --force). */
export const RUN_RESULT_FILES = ["summary.json", "metrics.csv", "metrics.csv.partial", "config.json", "checkpoint.json", "figures"];

/**
 * What to do when a run folder already holds a result:
 * - "refuse": throw {@link ExistingResultError} (the CLI default; `run --force` replaces);
 * - "replace": remove the old result files first (sweeps re-running an unfinished run);
 * - "skip-finished": like "replace", but throw {@link AlreadyFinishedError} when the run
 *   is finished (a concurrent sweep finished it after this one listed its runs);
 * - "resume": keep the files: the run continues in the folder from its checkpoint
 *   (`prepareResume` in checkpoint.ts has read them).
 */
export type ExistingPolicy = "refuse" | "replace" | "skip-finished" | "resume";

/** The folder already holds a result and the policy is "refuse". */
export class ExistingResultError extends Error {
  constructor(readonly dir: string, readonly found: string[]) {
    super(
      `${dir} already holds a result (${found.join(", ")}); use --force to delete it and run again, ` +
        `--resume to continue it, or another --out folder`,
    );
  }
}

/** `--resume` of a single run: the resume logic (checkpoints) is not there yet. */
export class ResumeNotImplementedError extends Error {
  constructor(readonly dir: string) {
    super(`--resume is not implemented yet for single runs (${dir}); use --force to delete the result and run again`);
  }
}

/** The run was finished (by another writer) by the time this one got its folder. */
export class AlreadyFinishedError extends Error {
  constructor(readonly dir: string) {
    super(`${dir} holds a finished run`);
  }
}

/** The result files present in a run folder (result files, then instance .npy files). */
export function existingResult(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const found = RUN_RESULT_FILES.filter((f) => names.includes(f));
  const npy = names.filter((f) => f.endsWith(".npy")).sort();
  return found.length ? [...found, ...npy] : npy;
}

/** Removes a run folder's result files, instance .npy files and figures. */
export function clearResult(dir: string): void {
  for (const f of existingResult(dir)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
}

export interface ClaimOptions extends AcquireOptions {
  existing?: ExistingPolicy;
}

/**
 * Takes the lock of run folder `dir` and applies the existing-result policy (default
 * "replace"). Returns the held lock; the caller releases it when the run's files are
 * complete. Throws LockedError (live writer), ExistingResultError or AlreadyFinishedError
 * (lock released).
 */
export function claimRunFolder(dir: string, opts: ClaimOptions = {}): RunLock {
  const lock = acquireRunLock(dir, opts);
  try {
    const policy = opts.existing ?? "replace";
    const found = existingResult(dir);
    if (found.length) {
      if (policy === "refuse") throw new ExistingResultError(dir, found);
      if (policy === "resume") return lock;
      if (policy === "skip-finished" && isFinished(dir)) throw new AlreadyFinishedError(dir);
      clearResult(dir);
    }
    return lock;
  } catch (e) {
    lock.release();
    throw e;
  }
}

/** Sweep-level files of a sweep folder (removed by `reproduce --force`). */
const SWEEP_FILES = /^(grid\.json|manifest(\.shard-\d+-of-\d+)?\.json|status(\.shard-\d+-of-\d+)?\.jsonl|runs\.csv|curves\.csv|report\.md|figures)(\.tmp-\d+)?$/;

/** grid.json, or another sweep's atomic write of it still in progress (`grid.json.tmp-<pid>`). */
const GRID_FILE = /^grid\.json(\.tmp-\d+)?$/;

/**
 * Checks an output folder for a sweep (`sweep`, `reproduce`): a folder that exists and is
 * not empty must be a sweep folder (grid.json; re-running resumes it) — anything else (a
 * single run's result, unrelated files) is refused, unless `force`, which removes the
 * sweep files and the run folders (not ones locked by a live writer) and keeps other files.
 */
export function claimSweepFolder(dir: string, force: boolean): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  if (names.length === 0) return;
  if (!force) {
    // a sweep folder, or one another sweep (e.g. a second shard) is creating right now
    if (names.some((n) => GRID_FILE.test(n))) return;
    const shown = names.slice(0, 5).join(", ") + (names.length > 5 ? `, … (${names.length} entries)` : "");
    throw new ExistingResultError(dir, [`not a sweep folder: ${shown}`]);
  }
  for (const name of names) {
    const p = path.join(dir, name);
    if (SWEEP_FILES.test(name) || RUN_RESULT_FILES.includes(name) || name.endsWith(".npy")) {
      fs.rmSync(p, { recursive: true, force: true });
      continue;
    }
    const isRunFolder = fs.statSync(p).isDirectory() && [...RUN_RESULT_FILES, LOCK_FILE].some((f) => fs.existsSync(path.join(p, f)));
    if (!isRunFolder) continue;
    const owner = lockedByLiveWriter(p);
    if (owner) throw new ExistingResultError(dir, [`${name} is being written by pid ${owner.pid} on ${owner.host}`]);
    fs.rmSync(p, { recursive: true, force: true });
  }
}

/** Why a sweep's run was not executed (its folder is another writer's), or undefined for a real error. */
export function runSkipReason(e: unknown): "locked" | "finished" | undefined {
  return e instanceof LockedError ? "locked" : e instanceof AlreadyFinishedError ? "finished" : undefined;
}
