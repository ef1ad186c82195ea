import * as fs from "node:fs";
import * as path from "node:path";
import { csvParseRows } from "d3-dsv";
import { z } from "zod";
import { recordSchema, stopSchema } from "../config/schema.js";
import { csvNumber, fileLines, sha256File, sha256Text } from "../io/files.js";
import { fileErrorReason, parseJsonText } from "../io/json.js";
import { nextRecordIteration } from "../algorithms/driver.js";
import { type RunSummary, VOUCHED_FILES } from "./summary.js";

/**
 * Validating reader of a run folder: the files are checked against each other before
 * anything trusts them, so a damaged run is named (path and reason), never guessed.
 *
 * - `summary.json`: strict JSON (src/io/json.ts) and the {@link summarySchema};
 * - `config.json`: present and a JSON object (its `record` section gives the iterations
 *   that must have been recorded);
 * - `metrics.csv`: parsed with d3-dsv; must end with a newline (a file cut mid-line is
 *   truncated), have the columns `iteration`, `loss`, `rel_error`, the same number of
 *   cells in every row, only numbers (`nan`, `inf`, `-inf`, empty allowed) and exactly
 *   the recorded iterations of the run: the record schedule's iterations below
 *   summary.iterations, then summary.iterations itself — so the row count and every
 *   iteration number are checked; the last row must equal summary.final;
 * - the status must follow from config.json's stop rules and the last row (converged ⇒
 *   rel_error ≤ stop.targetRelError, max-iterations ⇒ iterations = stop.maxIterations, …);
 * - `summary.sha256`: the SHA-256 of every result file summary.json vouches for must match
 *   the file's bytes (an edited row, a forged last row with its summary, files swapped in
 *   from another run); a folder without checksums (older matsense) is read as unverified.
 */

/** What a run folder holds, as seen from its files. */
export type RunFolderState =
  /** finished with a terminal status (converged, max-iterations, time-limit, diverged); files consistent */
  | "done"
  /** summary.json says failed (the error is in `reason`) */
  | "failed"
  /** summary.json says interrupted (Ctrl-C, SIGTERM …); a sweep resume re-runs it */
  | "interrupted"
  /** started (config.json or metrics.csv.partial) but no summary.json: running now, or killed */
  | "incomplete"
  /** files present but unreadable or inconsistent (see `reason`); excluded from aggregates, re-run by resume */
  | "damaged"
  /** no folder, or none of the run files */
  | "missing";

/** Summary statuses after which a run is finished. */
const TERMINAL = ["converged", "max-iterations", "time-limit", "diverged"];

const finiteOrNull = z.union([z.number(), z.null()]);

/** The schema of summary.json (extra fields allowed: newer versions may add some). */
export const summarySchema = z
  .object({
    status: z.enum(["converged", "max-iterations", "time-limit", "diverged", "interrupted", "failed"]),
    iterations: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    divergedAt: z.number().int().min(0).optional(),
    seconds: finiteOrNull,
    final: z.union([z.record(z.string(), finiteOrNull), z.null()]),
    warnings: z.array(z.string()),
    events: z.array(z.object({ iteration: z.number(), message: z.string() }).loose()),
    error: z.string().optional(),
    sha256: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/, "is not a SHA-256 in hex")).optional(),
    resumeRefused: z.string().optional(),
  })
  .loose();

/** A numeric table read from a CSV file: column name → values. */
export interface Table {
  columns: string[];
  data: Record<string, number[]>;
  rows: number;
}

/** What {@link inspectRunFolder} found. */
export interface RunFolderInspection {
  dir: string;
  state: RunFolderState;
  /** Why the folder is damaged / failed / incomplete, naming the file. */
  reason?: string;
  /** summary.json, when it is valid. */
  summary?: RunSummary;
  /** config.json, when it is a valid JSON object. */
  config?: Record<string, unknown>;
  /** metrics.csv, when it is valid (and was read). */
  metrics?: Table;
  /**
   * Set when the run's stop rules (stop.*) differ from its grid's (e.g. a run continued
   * with `--resume --set stop.maxIterations=…`): which, in words. The run is finished and
   * not redone, but it is not the grid's run: aggregates leave it out of their statistics.
   */
  stopDiffers?: string;
  /**
   * True when summary.json records the SHA-256 of the result files and they all match;
   * false for a folder written before checksums were recorded ("unverified").
   */
  verified?: boolean;
}

/**
 * The first file summary.json's checksums do not vouch for (missing, or other bytes than
 * when the run wrote it), as a damage reason; undefined when all match.
 */
function checksumProblem(
  dir: string,
  sums: Record<string, string>,
  read: Record<string, string | undefined> = {},
): { file: string; reason: string } | undefined {
  for (const [file, want] of Object.entries(sums)) {
    if (!VOUCHED_FILES.includes(file)) return { file: "summary.json", reason: `vouches for ${JSON.stringify(file)}, which is not a result file` };
    let got: string;
    try {
      // a file already read as text is hashed from it (its UTF-8 bytes: matsense writes only UTF-8), not read again
      const text = read[file];
      got = text !== undefined ? sha256Text(text) : sha256File(path.join(dir, file));
    } catch (e) {
      return {
        file,
        reason: (e as NodeJS.ErrnoException).code === "ENOENT" ? "is missing (summary.json vouches for it)" : `cannot be read: ${fileErrorReason(e)}`,
      };
    }
    if (got !== want) {
      return {
        file: "summary.json",
        reason:
          `records a SHA-256 of ${file} that does not match the file (${file} or summary.json was changed after the run wrote them, or they ` +
          `come from different runs)`,
      };
    }
  }
  return undefined;
}

const NUMBER_CELL = /^(-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|nan|inf|-inf|)$/;

/** Parses one CSV value as written by matsense ("nan", "inf", "-inf", "" = NaN). */
export function parseCsvNumber(s: string): number {
  if (s === "nan" || s === "") return NaN;
  if (s === "inf") return Infinity;
  if (s === "-inf") return -Infinity;
  return Number(s);
}

/** Thrown by {@link parseMetricsCsv}: what is wrong with the file, in words. */
export class DamagedFileError extends Error {}

/**
 * Parses a numeric CSV (header row, then rows of numbers) such as metrics.csv, checking its
 * shape: trailing newline, a header, the same number of cells in every row, numbers only.
 * Throws {@link DamagedFileError} naming the line.
 */
export function parseMetricsCsv(text: string, required: string[] = []): Table {
  if (text.length === 0) throw new DamagedFileError("is empty");
  if (!text.endsWith("\n")) throw new DamagedFileError("is truncated (the last line has no line end: the file was cut while being written)");
  return tableOfRows((onRow) => eachCsvRow(text, onRow), required);
}

/** metrics.csv files above this size are read line by line ({@link readMetricsFile}), never as one string. */
export const STREAMED_METRICS_BYTES = 64 * 1024 * 1024;

/**
 * {@link parseMetricsCsv} of a file read line by line in blocks (io/files.ts `fileLines`): the file is
 * never one string, so a metrics.csv beyond V8's string limit (about 512 MiB: a few million rows)
 * reads, and only the parsed numbers are held (8 bytes a value). Cells are split at commas (the
 * files matsense writes have no quotes); a Windows line end is accepted as by the text parser.
 */
export function readMetricsFile(file: string, required: string[] = []): Table {
  const size = fs.statSync(file).size;
  if (size === 0) throw new DamagedFileError("is empty");
  const last = Buffer.alloc(1);
  const fd = fs.openSync(file, "r");
  try {
    fs.readSync(fd, last, 0, 1, size - 1);
  } finally {
    fs.closeSync(fd);
  }
  if (last[0] !== 10) throw new DamagedFileError("is truncated (the last line has no line end: the file was cut while being written)");
  return tableOfRows((onRow) => {
    let index = 0;
    for (const { text } of fileLines(file)) onRow((text.endsWith("\r") ? text.slice(0, -1) : text).split(","), index++);
  }, required);
}

/** The table of CSV rows given one by one to the callback of `eachRow` (header first), with the checks of {@link parseMetricsCsv}. */
function tableOfRows(eachRow: (onRow: (cells: string[], index: number) => void) => void, required: string[]): Table {
  let columns: string[] = [];
  let data: Record<string, number[]> = {};
  let rows = 0;
  eachRow((cells, r) => {
    if (r === 0) {
      columns = cells;
      if (columns.length === 0 || columns.some((c) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(c))) {
        throw new DamagedFileError(`has no valid header line (got ${JSON.stringify(columns.join(",").slice(0, 60))})`);
      }
      if (new Set(columns).size !== columns.length) throw new DamagedFileError("has a repeated column name in its header");
      for (const c of required) if (!columns.includes(c)) throw new DamagedFileError(`has no column ${c}`);
      data = Object.fromEntries(columns.map((c) => [c, [] as number[]]));
      return;
    }
    if (cells.length !== columns.length) throw new DamagedFileError(`line ${r + 1} has ${cells.length} cells, the header ${columns.length}`);
    for (let i = 0; i < cells.length; i++) {
      if (!NUMBER_CELL.test(cells[i]))
        throw new DamagedFileError(`line ${r + 1}, column ${columns[i]}: ${JSON.stringify(cells[i].slice(0, 30))} is not a number`);
      data[columns[i]].push(parseCsvNumber(cells[i]));
    }
    rows++;
  });
  return { columns, data, rows };
}

/**
 * Calls `onRow` with the cells of each row of CSV text and its index: d3-dsv's parser, or — for text
 * without quotes or carriage returns, as matsense writes it — the same cells split line by line, so
 * that the rows of a long run are never all held as strings (only the parsed numbers are kept).
 */
function eachCsvRow(text: string, onRow: (cells: string[], index: number) => void): void {
  if (text.includes('"') || text.includes("\r")) {
    const records = csvParseRows(text);
    if (records.length === 0) onRow([], 0);
    records.forEach((cells, i) => onRow(cells, i));
    return;
  }
  // the text ends with "\n" (checked before): each line up to it is a row
  for (let start = 0, index = 0; start < text.length; index++) {
    const end = text.indexOf("\n", start);
    onRow(text.slice(start, end).split(","), index);
    start = end + 1;
  }
}

/** Reads a file, or undefined when it does not exist (other errors throw DamagedFileError). */
function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new DamagedFileError(`cannot be read: ${fileErrorReason(e)}`);
  }
}

/** The same number as it would be written to metrics.csv (summary.json holds NaN/∞ as null). */
function sameCell(summaryValue: number | null | undefined, csvValue: number): boolean {
  if (summaryValue === undefined) return true;
  if (summaryValue === null) return !Number.isFinite(csvValue);
  return csvNumber(summaryValue) === csvNumber(csvValue);
}

/**
 * Checks that `iterations` are exactly the iterations the driver records for a run of
 * `total` iterations with this record schedule: 0, the schedule's points below `total`,
 * then `total`. Returns the first problem, or undefined.
 */
export function checkRecordedIterations(iterations: number[], total: number, record: z.output<typeof recordSchema>): string | undefined {
  let expected = 0;
  for (let i = 0; i < iterations.length; i++) {
    const want = expected < total ? expected : total;
    if (iterations[i] !== want) {
      return `line ${i + 2} has iteration ${iterations[i]}, expected ${want} (rows missing, repeated or out of order)`;
    }
    if (want === total) {
      return i === iterations.length - 1 ? undefined : `has ${iterations.length - i - 1} row(s) after the final iteration ${total}`;
    }
    expected = nextRecordIteration(expected, record);
  }
  return `ends at iteration ${iterations[iterations.length - 1] ?? "(no rows)"}, but summary.json says the run did ${total} iterations (rows missing)`;
}

/** Paths a run's config may differ from its grid's without being another run: operator.threads (same numbers) and "auto" values (recorded resolved). */
const CONFIG_FREE = ["operator.threads"];

/**
 * Where `config` (a run's config.json) differs from `expected` (the grid's config of the
 * run, resolved): every value config.json holds must be the expected one (`stop` lists the
 * stop.* differences, `other` the first other one, in words); fields config.json lacks
 * (written by an older version) are not compared.
 */
export function configDifferences(expected: unknown, config: Record<string, unknown>): { stop: string[]; other?: string } {
  const stop: string[] = [];
  let other: string | undefined;
  const walk = (want: unknown, got: unknown, at: string): void => {
    if (other) return;
    if (want !== null && typeof want === "object" && !Array.isArray(want)) {
      for (const [k, v] of Object.entries(want)) {
        walk(v, got !== null && typeof got === "object" ? (got as Record<string, unknown>)[k] : undefined, at ? `${at}.${k}` : k);
      }
      return;
    }
    // a field config.json does not hold is not compared: folders of older versions lack newer fields
    if (got === undefined || want === "auto" || CONFIG_FREE.includes(at) || JSON.stringify(want) === JSON.stringify(got)) return;
    const text = `${at} = ${JSON.stringify(got)}, the grid says ${JSON.stringify(want)}`;
    if (at.startsWith("stop.")) stop.push(text);
    else other = text;
  };
  walk(expected, config, "");
  return { stop, other };
}

/**
 * Inspects a run folder and validates its files against each other (see the module
 * comment). Never throws for a bad folder: a damaged one is returned with state
 * "damaged" and the reason naming the file. With `readMetrics: false`, metrics.csv is
 * only checked to exist (for a quick status of many folders). With `expected` (the
 * grid's config of the run), config.json must be that config: another value is damage,
 * except for stop.* (recorded in `stopDiffers`).
 */
export function inspectRunFolder(dir: string, opts: { readMetrics?: boolean; expected?: unknown } = {}): RunFolderInspection {
  const readMetrics = opts.readMetrics !== false;
  const at = (file: string) => path.join(dir, file);
  const damaged = (file: string, reason: string, extra: Partial<RunFolderInspection> = {}): RunFolderInspection => ({
    dir,
    state: "damaged",
    reason: `${file} ${reason}`,
    ...extra,
  });
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return { dir, state: "missing", reason: "no run folder" };
  }
  if (!stat.isDirectory()) return damaged(dir, "is not a folder");
  let summaryText: string | undefined, configText: string | undefined, metricsText: string | undefined;
  try {
    summaryText = readIfExists(at("summary.json"));
  } catch (e) {
    return damaged("summary.json", (e as Error).message);
  }
  try {
    configText = readIfExists(at("config.json"));
  } catch (e) {
    return damaged("config.json", (e as Error).message);
  }
  const hasMetrics = fs.existsSync(at("metrics.csv"));
  if (summaryText === undefined) {
    if (configText !== undefined || hasMetrics || fs.existsSync(at("metrics.csv.partial"))) {
      return { dir, state: "incomplete", reason: "no summary.json: the run is going on, or was killed before it finished" };
    }
    return { dir, state: "missing", reason: "no run files" };
  }
  let summary: RunSummary;
  try {
    const value = parseJsonText(summaryText, { source: "summary.json" });
    const parsed = summarySchema.safeParse(value);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      const missing = i.path.reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<PropertyKey, unknown>)[k] : undefined), value) === undefined;
      return damaged("summary.json", `does not match the summary format: ${i.path.join(".") || "(top level)"}: ${missing ? "is missing" : i.message}`);
    }
    summary = parsed.data as unknown as RunSummary;
  } catch (e) {
    return { dir, state: "damaged", reason: firstLine(e) };
  }
  if (summary.status === "failed") {
    return { dir, state: "failed", summary, reason: summary.error ?? "failed (no error recorded)" };
  }
  if (configText === undefined) return damaged("config.json", "is missing (summary.json is there)", { summary });
  let config: Record<string, unknown>;
  try {
    config = parseJsonText(configText, { source: "config.json" }) as Record<string, unknown>;
  } catch (e) {
    return { dir, state: "damaged", reason: firstLine(e), summary };
  }
  let stopDiffers: string | undefined;
  if (opts.expected !== undefined) {
    const d = configDifferences(opts.expected, config);
    if (d.other) return damaged("config.json", `is not the grid's config of this run: ${d.other}`, { summary, config });
    if (d.stop.length) stopDiffers = `its stop rules are not the grid's: ${d.stop.join("; ")}`;
  }
  const state: RunFolderState = TERMINAL.includes(summary.status) ? "done" : "interrupted";
  if (!hasMetrics) return damaged("metrics.csv", `is missing (summary.json says ${summary.status})`, { summary, config });
  // the checksums come after the checks that say more precisely what is wrong
  const sums = summary.sha256;
  const verified = !!sums;
  const bad = () => sums && checksumProblem(dir, sums, { "config.json": configText, "metrics.csv": metricsText });
  if (!readMetrics) {
    const b = bad();
    if (b) return damaged(b.file, b.reason, { summary, config });
  }
  if (!readMetrics) return { dir, state, summary, config, verified, ...(stopDiffers ? { stopDiffers } : {}) };
  let metrics: Table;
  try {
    // a long run's metrics.csv is read line by line (its checksum then from the file)
    if (fs.statSync(at("metrics.csv")).size > STREAMED_METRICS_BYTES) metrics = readMetricsFile(at("metrics.csv"), truthColumns(config));
    else {
      metricsText = readIfExists(at("metrics.csv")) ?? "";
      metrics = parseMetricsCsv(metricsText, truthColumns(config));
    }
  } catch (e) {
    return damaged("metrics.csv", (e as Error).message, { summary, config });
  }
  const record = recordSchema.safeParse(config.record ?? {});
  if (!record.success) return damaged("config.json", `has an invalid record section: ${record.error.issues[0].message}`, { summary });
  const rowsProblem = checkRecordedIterations(metrics.data.iteration, summary.iterations, record.data);
  if (rowsProblem) return damaged("metrics.csv", rowsProblem, { summary, config });
  const last = metrics.rows - 1;
  const final = summary.final as Record<string, number | null> | null;
  if (!final) return damaged("summary.json", `has no final metrics (status ${summary.status})`, { summary, config });
  for (const c of truthColumns(config)) {
    if (!sameCell(final[c], metrics.data[c][last])) {
      return damaged(
        "metrics.csv",
        `last row's ${c} ${csvNumber(metrics.data[c][last])} differs from summary.json's final ${c} ${final[c]} (the files are from different ` +
          `runs, or one was cut)`,
        { summary, config },
      );
    }
  }
  const statusProblem = checkStatus(summary, metrics, last, config);
  if (statusProblem) return damaged("summary.json", statusProblem, { summary, config });
  const b = bad();
  if (b) return damaged(b.file, b.reason, { summary, config });
  return { dir, state, summary, config, metrics, verified, ...(stopDiffers ? { stopDiffers } : {}) };
}

/**
 * The summary's status must follow from the stop rules in config.json and the last
 * recorded row (the driver's own tests): converged ⇒ rel_error ≤ stop.targetRelError (or ≤ summary.json
 * noiseFloor.stopRelError, the `stop.noiseFloor` rule, or loss ≤ stop.targetLoss);
 * max-iterations ⇒ iterations = stop.maxIterations; diverged ⇒ a non-finite metric or
 * rel_error > stop.divergenceRelError; time-limit ⇒ stop.maxSeconds > 0.
 */
function checkStatus(summary: RunSummary, metrics: Table, last: number, config: Record<string, unknown>): string | undefined {
  const stop = stopSchema.safeParse(config.stop ?? {});
  if (!stop.success) return undefined;
  const { targetRelError, targetLoss = 0, maxIterations, divergenceRelError, maxSeconds } = stop.data;
  const rel = metrics.data.rel_error?.[last] ?? NaN;
  const says = `says ${summary.status}`;
  switch (summary.status) {
    case "converged": {
      const noiseStop = summary.noiseFloor?.stopRelError ?? 0;
      if (noiseStop > 0 && rel <= noiseStop) return undefined;
      if (targetRelError > 0 && rel <= targetRelError) return undefined;
      const loss = metrics.data.loss?.[last] ?? NaN;
      if (targetLoss > 0 && loss <= targetLoss) return undefined;
      const nor =
        (noiseStop > 0 ? ` nor ≤ the noise-floor stop ${noiseStop}` : "") +
        (targetLoss > 0 ? `, and the last loss ${loss} is not ≤ stop.targetLoss = ${targetLoss}` : "");
      return `${says}, but the last rel_error ${rel} is not ≤ stop.targetRelError = ${targetRelError}${nor}`;
    }
    case "max-iterations":
      return summary.iterations === maxIterations ? undefined : `${says} after ${summary.iterations} iterations, but stop.maxIterations = ${maxIterations}`;
    case "diverged": {
      const nonFinite = metrics.columns.some((c) => c !== "seconds" && !Number.isFinite(metrics.data[c][last]));
      return nonFinite || rel > divergenceRelError
        ? undefined
        : `${says}, but the last row is finite with rel_error ${rel} ≤ stop.divergenceRelError = ${divergenceRelError}`;
    }
    case "time-limit":
      return maxSeconds > 0 ? undefined : `${says}, but stop.maxSeconds is 0 (no time limit)`;
    default:
      return undefined;
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0];
}

/** True when a sweep resume can skip this run folder (finished, files consistent). */
export function isDone(dir: string): boolean {
  return inspectRunFolder(dir).state === "done";
}

/** The columns every metrics.csv holds: iteration, loss and (unless problem.truth is "none") rel_error. */
function truthColumns(config: Record<string, unknown>): string[] {
  const truth = (config.problem as { truth?: unknown } | undefined)?.truth;
  return truth === "none" ? ["iteration", "loss"] : ["iteration", "loss", "rel_error"];
}
