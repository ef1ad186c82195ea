import * as fs from "node:fs";
import * as path from "node:path";
import { DEFAULT_OPERATOR, type ResolvedConfig, applySets, entriesWithOption, getPath, resolveConfig, upgradeConfigJson } from "../config/schema.js";
import { csvNumber, fileLines, sha256Text, writeFileAtomic, writeNpyAtomic } from "../io/files.js";
import { firstRecordAtOrAfter, nextRecordIteration } from "../algorithms/driver.js";
import type { Stepper, StepperState } from "../algorithms/stepper.js";

/**
 * Checkpoints and resume of single runs.
 *
 * A run folder holds `checkpoint.json` (written atomically: a temporary file renamed over
 * the old one) with everything needed to continue bitwise: the iteration, the factors (as
 * base64 of their float64 bytes, so the values are exact), the step size, the events, the
 * method-specific scalars and the seconds spent. No random draws happen after the initial
 * point (the instance and the init are rebuilt from the seed), so no RNG state is needed.
 * The final iterate is also written as `X.npy` or `F.npy` + `G.npy` (`P.npy` for a
 * matrix-variable method), readable by `numpy.load`.
 */

export const CHECKPOINT_FILE = "checkpoint.json";
const FORMAT = 1;

/** A checkpoint or resume problem (the CLI reports it as a usage error, exit 2). */
export class ResumeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ResumeError";
  }
}

/**
 * A resume refusal with the way to start the run again (`run --force`) when its message gives no other way out
 * (--force, or a new run with --out). Sweeps redo such a run from iteration 0 by themselves (sweep/resume.ts).
 */
export function withRestartAdvice(message: string): string {
  return /--force|--out/.test(message) ? message : `${message}; use --force instead of --resume to start the run again from iteration 0`;
}

interface CheckpointFile {
  format: number;
  method: string;
  iteration: number;
  seconds: number;
  stepSize: number;
  events: StepperState["events"];
  scalars: StepperState["scalars"];
  arrays: Record<string, { rows: number; cols: number; float64Base64: string }>;
  /** The iteration each attempt of the run began at, the first 0 (written since resumes of sweeps; absent: one attempt). */
  attemptStarts?: number[];
}

function toBase64(a: Float64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function fromBase64(s: unknown, length: number, what: string): Float64Array {
  if (typeof s !== "string" || s.length % 4 !== 0 || !BASE64.test(s)) {
    throw new ResumeError(`checkpoint array ${what} is not base64 text (the checkpoint is damaged)`);
  }
  const b = Buffer.from(s, "base64");
  if (b.byteLength !== length * 8) throw new ResumeError(`checkpoint array ${what} has ${b.byteLength} bytes, expected ${length * 8}`);
  const out = new Float64Array(length);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/**
 * Writes `checkpoint.json` for the stepper's current point (atomically). `attemptStarts`:
 * the iteration each attempt of the run began at (see {@link attemptsOf}).
 */
export function writeCheckpoint(dir: string, stepper: Stepper, seconds: number, attemptStarts: number[] = [0]): void {
  const s = stepper.saveState?.();
  if (!s) return;
  const file: CheckpointFile = {
    format: FORMAT,
    method: stepper.method,
    iteration: s.iteration,
    seconds,
    stepSize: s.stepSize,
    events: s.events,
    scalars: s.scalars,
    arrays: Object.fromEntries(Object.entries(s.arrays).map(([k, a]) => [k, { rows: a.rows, cols: a.cols, float64Base64: toBase64(a.data) }])),
    ...(attemptStarts.length > 1 ? { attemptStarts } : {}),
  };
  // the checksum of the JSON text of every other field, in this order (the reader re-serializes and compares)
  writeFileAtomic(path.join(dir, CHECKPOINT_FILE), JSON.stringify({ ...file, sha256: sha256Text(JSON.stringify(file)) }) + "\n");
}

/** Reads `checkpoint.json` of a run folder. */
export function readCheckpoint(dir: string): { state: StepperState; seconds: number; method: string; attemptStarts: number[] } {
  const file = path.join(dir, CHECKPOINT_FILE);
  if (!fs.existsSync(file)) {
    throw new ResumeError(
      `${dir} has no ${CHECKPOINT_FILE} (the run wrote none: it failed before its first checkpoint, its method cannot be resumed, ` +
        `or it was made by an older matsense); use --force instead of --resume to start it again`,
    );
  }
  let c: CheckpointFile & { sha256?: unknown };
  try {
    c = JSON.parse(fs.readFileSync(file, "utf8")) as CheckpointFile;
  } catch (e) {
    throw new ResumeError(`${file} is damaged: ${(e as Error).message}`);
  }
  if (c === null || typeof c !== "object") throw new ResumeError(`${file} is damaged: not a JSON object`);
  if (c.format !== FORMAT) throw new ResumeError(`${file} has format ${String(c.format)}; this matsense reads format ${FORMAT}`);
  if (c.sha256 !== undefined) {
    // written with its checksum (checkpoints of older versions have none and are read unverified)
    const { sha256, ...rest } = c;
    if (sha256 !== sha256Text(JSON.stringify(rest)))
      throw new ResumeError(`${file} is damaged: its content does not match its SHA-256 (changed after it was written)`);
  }
  if (c.arrays === null || typeof c.arrays !== "object" || !Number.isSafeInteger(c.iteration) || c.iteration < 0) {
    throw new ResumeError(`${file} is damaged: no valid iteration and arrays`);
  }
  const arrays: StepperState["arrays"] = {};
  for (const [k, a] of Object.entries(c.arrays)) {
    if (!a || !Number.isSafeInteger(a.rows) || !Number.isSafeInteger(a.cols) || a.rows < 0 || a.cols < 0)
      throw new ResumeError(`${file} is damaged: array ${k} has no valid shape`);
    arrays[k] = { rows: a.rows, cols: a.cols, data: fromBase64(a.float64Base64, a.rows * a.cols, k) };
  }
  const starts = c.attemptStarts ?? [0];
  if (!Array.isArray(starts) || !starts.every((t, i) => Number.isSafeInteger(t) && t <= c.iteration && (i === 0 ? t === 0 : t > starts[i - 1]))) {
    throw new ResumeError(`${file} is damaged: attemptStarts is not an increasing list of iterations from 0`);
  }
  return {
    state: { iteration: c.iteration, stepSize: c.stepSize, events: c.events, arrays, scalars: c.scalars },
    seconds: c.seconds,
    method: c.method,
    attemptStarts: starts,
  };
}

/** Writes the stepper's current iterate as X.npy, F.npy + G.npy, or P.npy (matrix variable). */
export function writeFinalIterate(dir: string, stepper: Stepper): void {
  const x = stepper.factors();
  if (!x) {
    const P = stepper.product();
    writeNpyAtomic(path.join(dir, "P.npy"), [P.rows, P.cols], P.data);
  } else if (x.kind === "symmetric") writeNpyAtomic(path.join(dir, "X.npy"), [x.X.rows, x.X.cols], x.X.data);
  else {
    writeNpyAtomic(path.join(dir, "F.npy"), [x.F.rows, x.F.cols], x.F.data);
    writeNpyAtomic(path.join(dir, "G.npy"), [x.G.rows, x.G.cols], x.G.data);
  }
}

/**
 * Writes a checkpoint every `everySeconds` of wall time (polled after each iteration; the
 * clock is injected). `beforeWrite` runs first (e.g. to force metrics rows to disk).
 */
export class Checkpointer {
  private last: number;
  private readonly t0: number;

  constructor(
    private readonly dir: string,
    private readonly stepper: Stepper,
    private readonly everySeconds: number,
    private readonly now: () => number,
    private readonly startSeconds = 0,
    private readonly beforeWrite?: () => void,
    private readonly attemptStarts: number[] = [0],
  ) {
    this.t0 = now();
    this.last = this.t0;
  }

  /** Seconds spent so far, including those before a resume. */
  seconds(): number {
    return this.startSeconds + this.now() - this.t0;
  }

  /** Called after each iteration: writes a checkpoint when one is due. */
  poll(): void {
    const t = this.now();
    if (t - this.last < this.everySeconds) return;
    this.last = t;
    this.write();
  }

  write(): void {
    this.beforeWrite?.();
    writeCheckpoint(this.dir, this.stepper, this.seconds(), this.attemptStarts);
  }
}

/** Where a resumed run starts: the checkpoint and the metrics rows before it. */
export interface ResumePoint {
  dir: string;
  state: StepperState;
  seconds: number;
  /** First iteration the resumed driver records (the record schedule continued). */
  firstRecord: number;
  /** metrics.csv's header. */
  columns: string[];
  /** The rows before the checkpoint's iteration, as written: the first `metricsBytes` bytes (header included) of `metricsFile`. */
  metricsFile: string;
  metricsBytes: number;
  /** The row recorded at the checkpoint's iteration, as written (when there is one): the resumed run re-measures it ({@link checkResumedRow}). */
  checkRow?: string;
  /** The iteration each attempt began at, this one (at the checkpoint's iteration) last. */
  attemptStarts: number[];
}

/** One attempt of a run in summary.json: the iteration it began at and the iterations it contributed. */
export interface Attempt {
  from: number;
  iterations: number;
}

/**
 * The attempts that made a run of `iterations` iterations, from their start iterations
 * s₀ = 0 < s₁ < … : attempt j contributed s_{j+1} − s_j iterations (the last one iterations − s_last).
 * An attempt killed before its first checkpoint contributed nothing and is not listed.
 */
export function attemptsOf(attemptStarts: number[], iterations: number): Attempt[] {
  return attemptStarts.map((from, j) => ({ from, iterations: (j + 1 < attemptStarts.length ? attemptStarts[j + 1] : iterations) - from }));
}

/**
 * The resumed run's first recorded row against the one the interrupted run wrote at the
 * checkpoint's iteration (every column but `seconds`): both are measured from the same
 * iterate, so they are equal bit for bit unless checkpoint.json or metrics.csv was
 * changed. Throws {@link ResumeError} naming the first differing column.
 */
export function checkResumedRow(resume: ResumePoint, row: Record<string, number>): void {
  if (resume.checkRow === undefined || row.iteration !== resume.state.iteration) return;
  const stored = resume.checkRow.split(",");
  resume.columns.forEach((c, i) => {
    if (c === "seconds") return;
    const now = csvNumber(row[c]);
    if (now !== stored[i]) {
      throw new ResumeError(
        `the checkpoint in ${resume.dir} does not reproduce its own metrics row: at iteration ${resume.state.iteration}, ${c} is ${now}, ` +
          `metrics.csv says ${stored[i]} (checkpoint.json or metrics.csv was changed)`,
      );
    }
  });
}

/** Config paths a resume may change (the rest must match the interrupted run). */
const RESUMABLE_PREFIXES = ["stop.", "operator.threads"];

function differingPaths(a: unknown, b: unknown, prefix = ""): string[] {
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => differingPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix];
}

function readMetricsBefore(
  dir: string,
  iteration: number,
  record: ResolvedConfig["record"],
): { columns: string[]; file: string; bytes: number; checkRow?: string } {
  const partial = path.join(dir, "metrics.csv.partial"),
    done = path.join(dir, "metrics.csv");
  const file = fs.existsSync(partial) ? partial : fs.existsSync(done) ? done : null;
  if (!file) throw new ResumeError(`${dir} has no metrics.csv to continue`);
  // read line by line (the rows are never all in memory): every scheduled record before the checkpoint must be there, in
  // order, and they must be the file's first rows — the prefix the resumed run keeps, by its byte length
  let columns: string[] | undefined;
  let bytes = 0,
    previousEnd = 0,
    expected = 0,
    checkRow: string | undefined;
  const lacks = (): never => {
    throw new ResumeError(`${file} lacks the row of iteration ${expected} (the checkpoint is at iteration ${iteration}); cannot continue the metrics bitwise`);
  };
  for (const { text, end } of fileLines(file)) {
    const at = previousEnd;
    previousEnd = end;
    if (text.length === 0) continue;
    if (!columns) {
      columns = text.split(",");
      if (columns[0] !== "iteration") throw new ResumeError(`${file} does not start with an iteration column`);
      bytes = end;
      continue;
    }
    const it = Number(text.slice(0, text.indexOf(",")));
    if (it === iteration && checkRow === undefined) checkRow = text;
    // rows past the checkpoint, and any beyond the schedule before it, are dropped
    if (!(it < iteration) || expected >= iteration) continue;
    if (it !== expected) lacks();
    // a dropped line (empty, or a row out of order) between two kept rows: not the prefix of a file this run wrote
    if (at !== bytes) throw new ResumeError(`${file} has rows out of order before iteration ${it}; cannot continue the metrics bitwise`);
    bytes = end;
    expected = nextRecordIteration(expected, record);
  }
  if (!columns) throw new ResumeError(`${file} is empty`);
  if (expected < iteration) lacks();
  return { columns, file, bytes, ...(checkRow !== undefined ? { checkRow } : {}) };
}

/**
 * Prepares `run --resume DIR [--set …]`: the run's config.json with the overrides (only
 * `stop.*` and `operator.threads` may change), its checkpoint, and the metrics rows before
 * the checkpoint. Throws {@link ResumeError} with a one-line reason when the run cannot be
 * continued. `threads` (the CLI's --threads) sets operator.threads when the operator has it;
 * a config.json of an earlier version loads with a `notice` ({@link upgradeConfigJson}).
 */
export function prepareResume(dir: string, setsIn: string[], threads?: string): { config: ResolvedConfig; resume: ResumePoint; notice?: string } {
  const cfgFile = path.join(dir, "config.json");
  if (!fs.existsSync(cfgFile)) throw new ResumeError(`${dir} is not a run folder (no config.json)`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(fs.readFileSync(cfgFile, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new ResumeError(`${cfgFile} is damaged: ${(e as Error).message}`);
  }
  const up = upgradeConfigJson(raw);
  raw = up.config as Record<string, unknown>;
  const original = resolveConfig(raw);
  let sets = setsIn;
  const op = raw.operator as { type?: string } | undefined;
  if (threads !== undefined && entriesWithOption("operator", "threads").includes(op?.type ?? DEFAULT_OPERATOR)) sets = [...sets, `operator.threads=${threads}`];
  const before = structuredClone(raw);
  applySets(raw, sets);
  // the fields the user set, named before the resolution (which would blame a field derived from them)
  const setPaths = [...new Set(sets.map((s) => s.slice(0, s.indexOf("="))))];
  const setChanged = setPaths.filter(
    (p) => !RESUMABLE_PREFIXES.some((q) => p.startsWith(q)) && JSON.stringify(getPath(before, p)) !== JSON.stringify(getPath(raw, p)),
  );
  if (setChanged.length > 0) {
    throw new ResumeError(
      `--resume can only change stop.* and operator.threads; ${setChanged.join(", ")} would change the run (start a new run with --out instead)`,
    );
  }
  const config = resolveConfig(raw);
  const changed = differingPaths(original, config).filter((p) => !RESUMABLE_PREFIXES.some((q) => p.startsWith(q)));
  if (changed.length > 0) {
    throw new ResumeError(
      `--resume can only change stop.* and operator.threads; ${changed.join(", ")} would change the run (start a new run with --out instead)`,
    );
  }
  const { state, seconds, method, attemptStarts } = readCheckpoint(dir);
  if (method !== config.method.name) throw new ResumeError(`the checkpoint in ${dir} is of method ${method}, the config says ${config.method.name}`);
  if (state.iteration > config.stop.maxIterations) {
    throw new ResumeError(
      `the checkpoint is at iteration ${state.iteration}, beyond stop.maxIterations = ${config.stop.maxIterations}; raise it, e.g. --set ` +
        `stop.maxIterations=${2 * state.iteration}`,
    );
  }
  const { columns, file, bytes, checkRow } = readMetricsBefore(dir, state.iteration, config.record);
  // a resume at the iteration the last attempt began at (that attempt wrote no later checkpoint) is that attempt again
  const starts = attemptStarts[attemptStarts.length - 1] === state.iteration ? attemptStarts : [...attemptStarts, state.iteration];
  const firstRecord = firstRecordAtOrAfter(state.iteration, config.record);
  return {
    config,
    resume: {
      dir,
      state,
      seconds,
      firstRecord,
      columns,
      metricsFile: file,
      metricsBytes: bytes,
      ...(checkRow !== undefined ? { checkRow } : {}),
      attemptStarts: starts,
    },
    notice: up.notice,
  };
}
