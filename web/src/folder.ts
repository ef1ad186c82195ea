/**
 * The explorer's viewer mode: reads a finished run folder or sweep folder (the files
 * `matsense run` / `matsense sweep` write) into runs the explorer's charts and table show.
 * The files come from a {@link FileSource} — files dropped on the page, a chosen folder,
 * or `matsense explore DIR` serving the folder. Pure module (no DOM).
 *
 * A run is every folder holding config.json and metrics.csv (summary.json gives its
 * status); a sweep's manifest.json gives each run's varied values, which label it.
 */
import { csvParseRows } from "d3-dsv";
import type { FlatTraceRow, ResolvedConfig, RunStatus } from "../../src/core.js";
import { runLabels } from "./state.js";

/** Files of a folder by their path relative to it ("a/b/metrics.csv"), read on demand. */
export interface FileSource {
  paths: string[];
  read(path: string): Promise<string>;
}

export interface FolderRun {
  /** The run's folder relative to the opened folder ("" for a run folder itself). */
  dir: string;
  label: string;
  /** The sweep's varied values of this run (with its seed), or {}. */
  overrides: Record<string, unknown>;
  config: ResolvedConfig;
  rows: FlatTraceRow[];
  status?: RunStatus;
  warnings: string[];
  backend: string;
}

export interface Folder {
  /** "run" (one run), "sweep" (a grid.json next to run folders) or "runs" (several run folders). */
  kind: "run" | "sweep" | "runs";
  /** The sweep's name or the folder's name. */
  title: string;
  runs: FolderRun[];
  /** Run folders left out: unreadable (with the reason) or beyond the limit. */
  problems: string[];
}

/** Most runs the viewer loads from one folder. */
export const VIEWER_MAX_RUNS = 200;

/** A number of metrics.csv: "nan", "inf", "-inf", or a decimal (as the CLI writes them). */
function csvNumber(s: string): number {
  if (s === "" || s === "nan") return NaN;
  if (s === "inf") return Infinity;
  if (s === "-inf") return -Infinity;
  const v = Number(s);
  if (Number.isNaN(v)) throw new Error(`"${s}" is not a number`);
  return v;
}

/** The rows of a metrics.csv (header, then numbers); throws naming the line of a bad value. */
export function parseMetrics(text: string): FlatTraceRow[] {
  const [header, ...lines] = csvParseRows(text.trim());
  if (!header || !header.includes("iteration") || !header.includes("rel_error")) throw new Error("has no iteration and rel_error columns");
  return lines.map((cells, i) => {
    const row: Record<string, number> = {};
    header.forEach((c, j) => {
      try {
        row[c] = csvNumber(cells[j] ?? "");
      } catch (e) {
        throw new Error(`line ${i + 2}, column ${c}: ${(e as Error).message}`);
      }
    });
    return row as FlatTraceRow;
  });
}

const parent = (p: string) => (p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "");
const join = (dir: string, name: string) => (dir ? `${dir}/${name}` : name);

/**
 * The runs of a folder. Paths may carry a common first component (the folder's own name,
 * as a browser gives a chosen folder's files); it is the title.
 */
export async function readFolder(src: FileSource, title = "", maxRuns = VIEWER_MAX_RUNS): Promise<Folder> {
  const paths = new Set(src.paths.map((p) => p.replace(/\\/g, "/").replace(/^\.\//, "")));
  const runDirs = [...paths]
    .filter((p) => /(^|\/)metrics\.csv$/.test(p))
    .map(parent)
    .filter((d) => paths.has(join(d, "config.json")))
    .sort();
  if (!runDirs.length) throw new Error("no run folder here: a run folder holds config.json and metrics.csv (written by `matsense run` or `matsense sweep`)");
  const depth = (d: string) => (d === "" ? 0 : d.split("/").length);
  const top = runDirs.reduce((a, d) => (depth(d) < depth(a) ? d : a), runDirs[0]);
  // the sweep folder: the shallowest folder with a grid.json above the runs, or the runs' common parent
  const gridAt = [...paths]
    .filter((p) => /(^|\/)grid\.json$/.test(p))
    .map(parent)
    .sort((a, b) => depth(a) - depth(b))[0];
  const root = runDirs.length === 1 && gridAt === undefined ? top : (gridAt ?? parent(top));
  const problems: string[] = [];
  let sweepName: string | undefined;
  let params = new Map<string, Record<string, unknown>>();
  if (gridAt !== undefined) {
    try {
      sweepName = (JSON.parse(await src.read(join(gridAt, "grid.json"))) as { name?: string }).name;
    } catch (e) {
      problems.push(`grid.json: ${(e as Error).message}`);
    }
    if (paths.has(join(gridAt, "manifest.json"))) {
      try {
        type Manifest = { runs?: { id: string; params?: Record<string, unknown>; seed?: number }[] };
        const manifest = JSON.parse(await src.read(join(gridAt, "manifest.json"))) as Manifest;
        params = new Map((manifest.runs ?? []).map((r) => [r.id, { ...(r.params ?? {}), ...(r.seed !== undefined ? { seed: r.seed } : {}) }]));
      } catch (e) {
        problems.push(`manifest.json: ${(e as Error).message}`);
      }
    }
  }
  const chosen = runDirs.slice(0, maxRuns);
  if (runDirs.length > maxRuns) {
    problems.push(`${runDirs.length - maxRuns} of ${runDirs.length} runs left out (the viewer shows the first ${maxRuns}; \`matsense plot\` draws them all)`);
  }
  const runs: FolderRun[] = [];
  for (const dir of chosen) {
    try {
      const config = JSON.parse(await src.read(join(dir, "config.json"))) as ResolvedConfig & { matsense?: { backend?: string } };
      const rows = parseMetrics(await src.read(join(dir, "metrics.csv")));
      let summary: { status?: RunStatus; warnings?: string[] } = {};
      if (paths.has(join(dir, "summary.json"))) summary = JSON.parse(await src.read(join(dir, "summary.json")));
      const { matsense, ...resolved } = config;
      const rel = root && dir.startsWith(`${root}/`) ? dir.slice(root.length + 1) : dir === root ? "" : dir;
      const id = rel.split("/").pop() ?? rel;
      runs.push({
        dir: rel,
        label: "",
        overrides: params.get(id) ?? {},
        config: resolved as ResolvedConfig,
        rows,
        status: summary.status,
        warnings: summary.warnings ?? [],
        backend: matsense?.backend ?? "file",
      });
    } catch (e) {
      problems.push(`${dir || "."}: ${(e as Error).message}`);
    }
  }
  // labels: the sweep's varied values (shortened), else the run folders' names
  const fromParams = runs.every((r) => Object.keys(r.overrides).length) ? runLabels(runs.map((r) => r.overrides)) : undefined;
  runs.forEach((r, i) => (r.label = fromParams?.[i] ?? (r.dir || "run")));
  const name = root.split("/").pop() || title;
  return { kind: gridAt !== undefined ? "sweep" : runs.length === 1 ? "run" : "runs", title: sweepName ?? (name || "folder"), runs, problems };
}
