import * as fs from "node:fs";
import * as path from "node:path";
import { csvNumber } from "../io/files.js";

/** A numeric table read from a CSV file: column name → values. */
export interface Table {
  columns: string[];
  data: Record<string, number[]>;
  rows: number;
}

/** Parses one CSV value as written by matsense ("nan", "inf", "-inf", "" = NaN). */
export function parseCsvNumber(s: string): number {
  if (s === "nan" || s === "") return NaN;
  if (s === "inf") return Infinity;
  if (s === "-inf") return -Infinity;
  return Number(s);
}

/** Reads a numeric CSV (header row, comma-separated, no quoting) such as metrics.csv. */
export function readNumericCsv(file: string): Table {
  const lines = fs.readFileSync(file, "utf8").split("\n").filter((l) => l.length > 0);
  const columns = (lines[0] ?? "").split(",");
  const data: Record<string, number[]> = Object.fromEntries(columns.map((c) => [c, [] as number[]]));
  for (const line of lines.slice(1)) {
    const cells = line.split(",");
    columns.forEach((c, i) => data[c].push(parseCsvNumber(cells[i] ?? "")));
  }
  return { columns, data, rows: lines.length - 1 };
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
  let row: string[] = [], cell = "", quoted = false;
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
}

/** Reads config.json, summary.json and metrics.csv of a run folder (missing files → undefined). */
export function readRunFolder(dir: string): RunResultFiles {
  const json = (f: string) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  const metricsFile = path.join(dir, "metrics.csv");
  return {
    dir,
    config: json("config.json") ?? {},
    summary: json("summary.json"),
    metrics: fs.existsSync(metricsFile) ? readNumericCsv(metricsFile) : undefined,
  };
}

/** True when `dir` is a single run's folder (has config.json and metrics.csv). */
export function isRunFolder(dir: string): boolean {
  return fs.existsSync(path.join(dir, "config.json")) && fs.existsSync(path.join(dir, "metrics.csv"));
}
