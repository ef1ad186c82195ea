/**
 * Claiming an output folder before writing into it: never overwrite a result silently,
 * and one writer per run folder (through {@link acquireRunLock}).
 */
import { InterruptedError } from "../io/turns.js";
import * as fs from "node:fs";
import * as path from "node:path";
import { type AcquireOptions, LOCK_FILE, LockedError, type RunLock, acquireRunLock, lockedByLiveWriter } from "./lock.js";
import { isFinished } from "../results/manifest.js";
import { type Grid, gridRunIds, parseGrid } from "../config/grid.js";

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
  constructor(
    readonly dir: string,
    readonly found: string[],
  ) {
    // --resume only where there is a checkpoint to continue (a run killed before its first one can only start again)
    super(
      `${dir} already holds a result (${found.join(", ")}); use --force to delete it and run again, ` +
        `${found.includes("checkpoint.json") ? "--resume to continue it, " : ""}or another --out folder`,
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

/** The .npy files a run writes: the instance (`--save-instance`, omega.npy for completion) and the final iterate. */
export const RUN_NPY_FILES = ["M_star.npy", "A.npy", "y.npy", "omega.npy", "X0.npy", "F0.npy", "G0.npy", "X.npy", "F.npy", "G.npy", "P.npy"];

/** Temp and side files matsense leaves in a folder: atomic writes in progress, stale locks moved aside. */
const MATSENSE_SIDE_FILE = /(\.tmp-\d+|^matsense\.lock\.stale-\d+-\d+|^\.matsense-staging-\d+)$/;

/** The result files present in a run folder (result files, then instance and iterate .npy files). */
export function existingResult(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const found = RUN_RESULT_FILES.filter((f) => names.includes(f));
  const npy = names.filter((f) => RUN_NPY_FILES.includes(f)).sort();
  return [...found, ...npy];
}

function readJsonObject(file: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True when matsense wrote run folder `dir`: its config.json carries matsense's provenance
 * field (`"matsense": {"version": …}`, written by every run) or its summary.json has
 * matsense's summary fields (status, iterations, events). Inside such a folder the file
 * names a run writes ({@link RUN_RESULT_FILES}, {@link RUN_NPY_FILES}) are matsense's;
 * in any other folder they are the user's and are never deleted or overwritten.
 */
export function isMatsenseRunFolder(dir: string): boolean {
  const cfg = readJsonObject(path.join(dir, "config.json"));
  const prov = cfg?.matsense as Record<string, unknown> | undefined;
  if (prov && typeof prov === "object" && typeof prov.version === "string") return true;
  const sum = readJsonObject(path.join(dir, "summary.json"));
  return !!sum && typeof sum.status === "string" && typeof sum.iterations === "number" && Array.isArray(sum.events);
}

/** The result-named files of `dir` that matsense did not write (all of them when the folder is not a matsense run folder). */
export function foreignResultFiles(dir: string): string[] {
  const found = existingResult(dir);
  return found.length && !isMatsenseRunFolder(dir) ? found : [];
}

/** A folder holds files matsense did not write where a run or sweep would write or delete: refused even with --force. */
export class ForeignFilesError extends Error {
  constructor(
    readonly dir: string,
    readonly files: string[],
  ) {
    const shown = files.slice(0, 5).join(", ") + (files.length > 5 ? `, … (${files.length} entries)` : "");
    super(
      `${dir} holds files matsense did not write (${shown}); matsense never deletes or overwrites them, even with --force: ` +
        `move them or use another --out folder`,
    );
  }
}

/** Removes a run folder's result files, instance .npy files and figures. */
export function clearResult(dir: string): void {
  for (const f of existingResult(dir)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
}

export interface ClaimOptions extends AcquireOptions {
  existing?: ExistingPolicy;
  /**
   * Keep a result with a summary.json in place ("replace" and "resume"): the caller writes the new
   * result into a staging folder ({@link stagingDir}) and swaps it in only when it is
   * complete ({@link commitStaging}), so a failure leaves the old result as it was.
   */
  stageFinished?: boolean;
  /** The config the folder's finished run must have been made with (a run of another config is not "finished"). */
  expected?: unknown;
  /** Throw {@link AlreadyFinishedError} when the folder holds a finished run, whatever the policy (a sweep resuming its run). */
  skipFinished?: boolean;
}

/** A claimed run folder: its lock, and whether the result there (one with a summary.json) stays until the new one replaces it. */
export interface ClaimedRunFolder extends RunLock {
  readonly keepsFinished: boolean;
}

/** Staging folders of writers: `.matsense-staging-<pid>` inside the run folder. */
const STAGING = /^\.matsense-staging-\d+$/;

/** The staging folder of this process inside run folder `dir` (same file system, so its files are renamed into place). */
export function stagingDir(dir: string): string {
  return path.join(dir, `.matsense-staging-${process.pid}`);
}

/**
 * Swaps a complete result from `stage` into run folder `dir`: the old summary.json goes
 * first (so that the folder reads as unfinished, never as the old result with new files),
 * then every new file is renamed over the old one, old result files the new result does
 * not have are removed, and the new summary.json comes last.
 */
export function commitStaging(stage: string, dir: string): void {
  fs.rmSync(path.join(dir, "summary.json"), { force: true });
  const fresh = fs.readdirSync(stage).filter((n) => n !== "summary.json");
  for (const n of fresh) {
    fs.rmSync(path.join(dir, n), { recursive: true, force: true });
    fs.renameSync(path.join(stage, n), path.join(dir, n));
  }
  for (const n of existingResult(dir)) if (!fresh.includes(n) && n !== "summary.json") fs.rmSync(path.join(dir, n), { recursive: true, force: true });
  fs.renameSync(path.join(stage, "summary.json"), path.join(dir, "summary.json"));
  fs.rmSync(stage, { recursive: true, force: true });
}

/**
 * Takes the lock of run folder `dir` and applies the existing-result policy (default
 * "replace"). Returns the held lock; the caller releases it when the run's files are
 * complete. Throws LockedError (live writer), ExistingResultError or AlreadyFinishedError
 * (lock released).
 */
export function claimRunFolder(dir: string, opts: ClaimOptions = {}): ClaimedRunFolder {
  const lock = acquireRunLock(dir, opts);
  try {
    const policy = opts.existing ?? "replace";
    const found = existingResult(dir);
    const foreign = foreignResultFiles(dir);
    if (foreign.length) throw new ForeignFilesError(dir, foreign);
    // we hold the lock: staging folders here are dead writers' unfinished results
    for (const n of fs.readdirSync(dir)) if (STAGING.test(n)) fs.rmSync(path.join(dir, n), { recursive: true, force: true });
    let keepsFinished = false;
    if (found.length) {
      if (policy === "refuse") throw new ExistingResultError(dir, found);
      const finished = isFinished(dir, opts.expected);
      if ((policy === "skip-finished" || opts.skipFinished) && finished) throw new AlreadyFinishedError(dir);
      // a result with a summary (finished, interrupted, failed or damaged) stays until the new one is complete;
      // a run killed before its summary is continued in place (its checkpoints are its progress)
      keepsFinished = !!opts.stageFinished && (finished || fs.existsSync(path.join(dir, "summary.json")));
      if (policy !== "resume" && !keepsFinished) clearResult(dir);
    }
    return Object.assign(lock, { keepsFinished });
  } catch (e) {
    lock.release();
    throw e;
  }
}

/** Sweep-level files of a sweep folder (removed by `reproduce --force`). */
const SWEEP_FILES =
  /^(grid\.json|manifest(\.shard-\d+-of-\d+)?\.json|status(\.shard-\d+-of-\d+)?\.jsonl|runs\.csv|curves\.csv|report\.md|figures)(\.tmp-\d+)?$/;

/** grid.json, or another sweep's atomic write of it still in progress (`grid.json.tmp-<pid>`). */
const GRID_FILE = /^grid\.json(\.tmp-\d+)?$/;

/**
 * True when matsense wrote sweep folder `dir`: its grid.json is exactly what
 * {@link recordGrid} writes (the parsed grid, 2-space JSON), or a manifest carries
 * matsense's version field and run list. Inside it the sweep files are matsense's.
 */
export function isMatsenseSweepFolder(dir: string): boolean {
  try {
    const text = fs.readFileSync(path.join(dir, "grid.json"), "utf8");
    if (JSON.stringify(parseGrid(JSON.parse(text)), null, 2) + "\n" === text) return true;
  } catch {
    /* no grid.json, or not one matsense wrote */
  }
  return fs.readdirSync(dir).some((n) => {
    if (!/^manifest(\.shard-\d+-of-\d+)?\.json$/.test(n)) return false;
    const m = readJsonObject(path.join(dir, n));
    return !!m && typeof m.matsense === "string" && Array.isArray(m.runs);
  });
}

/** The run ids of the grid recorded in the folder's grid.json (empty when there is none or it is not a grid). */
function recordedRunIds(dir: string): Set<string> {
  try {
    return gridRunIds(parseGrid(JSON.parse(fs.readFileSync(path.join(dir, "grid.json"), "utf8"))));
  } catch {
    return new Set();
  }
}

/** Entries of run folder `dir` that matsense did not write (relative names; none when it does not exist). */
export function foreignInRunFolder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const foreign = foreignResultFiles(dir);
  const known = new Set([...RUN_RESULT_FILES, ...RUN_NPY_FILES, LOCK_FILE]);
  for (const n of fs.readdirSync(dir)) if (!known.has(n) && !MATSENSE_SIDE_FILE.test(n)) foreign.push(n);
  return foreign;
}

/**
 * Checks an output folder for a sweep (`sweep`, `reproduce`): a folder that exists and is
 * not empty must be a sweep folder (grid.json; re-running resumes it) — anything else (a
 * single run's result, unrelated files) is refused. With `force` it deletes only what
 * matsense wrote: the sweep files of a matsense sweep folder ({@link isMatsenseSweepFolder}),
 * a single run's result files when the folder is a matsense run folder, and the run folders
 * of `grid` or of the grid recorded in grid.json, by run id. Every other entry is kept. A
 * file with a sweep or run file name that matsense did not write, or a run folder of the
 * grid holding anything matsense did not write, is refused ({@link ForeignFilesError}),
 * and so is a run folder a live writer holds; nothing is deleted then.
 */
export function claimSweepFolder(dir: string, force: boolean, grid?: Grid): void {
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
  const sweepOurs = isMatsenseSweepFolder(dir),
    runOurs = isMatsenseRunFolder(dir);
  const runIds = recordedRunIds(dir);
  if (grid) for (const id of gridRunIds(grid)) runIds.add(id);
  const remove: string[] = [],
    foreign: string[] = [];
  for (const name of names) {
    const p = path.join(dir, name);
    const base = name.replace(/\.tmp-\d+$/, "");
    const sweepFile = SWEEP_FILES.test(name),
      runFile = RUN_RESULT_FILES.includes(base) || RUN_NPY_FILES.includes(base);
    if (sweepFile || runFile) {
      // a temp file of an atomic write is matsense's; a whole file only inside a folder matsense wrote
      if (base !== name || (sweepFile && sweepOurs) || (runFile && runOurs)) remove.push(name);
      else foreign.push(name);
      continue;
    }
    if (!runIds.has(name) || !fs.statSync(p).isDirectory()) continue;
    const owner = lockedByLiveWriter(p);
    if (owner) throw new ExistingResultError(dir, [`${name} is being written by pid ${owner.pid} on ${owner.host}`]);
    const inside = foreignInRunFolder(p);
    if (inside.length) foreign.push(...inside.map((n) => `${name}/${n}`));
    else remove.push(name);
  }
  if (foreign.length) throw new ForeignFilesError(dir, foreign);
  for (const name of remove) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
}

/**
 * Why a sweep's run was not executed (its folder is another writer's, or a stop request ended its
 * operator's build before the first iteration: it stays to do), or undefined for a real error.
 */
export function runSkipReason(e: unknown): "locked" | "finished" | "interrupted" | undefined {
  return e instanceof LockedError ? "locked" : e instanceof AlreadyFinishedError ? "finished" : e instanceof InterruptedError ? "interrupted" : undefined;
}
