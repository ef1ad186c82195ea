/**
 * CLI side of "never overwrite a result silently" and "one writer per result": the
 * existing-result policy from --force/--resume, and the translation of folder conflicts
 * (live lock, existing result) into one-line usage errors with exit code 2 (130 for a run
 * interrupted while its operator was being built).
 */
import { LockedError } from "../run/lock.js";
import { type ExistingPolicy, ExistingResultError, ForeignFilesError, ResumeNotImplementedError } from "../run/claim.js";
import { UsageError } from "./shared.js";
import { InterruptedError } from "../io/turns.js";
import { EXIT_INTERRUPTED } from "./signals.js";

/** Exit code of a run that ended with status "diverged". */
export const EXIT_DIVERGED = 4;

/** The policy for a run folder that already holds a result: refuse unless --force or --resume. */
export function existingPolicy(opts: { force?: boolean; resume?: boolean }): ExistingPolicy {
  if (opts.force && opts.resume) throw new UsageError("--force and --resume exclude each other (--force deletes the result that --resume would continue)");
  return opts.force ? "replace" : opts.resume ? "resume" : "refuse";
}

/** Runs `fn`, turning folder conflicts into usage errors (exit 2) that name what is there. */
export async function runFolderErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof LockedError || e instanceof ExistingResultError || e instanceof ForeignFilesError || e instanceof ResumeNotImplementedError)
      throw new UsageError(e.message, 2);
    // a signal during the operator's build: the run did not start, and its folder is as before
    if (e instanceof InterruptedError)
      throw new UsageError(`${e.message}: the run did not start, and its folder holds nothing of this attempt`, EXIT_INTERRUPTED);
    throw e;
  }
}
