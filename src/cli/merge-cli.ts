import { type MergeResult, mergeSweepFolders } from "../launchers/merge.js";
import { SweepFolderError } from "../results/status.js";
import { ForeignFilesError } from "../run/claim.js";
import { UsageError } from "./shared.js";

/** `aggregate DIR MORE…`: merges MORE into DIR (one-line error, exit 2, on a folder of another grid or a run folder holding files matsense did not write). */
export function mergeFolders(dir: string, more: string[]): MergeResult {
  try {
    return mergeSweepFolders(dir, more);
  } catch (e) {
    if (e instanceof SweepFolderError || e instanceof ForeignFilesError) throw new UsageError(e.message);
    throw e;
  }
}
