/**
 * Exports: the equivalent `npx matsense run` command(s), the config JSON, the metrics CSV.
 * Pure module.
 */
import type { FlatTraceRow as TraceRow } from "../../src/algorithms/driver.js";
import { type ExplorerState, encodeValue, flattenConfig, runConfigInput } from "./state.js";

/** Quotes a word for a POSIX shell when needed. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=,+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * One `npx matsense run` line per run, with a `--set` per config field (the live edits
 * folded in at their final values — the CLI has no mid-run edits, so a run with edits is
 * only approximated, and the returned note says so).
 */
export function runCommands(state: ExplorerState, labels: string[]): { commands: string[]; note?: string } {
  const runs = state.runs.length ? state.runs : [{}];
  const commands = runs.map((r, i) => {
    const c = runConfigInput(state, r);
    const sets = flattenConfig(c).map(([p, v]) => `--set ${shellQuote(`${p}=${encodeValue(v)}`)}`);
    const out = runs.length > 1 ? ` --out ${shellQuote(`runs/${labels[i] ?? `run${i + 1}`}`)}` : "";
    return `npx matsense run${sets.length ? " " + sets.join(" ") : " --set seed=0"}${out}`;
  });
  const note = state.edits.length
    ? `The ${state.edits.length} live edit${state.edits.length > 1 ? "s" : ""} (${state.edits.map((e) => `${e.path}=${encodeValue(e.value)} at iteration ${e.at}`).join(", ")}) cannot be expressed on the command line; the commands use the values before them.`
    : undefined;
  return { commands, note };
}

/** CSV number formatting of the CLI's metrics.csv: shortest round-trip decimal, nan/inf. */
function num(v: number | undefined): string {
  if (v === undefined) return "";
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  return String(v);
}

/**
 * The metrics of all runs as one CSV: a `run` column (the compare label) followed by the
 * columns of the CLI's metrics.csv (iteration, seconds, loss, abs_error, rel_error, …).
 */
export function metricsCsv(runs: { label: string; rows: TraceRow[] }[]): string {
  const fixed = ["iteration", "seconds", "loss", "abs_error", "rel_error"];
  const extra: string[] = [];
  for (const r of runs) for (const row of r.rows) for (const k of Object.keys(row)) if (!fixed.includes(k) && !extra.includes(k)) extra.push(k);
  const cols = [...fixed, ...extra];
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [["run", ...cols].join(",")];
  for (const r of runs) for (const row of r.rows) lines.push([quote(r.label), ...cols.map((c) => num(row[c]))].join(","));
  return lines.join("\n") + "\n";
}
