import type { FlatTraceRow, RunStatus } from "../algorithms/driver.js";
import type { NoiseStopRecord } from "../metrics/noiseFloor.js";

/** What summary.json holds. */
export interface RunSummary {
  status: RunStatus | "failed";
  iterations: number;
  divergedAt?: number;
  /** What was found non-finite or too large when the run diverged (e.g. "loss = NaN"). */
  divergedQuantity?: string;
  seconds: number;
  final: FlatTraceRow | null;
  warnings: string[];
  events: { iteration: number; message: string }[];
  error?: string;
  /**
   * SHA-256 (hex) of every result file the summary vouches for ({@link VOUCHED_FILES} that
   * exist), computed when the run had written them: the validating reader recomputes them.
   * Absent in folders written before matsense 0.1.x recorded checksums ("unverified").
   */
  sha256?: Record<string, string>;
  /** What the `stop.noiseFloor` rule used (only when it is on). */
  noiseFloor?: NoiseStopRecord;
  /**
   * The attempts that made a resumed run: the iteration each began at and the iterations
   * it contributed (they sum to `iterations`); absent for a run made in one attempt.
   */
  attempts?: { from: number; iterations: number }[];
  /**
   * Why the run was redone from iteration 0 although its folder held a checkpoint (a sweep refused to continue
   * it: damaged, of an older version, or not reproducing its own metrics row); absent otherwise.
   */
  resumeRefused?: string;
}

/** The result files summary.json vouches for: config, metrics, checkpoint and final iterate (the instance .npy files are rebuilt from the config). */
export const VOUCHED_FILES = ["config.json", "metrics.csv", "checkpoint.json", "X.npy", "F.npy", "G.npy", "P.npy"];
