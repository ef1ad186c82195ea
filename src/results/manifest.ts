import * as path from "node:path";
import { writeJsonAtomic } from "../io/files.js";
import { matsenseVersion } from "../io/version.js";
import type { RunSummary } from "./summary.js";
import type { RunSpec } from "../config/grid.js";
import { type ResolvedConfig, resolveConfig } from "../config/schema.js";
import { type RunFolderInspection, inspectRunFolder } from "./validate.js";

/** Statuses after which a run is finished and a re-run of the sweep skips it. */
export const TERMINAL_STATUSES = ["converged", "max-iterations", "time-limit", "diverged"] as const;

/**
 * A run's status as seen from its folder: its summary's status, "pending" (not finished:
 * no summary.json) or "damaged" (files unreadable or inconsistent, see the entry's error).
 */
export type ManifestStatus = RunSummary["status"] | "pending" | "damaged";

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

/** Reads a run folder's summary.json (undefined when missing, unreadable or not a valid summary). */
export function readSummary(runDir: string): RunSummary | undefined {
  return inspectRunFolder(runDir, { readMetrics: false }).summary;
}

/**
 * True when the folder holds a finished run: summary.json with a terminal status and
 * files that pass the validating reader (a damaged run is not finished: resume re-runs it).
 * `expected`: the config the run must have been made with (its grid's; see inspectRunFolder).
 */
export function isFinished(runDir: string, expected?: unknown): boolean {
  return inspectRunFolder(runDir, { expected }).state === "done";
}

/**
 * The values the grid gives a run (the paths of its base, varied values and seed), as
 * resolved (e.g. `operator.m` of an identity operator is n1·n2 whatever the grid says; a
 * path the resolution drops is left out): what the run's config.json must hold.
 */
export function gridValues(raw: unknown, resolved: unknown): unknown {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return resolved;
  if (resolved === null || typeof resolved !== "object") return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const r = gridValues(v, (resolved as Record<string, unknown>)[k]);
    if (r !== undefined) out[k] = r;
  }
  return out;
}

/**
 * The values each run of a grid must have in its config.json ({@link gridValues}, by run
 * id), resolved once per parameter point (runs of a point differ only in the seed). A
 * point this version cannot resolve gets no entry (its runs are not compared).
 */
export function expectedConfigs(specs: RunSpec[]): Map<string, unknown> {
  const byPoint = new Map<string, ResolvedConfig | undefined>();
  const out = new Map<string, unknown>();
  for (const s of specs) {
    let c = s.resolved;
    if (!c) {
      if (!byPoint.has(s.point)) {
        try {
          byPoint.set(s.point, resolveConfig({ ...s.config, seed: s.seed }));
        } catch {
          byPoint.set(s.point, undefined);
        }
      }
      const p = byPoint.get(s.point);
      c = p && { ...p, seed: s.seed };
    }
    if (c) out.set(s.id, gridValues(s.config, c));
  }
  return out;
}

/**
 * The manifest entry of a run from its folder (validated: see {@link inspectRunFolder};
 * against the grid's values when the spec carries its resolved config).
 */
export function entryFromFolder(sweepDir: string, spec: RunSpec, inspection?: RunFolderInspection): ManifestEntry {
  const i = inspection ?? inspectRunFolder(path.join(sweepDir, spec.id), { expected: spec.resolved && gridValues(spec.config, spec.resolved) });
  const s = i.summary;
  const status: ManifestStatus = i.state === "damaged" ? "damaged" : (s?.status ?? "pending");
  const e: ManifestEntry = { id: spec.id, point: spec.point, seed: spec.seed, params: spec.params, status };
  if (s) {
    e.iterations = s.iterations;
    e.seconds = s.seconds;
    if (s.final) e.final_rel_error = s.final.rel_error;
    if (s.error) e.error = s.error;
  }
  if (i.state === "damaged") e.error = `damaged: ${i.reason}`;
  if (i.stopDiffers) e.error = i.stopDiffers;
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
