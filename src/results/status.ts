/**
 * The state of a sweep folder read from the folder alone (never from a scheduler or a
 * queue): for every run of its grid, done / failed / interrupted / running-or-lost /
 * missing, per shard, and an ETA from the finished runs' durations. Used by
 * `matsense status` and `matsense missing` (which shards to resubmit).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type RunSpec, expandGrid, parseGrid } from "../config/grid.js";
import { type RunFolderInspection, inspectRunFolder } from "./validate.js";
import { expectedConfigs } from "./manifest.js";

/** What a run folder shows ("damaged": files inconsistent, edited or not the grid's run; redone like a missing one). */
export type RunState = "done" | "failed" | "interrupted" | "started" | "missing" | "damaged";

/** Counts of run states. */
export type StateCounts = Record<RunState, number>;

export interface ShardStatus {
  index: number;
  runs: number;
  counts: StateCounts;
}

export interface SweepStatus {
  dir: string;
  total: number;
  counts: StateCounts;
  /** Number of shards the status is split by (1 = not sharded). */
  shards: number;
  perShard: ShardStatus[];
  /** Mean wall time of the finished runs (s), undefined before the first. */
  meanRunSeconds?: number;
  /** Run time still needed: mean × runs not done (s). */
  remainingRunSeconds?: number;
  /** ETA with `parallel` runs at a time (s). */
  etaSeconds?: number;
  /** Runs assumed to go in parallel for the ETA. */
  parallel: number;
  /** Damaged run folders (path and reason): not done, redone by the next sweep of their shard. */
  damaged: { dir: string; reason: string }[];
  /** Finished runs whose summary.json records no checksums (written before matsense recorded them). */
  unverified: number;
}

/** Thrown for a folder that is not a sweep folder or does not match the asked shard count. */
export class SweepFolderError extends Error {}

function emptyCounts(): StateCounts {
  return { done: 0, failed: 0, interrupted: 0, started: 0, missing: 0, damaged: 0 };
}

/**
 * The state of one run from its folder, by the validating reader that `sweep` and
 * `aggregate` use (inspectRunFolder: checksums, files against each other, and with
 * `expected` the grid's config), so a damaged run is not counted as done.
 */
export function runState(runDir: string, expected?: unknown): RunState {
  return stateOf(inspectRunFolder(runDir, { expected }));
}

function stateOf(i: RunFolderInspection): RunState {
  if (i.state === "incomplete") return "started";
  return i.state;
}

/** The runs of a sweep folder's recorded grid (throws SweepFolderError when there is none). */
export function sweepRuns(dir: string): RunSpec[] {
  const file = path.join(dir, "grid.json");
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new SweepFolderError(`${dir} is not a sweep folder (no readable grid.json)`);
  }
  let grid;
  try {
    grid = parseGrid(JSON.parse(text));
  } catch (e) {
    throw new SweepFolderError(`${file} is not a valid grid: ${(e as Error).message.split("\n")[0]}`);
  }
  // any folder a sweep wrote, also one of more than MAX_GRID_RUNS runs (swept with --allow-large)
  return expandGrid(grid, { validate: false, allowLarge: true });
}

/**
 * The shard counts the folder's shard manifests (manifest.shard-i-of-N.json) and
 * slurm/slurm.json were written with.
 */
export function recordedShardCounts(dir: string): number[] {
  const counts = new Set<number>();
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    // no folder: no counts
  }
  for (const f of names) {
    const m = /^manifest\.shard-\d+-of-(\d+)\.json$/.exec(f);
    if (m) counts.add(Number(m[1]));
  }
  try {
    const s = JSON.parse(fs.readFileSync(path.join(dir, "slurm", "slurm.json"), "utf8")) as { shards?: unknown };
    if (typeof s.shards === "number") counts.add(s.shards);
  } catch {
    // not submitted with `matsense slurm`
  }
  return [...counts].sort((a, b) => a - b);
}

/** Runs in flight in the queue's staging area (DIR/.staging/<id>.<pid>-<hex>). */
function inFlightStaging(dir: string): number {
  try {
    return fs.readdirSync(path.join(dir, ".staging")).filter((f) => /\.\d+-[0-9a-f]+$/.test(f)).length;
  } catch {
    return 0;
  }
}

/**
 * Reads the status of a sweep folder. `shards`: split by this many shards (default: the
 * count recorded in the folder when there is exactly one, else 1). `parallel`: runs at a
 * time for the ETA (default: the runs started but not finished, including
 * queue runs in DIR/.staging, at least 1).
 */
export function sweepStatus(dir: string, opts: { shards?: number; parallel?: number } = {}): SweepStatus {
  const runs = sweepRuns(dir);
  const recorded = recordedShardCounts(dir);
  const shards = opts.shards ?? (recorded.length === 1 ? recorded[0] : 1);
  if (!Number.isInteger(shards) || shards < 1) throw new SweepFolderError(`the shard count must be a positive integer (got ${shards})`);
  // a shard runs every N-th run: more shards than runs would be empty ones (and N per-shard counts could exhaust memory)
  if (shards > Math.max(1, runs.length)) {
    throw new SweepFolderError(
      `--shards ${shards} is more than the sweep's ${runs.length} run${runs.length === 1 ? "" : "s"}: give at most ${Math.max(1, runs.length)} shards`,
    );
  }
  const counts = emptyCounts();
  const state = new Map<string, RunState>();
  const seconds: number[] = [];
  const damaged: SweepStatus["damaged"] = [];
  let unverified = 0;
  const expected = expectedConfigs(runs);
  for (const r of runs) {
    const i = inspectRunFolder(path.join(dir, r.id), { expected: expected.get(r.id) });
    const s = stateOf(i);
    state.set(r.id, s);
    counts[s]++;
    if (s === "damaged") damaged.push({ dir: i.dir, reason: i.reason ?? "" });
    if (s === "done") {
      if (!i.verified) unverified++;
      const sec = i.summary?.seconds;
      if (typeof sec === "number" && Number.isFinite(sec)) seconds.push(sec);
    }
  }
  // shard i holds the runs j with j mod N = i (shardRuns): one pass over the runs, not one per shard
  const perShard: ShardStatus[] = Array.from({ length: shards }, (_, index) => ({ index, runs: 0, counts: emptyCounts() }));
  runs.forEach((r, j) => {
    const s = perShard[j % shards];
    s.runs++;
    s.counts[state.get(r.id)!]++;
  });
  const parallel = opts.parallel ?? Math.max(1, counts.started + inFlightStaging(dir));
  const out: SweepStatus = { dir, total: runs.length, counts, shards, perShard, parallel, damaged, unverified };
  if (seconds.length > 0) {
    out.meanRunSeconds = seconds.reduce((a, b) => a + b, 0) / seconds.length;
    out.remainingRunSeconds = out.meanRunSeconds * (runs.length - counts.done);
    out.etaSeconds = out.remainingRunSeconds / parallel;
  }
  return out;
}

/**
 * The shards of N with a run that is not done (failed runs count as not done unless
 * `skipFailed`, since re-running a shard re-runs them). Throws SweepFolderError when the
 * folder's shards were written with another N.
 */
export function missingShards(dir: string, shards: number, opts: { skipFailed?: boolean } = {}): number[] {
  const recorded = recordedShardCounts(dir).filter((n) => n !== shards);
  if (recorded.length > 0) {
    throw new SweepFolderError(`${dir} was split into ${recorded.join(" and ")} shard(s), not ${shards}; use --shards ${recorded[0]}`);
  }
  const st = sweepStatus(dir, { shards });
  return st.perShard
    .filter((s) => s.counts.missing + s.counts.started + s.counts.interrupted + s.counts.damaged + (opts.skipFailed ? 0 : s.counts.failed) > 0)
    .map((s) => s.index);
}

/** Formats indices as a Slurm array list: consecutive runs become ranges, e.g. `0-3,7,9-10`. */
export function slurmList(indices: number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j === i ? String(sorted[i]) : j === i + 1 ? `${sorted[i]},${sorted[j]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}
