/**
 * Resume, not restart: an unfinished run of a sweep (interrupted, failed or killed after
 * its first checkpoint) continues from its folder's checkpoint.json when that continues
 * the grid's config bitwise (same config but stop.*; the checkpoint validated and within
 * the grid's stop.maxIterations; every metrics row before it present). Otherwise the run
 * starts again from iteration 0 (as before), and `onNotice` is told why.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type ConfigInput, ConfigError, type ResolvedConfig, resolveConfig } from "../config/schema.js";
import { CHECKPOINT_FILE, type ResumePoint, ResumeError, prepareResume } from "../run/checkpoint.js";
import { configDifferences } from "../results/validate.js";

/**
 * The resume point of the sweep run in `runDir` made with `config` (the grid's), or
 * undefined when it has no checkpoint or cannot continue bitwise (it is then restarted).
 */
export function sweepResumePoint(runDir: string, config: ConfigInput | ResolvedConfig, onNotice?: (message: string) => void): ResumePoint | undefined {
  if (!fs.existsSync(path.join(runDir, CHECKPOINT_FILE))) return undefined;
  try {
    const prepared = prepareResume(runDir, []);
    const want = resolveConfig(config);
    const diff = configDifferences(want, prepared.config as unknown as Record<string, unknown>);
    if (diff.other) throw new ResumeError(`its config.json differs from the grid's: ${diff.other}`);
    if (prepared.resume.state.iteration > want.stop.maxIterations) {
      throw new ResumeError(
        `its checkpoint (iteration ${prepared.resume.state.iteration}) is beyond the grid's stop.maxIterations = ${want.stop.maxIterations}`,
      );
    }
    return prepared.resume;
  } catch (e) {
    if (!(e instanceof ResumeError) && !(e instanceof ConfigError)) throw e;
    onNotice?.(`${runDir} is run again from the start: ${e.message}`);
    return undefined;
  }
}
