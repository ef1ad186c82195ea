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
  /** What the `stop.noiseFloor` rule used (only when it is on). */
  noiseFloor?: NoiseStopRecord;
}
