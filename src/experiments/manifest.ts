import * as fs from "node:fs";
import * as path from "node:path";
import { writeJsonAtomic } from "../io/files.js";
import { matsenseVersion } from "../io/version.js";
import type { RunSummary } from "./summary.js";
import type { RunSpec } from "./grid.js";

/** Statuses after which a run is finished and a re-run of the sweep skips it. */
export const TERMINAL_STATUSES = ["converged", "max-iterations", "time-limit", "diverged"] as const;

/** A run's status as seen from its folder: its summary's status, or "pending" (no summary). */
export type ManifestStatus = RunSummary["status"] | "pending";

/** One run in a manifest. */
export interface ManifestEntry {
  id: string;
  point: string;
  seed: number;
  params: Record<string, unknown>;
  status: ManifestStatus;
  iterations?: number;
  seconds?: number;
  final_rel_error?: number;
  error?: string;
}

/** manifest.json of a sweep folder: every run of the sweep (or shard) and its status. */
export interface Manifest {
  matsense: string;
  name?: string;
  shard?: { index: number; count: number };
  total: number;
  counts: Record<string, number>;
  runs: ManifestEntry[];
}

/** Reads a run folder's summary.json (undefined when missing or unreadable, e.g. never finished). */
export function readSummary(runDir: string): RunSummary | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(runDir, "summary.json"), "utf8")) as RunSummary;
  } catch {
    return undefined;
  }
}

/** True when the folder holds a finished run (summary.json with a terminal status). */
export function isFinished(runDir: string): boolean {
  const s = readSummary(runDir);
  return !!s && (TERMINAL_STATUSES as readonly string[]).includes(s.status);
}

/** The manifest entry of a run from its folder's summary.json. */
export function entryFromFolder(sweepDir: string, spec: RunSpec): ManifestEntry {
  const s = readSummary(path.join(sweepDir, spec.id));
  const e: ManifestEntry = { id: spec.id, point: spec.point, seed: spec.seed, params: spec.params, status: s?.status ?? "pending" };
  if (s) {
    e.iterations = s.iterations;
    e.seconds = s.seconds;
    if (s.final) e.final_rel_error = s.final.rel_error;
    if (s.error) e.error = s.error;
  }
  return e;
}

/** The manifest file name: manifest.json, or manifest.shard-<i>-of-<N>.json for a shard. */
export function manifestFile(shard?: { index: number; count: number }): string {
  return shard && shard.count > 1 ? `manifest.shard-${shard.index}-of-${shard.count}.json` : "manifest.json";
}

/** Builds a manifest from run entries. */
export function makeManifest(entries: ManifestEntry[], name?: string, shard?: { index: number; count: number }): Manifest {
  const counts: Record<string, number> = {};
  for (const e of entries) counts[e.status] = (counts[e.status] ?? 0) + 1;
  return {
    matsense: matsenseVersion(),
    ...(name ? { name } : {}),
    ...(shard && shard.count > 1 ? { shard } : {}),
    total: entries.length,
    counts,
    runs: entries,
  };
}

/** Writes a manifest atomically. */
export function writeManifest(sweepDir: string, manifest: Manifest): void {
  writeJsonAtomic(path.join(sweepDir, manifestFile(manifest.shard)), manifest);
}
