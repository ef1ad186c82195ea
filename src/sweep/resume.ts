/**
 * Resume, not restart: an unfinished run of a sweep (interrupted, failed or killed after
 * its first checkpoint) continues from its folder's checkpoint.json when that continues
 * the grid's config bitwise (same config but stop.*; the checkpoint validated and within
 * the grid's stop.maxIterations; every metrics row before it present; the files a
 * summary.json vouches for unchanged). Otherwise — or when the resumed run's re-measured
 * row at the checkpoint's iteration differs from the stored one — the run is redone from
 * iteration 0, and the reason is told and recorded in its summary.json (`resumeRefused`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type ConfigInput, ConfigError, type ResolvedConfig, resolveConfig } from "../config/schema.js";
import { CHECKPOINT_FILE, type ResumePoint, ResumeError, prepareResume } from "../run/checkpoint.js";
import { configDifferences, inspectRunFolder } from "../results/validate.js";

/** Where a sweep's run starts: its checkpoint, or iteration 0 (with the reason when a checkpoint was there but refused). */
export interface SweepRunStart {
  resume?: ResumePoint;
  /** Why the folder's checkpoint was not continued (the run is redone from iteration 0). */
  resumeRefused?: string;
}

/** The start of the sweep run in `runDir` made with `config` (the grid's): see {@link sweepResumePoint}. */
function sweepRunStart(runDir: string, config: ConfigInput | ResolvedConfig): SweepRunStart {
  if (!fs.existsSync(path.join(runDir, CHECKPOINT_FILE))) return {};
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
    // an interrupted run's summary.json vouches for its files (checksums): an edited row before the checkpoint is not continued
    if (fs.existsSync(path.join(runDir, "summary.json"))) {
      const found = inspectRunFolder(runDir, { readMetrics: false });
      if (found.state === "damaged") throw new ResumeError(`its files are damaged: ${found.reason}`);
    }
    return { resume: prepared.resume };
  } catch (e) {
    if (!(e instanceof ResumeError) && !(e instanceof ConfigError)) throw e;
    return { resumeRefused: e.message };
  }
}

/**
 * The resume point of the sweep run in `runDir` made with `config` (the grid's), or
 * undefined when it has no checkpoint or cannot continue bitwise (it is then restarted).
 */
export function sweepResumePoint(runDir: string, config: ConfigInput | ResolvedConfig, onNotice?: (message: string) => void): ResumePoint | undefined {
  const start = sweepRunStart(runDir, config);
  if (start.resumeRefused !== undefined) onNotice?.(`${runDir} is run again from the start: ${start.resumeRefused}`);
  return start.resume;
}

/**
 * Executes the sweep run in `runDir` (`checkpointDir`: where an earlier attempt left its checkpoint, default `runDir`)
 * with `execute`: from its checkpoint when {@link sweepResumePoint} accepts it, else from iteration 0. A resume that
 * fails its own check while running (a {@link ResumeError}: the re-measured row at the checkpoint's iteration is not
 * metrics.csv's) is redone from iteration 0 at once instead of failing on every later sweep. A refused checkpoint's
 * reason goes to `execute` (for summary.json) and to `onNotice` as one line naming the run. Other errors are thrown.
 */
export async function executeSweepRun<T>(
  runDir: string,
  config: ConfigInput | ResolvedConfig,
  execute: (start: SweepRunStart) => T | Promise<T>,
  onNotice?: (message: string) => void,
  checkpointDir = runDir,
): Promise<T> {
  const refused = (reason: string): T | Promise<T> => {
    onNotice?.(`run ${runDir} is redone from iteration 0: its checkpoint was refused: ${reason}`);
    return execute({ resumeRefused: reason });
  };
  const start = sweepRunStart(checkpointDir, config);
  if (!start.resume) return start.resumeRefused !== undefined ? refused(start.resumeRefused) : execute({});
  try {
    return await execute(start);
  } catch (e) {
    if (!(e instanceof ResumeError)) throw e;
    return refused(e.message);
  }
}
