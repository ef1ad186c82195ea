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

/** The staging area of a sweep folder. */
export function stagingRoot(dir: string): string {
  return path.join(dir, ".staging");
}

/** A fresh, private staging folder for run `id` (not created). */
export function stagingDir(dir: string, id: string): string {
  return path.join(stagingRoot(dir), `${id}.${process.pid}-${crypto.randomBytes(4).toString("hex")}`);
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
