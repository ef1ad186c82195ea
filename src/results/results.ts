import * as fs from "node:fs";
import * as path from "node:path";
import { csvNumber } from "../io/files.js";
import { type RunFolderState, type Table, inspectRunFolder, parseMetricsCsv } from "./validate.js";

export { type Table, parseCsvNumber } from "./validate.js";

/**
 * Reads a numeric CSV (header row, comma-separated) such as metrics.csv, checking its
 * shape (see {@link parseMetricsCsv}); a damaged file throws an error naming it.
 */
export function readNumericCsv(file: string): Table {
  try {
    return parseMetricsCsv(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file} ${(e as Error).message}`);
  }
}

/** Quotes a CSV cell when needed (RFC 4180). */
export function csvCell(v: unknown): string {
  if (typeof v === "number") return csvNumber(v);
  if (v === undefined || v === null) return "";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Formats rows of objects as CSV text with the given columns. */
export function toCsv(columns: string[], rows: Record<string, unknown>[]): string {
  return [columns.join(","), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(","))].join("\n") + "\n";
}

/** Parses CSV text with quoted cells (as written by {@link toCsv}) into rows of strings. */
export function parseCsv(text: string): Record<string, string>[] {
  const records: string[][] = [];
  let row: string[] = [],
    cell = "",
    quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\n") {
      row.push(cell);
      records.push(row);
      row = [];
      cell = "";
    } else cell += ch;
  }
  if (cell.length || row.length) {
    row.push(cell);
    records.push(row);
  }
  const [header, ...body] = records;
  return body.map((r) => Object.fromEntries((header ?? []).map((h, i) => [h, r[i] ?? ""])));
}

/** A run folder's result files, read back. */
export interface RunResultFiles {
  dir: string;
  config: Record<string, unknown>;
  summary: Record<string, unknown> | undefined;
  metrics: Table | undefined;
  /** What the folder holds (see {@link inspectRunFolder}); metrics are only given when valid. */
  state: RunFolderState;
  /** Why the folder is damaged, failed or incomplete. */
  reason?: string;
}

/**
 * Reads config.json, summary.json and metrics.csv of a run folder through the validating
 * reader {@link inspectRunFolder}: files that are missing, damaged or inconsistent with
 * each other are undefined (and `state`/`reason` say why), never half-read.
 */
export function readRunFolder(dir: string): RunResultFiles {
  const i = inspectRunFolder(dir);
  return {
    dir,
    config: i.config ?? {},
    summary: i.summary as Record<string, unknown> | undefined,
    metrics: i.metrics,
    state: i.state,
    ...(i.reason !== undefined ? { reason: i.reason } : {}),
  };
}

/** True when `dir` is a single run's folder (has config.json and metrics.csv). */
export function isRunFolder(dir: string): boolean {
  return fs.existsSync(path.join(dir, "config.json")) && fs.existsSync(path.join(dir, "metrics.csv"));
}
