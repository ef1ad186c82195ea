/**
 * Exports: the equivalent `npx matsense run` command(s), the config JSON, the metrics CSV.
 * Pure module.
 */
import { type FlatTraceRow as TraceRow, pointName, setPath } from "../../src/core.js";
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
    ? `The ${state.edits.length} live edit${state.edits.length > 1 ? "s" : ""} ` +
      `(${state.edits.map((e) => `${e.path}=${encodeValue(e.value)} at iteration ${e.at}`).join(", ")}) cannot be expressed on the command line; ` +
      `the commands use the values before them.`
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

/** metrics.csv's leading columns (the CLI's order; the other columns follow in the row's order). */
const LEADING = ["iteration", "seconds", "loss", "abs_error", "rel_error"];

/**
 * One run's metrics exactly as `matsense run` writes metrics.csv: the leading columns,
 * then the row's other columns in their order, numbers as shortest round-trip decimals.
 */
export function runMetricsCsv(rows: TraceRow[]): string {
  if (!rows.length) return "";
  const lead = LEADING.filter((c) => c in rows[0]);
  const cols = [...lead, ...Object.keys(rows[0]).filter((c) => !lead.includes(c))];
  return [cols.join(","), ...rows.map((row) => cols.map((c) => num(row[c])).join(","))].join("\n") + "\n";
}

/**
 * The metrics of all runs as one CSV: a `run` column (the compare label) followed by the
 * columns of the CLI's metrics.csv (iteration, seconds, loss, abs_error, rel_error, …).
 */
export function metricsCsv(runs: { label: string; rows: TraceRow[] }[]): string {
  const fixed = LEADING;
  const extra: string[] = [];
  for (const r of runs) for (const row of r.rows) for (const k of Object.keys(row)) if (!fixed.includes(k) && !extra.includes(k)) extra.push(k);
  const cols = [...fixed, ...extra];
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [["run", ...cols].join(",")];
  for (const r of runs) for (const row of r.rows) lines.push([quote(r.label), ...cols.map((c) => num(row[c]))].join(","));
  return lines.join("\n") + "\n";
}

/**
 * The explorer's state as a sweep grid file (`matsense sweep --grid grid.json`): the base
 * config (live edits folded in at their final values, as the run commands do) without its
 * seed, which becomes the grid's seed list; compare runs that all set the same one field
 * become a `vary` list, other compare runs `variants` named by their overrides. Expanding
 * the grid gives exactly the explorer's run configs.
 */
export function gridFile(state: ExplorerState, version: string): Record<string, unknown> {
  const base = structuredClone(state.config);
  for (const e of state.edits) setPath(base, e.path, e.value);
  const seed = typeof base.seed === "number" ? base.seed : 0;
  const edits = state.edits.map((e) => `${e.path}=${encodeValue(e.value)} at ${e.at}`).join(", ");
  delete base.seed;
  const grid: Record<string, unknown> = {
    name: state.scenario ?? "explorer",
    description:
      `exported from the matsense explorer ${version}` + (state.edits.length ? `; the live edits (${edits}) are folded into base at their final values` : ""),
    base,
  };
  const paths = [...new Set(state.runs.flatMap((r) => Object.keys(r)))];
  const single = paths.length === 1 && state.runs.every((r) => paths[0] in r) && !paths[0].startsWith("seed");
  if (single) grid.vary = { [paths[0]]: state.runs.map((r) => r[paths[0]]) };
  else if (state.runs.length) grid.variants = state.runs.map((r) => ({ name: pointName(r), set: structuredClone(r) }));
  grid.seeds = [seed];
  return grid;
}
