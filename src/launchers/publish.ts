/**
 * Atomic publication of a run folder: a queue job runs into a private staging folder
 * (DIR/.staging/<run id>.<pid>-<random>) and renames it to DIR/<run id> only when done.
 * A rename of a folder is atomic, and it fails when the target exists, so with
 * at-least-once delivery (a job redone after its worker died) a result appears exactly
 * once and is never a mix of two attempts.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { isFinished } from "../results/manifest.js";
import { lockedByLiveWriter } from "../run/lock.js";
import { CHECKPOINT_FILE, readCheckpoint } from "../run/checkpoint.js";
import { ForeignFilesError, foreignInRunFolder } from "../run/claim.js";

/** The staging area of a sweep folder. */
export function stagingRoot(dir: string): string {
  return path.join(dir, ".staging");
}

/** A fresh, private staging folder for run `id` (not created). */
export function stagingDir(dir: string, id: string): string {
  return path.join(stagingRoot(dir), `${id}.${process.pid}-${crypto.randomBytes(4).toString("hex")}`);
}

/** Staging folders of earlier attempts of run `id` (`<id>.<pid>-<hex>`), none of them in the middle of a publication. */
function attemptsOfRun(dir: string, id: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(stagingRoot(dir));
  } catch {
    return [];
  }
  return names.filter((n) => n.startsWith(`${id}.`) && /^\d+-[0-9a-f]{8}$/.test(n.slice(id.length + 1))).map((n) => path.join(stagingRoot(dir), n));
}

/** The iteration of a staging folder's valid checkpoint, or -1. */
function checkpointIteration(folder: string): number {
  if (!fs.existsSync(path.join(folder, CHECKPOINT_FILE))) return -1;
  try {
    return readCheckpoint(folder).state.iteration;
  } catch {
    return -1;
  }
}

/**
 * Reclaims the staging folders that earlier attempts of run `id` left (a worker and its
 * child killed, an attempt interrupted): those no live writer holds (see lockedByLiveWriter)
 * are dead. The one with the latest valid checkpoint is renamed to `staging` (the new
 * attempt continues it: returns true), the others are deleted. A staging folder is
 * created just before its run locks it, so an attempt that has not locked it yet could be
 * taken for dead: the queue hands a job to one worker at a time, so only a stalled job's
 * second delivery can meet that, and it is then redone.
 */
export function reclaimStaging(dir: string, id: string, staging: string): boolean {
  const dead = attemptsOfRun(dir, id).filter((f) => !lockedByLiveWriter(f));
  let best: string | undefined,
    bestAt = 0;
  for (const f of dead) {
    const at = checkpointIteration(f);
    if (at > bestAt) [best, bestAt] = [f, at];
  }
  for (const f of dead) if (f !== best) fs.rmSync(f, { recursive: true, force: true });
  if (!best) return false;
  try {
    fs.renameSync(best, staging);
    return true;
  } catch (e) {
    // another attempt took it first
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
}

/** What {@link publishRun} did. */
export type PublishOutcome = "published" | "replaced" | "duplicate";

function isExists(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === "ENOTEMPTY" || code === "EEXIST" || code === "EISDIR" || code === "ENOTDIR";
}

/**
 * Moves the finished staging folder to `target`:
 * - "published": the target did not exist;
 * - "replaced": the target held an unfinished run (interrupted, failed, or a run killed
 *   mid-way), which is moved aside and deleted;
 * - "duplicate": the target already holds a finished run (another attempt won); the
 *   staging folder is deleted and the existing result is left untouched.
 * A target holding anything matsense did not write (e.g. the user's notes or config.json) is
 * never replaced: {@link ForeignFilesError}, and the staging folder stays.
 */
export function publishRun(staging: string, target: string): PublishOutcome {
  for (let attempt = 0; attempt < 5; attempt++) {
    if (isFinished(target)) {
      fs.rmSync(staging, { recursive: true, force: true });
      return "duplicate";
    }
    let existed = false;
    if (fs.existsSync(target)) {
      existed = true;
      const foreign = foreignInRunFolder(target);
      if (foreign.length) throw new ForeignFilesError(target, foreign);
      const aside = `${staging}.stale`;
      try {
        fs.renameSync(target, aside);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
      if (isFinished(aside)) {
        // another attempt published between the check and the move: put its result back
        try {
          fs.renameSync(aside, target);
          fs.rmSync(staging, { recursive: true, force: true });
          return "duplicate";
        } catch (e) {
          if (!isExists(e)) throw e;
        }
      }
      fs.rmSync(aside, { recursive: true, force: true });
    }
    try {
      fs.renameSync(staging, target);
      return existed ? "replaced" : "published";
    } catch (e) {
      if (!isExists(e)) throw e;
      // someone published between our check and the rename: look again
    }
  }
  throw new Error(`could not publish ${staging} to ${target}: the target keeps changing`);
}
