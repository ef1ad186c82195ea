/**
 * Merges sweep folders of the same grid (e.g. one per machine of a queue sweep without a
 * shared filesystem) into one: every finished run folder of a source that the target lacks
 * (or holds unfinished) is copied in through a staging folder and renamed into place, so
 * the target never holds a half-copied run.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { isFinished } from "../results/manifest.js";
import { SweepFolderError, sweepRuns } from "../results/status.js";
import { ensureDir } from "../io/files.js";
import { publishRun, stagingDir } from "./publish.js";

export interface MergeResult {
  /** Run folders copied from each source. */
  copied: Record<string, number>;
}

/** Copies the finished runs of `sources` into `target` (all must hold the same grid). */
export function mergeSweepFolders(target: string, sources: string[]): MergeResult {
  const runs = sweepRuns(target);
  const gridText = fs.readFileSync(path.join(target, "grid.json"), "utf8");
  const copied: Record<string, number> = {};
  for (const src of sources) {
    if (!fs.existsSync(src) || !fs.statSync(src).isDirectory()) throw new SweepFolderError(`${src} is not a folder`);
    const g = path.join(src, "grid.json");
    if (fs.existsSync(g) && fs.readFileSync(g, "utf8") !== gridText) {
      throw new SweepFolderError(`${src} holds a sweep of a different grid than ${target} (grid.json differs); nothing merged`);
    }
  }
  for (const src of sources) {
    let n = 0;
    for (const r of runs) {
      const from = path.join(src, r.id);
      const to = path.join(target, r.id);
      if (!isFinished(from) || isFinished(to)) continue;
      const staging = stagingDir(target, r.id);
      ensureDir(path.dirname(staging));
      fs.cpSync(from, staging, { recursive: true });
      try {
        if (publishRun(staging, to) !== "duplicate") n++;
      } catch (e) {
        // e.g. the target's run folder holds a file matsense did not write: nothing of this copy stays
        fs.rmSync(staging, { recursive: true, force: true });
        throw e;
      }
    }
    copied[src] = n;
  }
  return { copied };
}
