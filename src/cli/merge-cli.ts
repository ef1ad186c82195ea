import { type MergeResult, mergeSweepFolders } from "../launchers/merge.js";
import { SweepFolderError } from "../results/status.js";
import { UsageError } from "./shared.js";

/** `aggregate DIR MORE…`: merges MORE into DIR (one-line error, exit 2, on a folder of another grid). */
export function mergeFolders(dir: string, more: string[]): MergeResult {
  try {
    return mergeSweepFolders(dir, more);
  } catch (e) {
    if (e instanceof SweepFolderError) throw new UsageError(e.message);
    throw e;
  }
}
