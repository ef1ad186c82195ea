/** Messages between the page and the compute worker. */
import type { FlatTraceRow, ResolvedConfig, RunStatus } from "../../src/core.js";
import type { ExplorerState, LiveEdit } from "./state.js";

export type ToWorker =
  /** Build the runs of a state (replaying its edits); run to `state.until` if set, then pause, else play when `play`. */
  | { type: "load"; state: ExplorerState; play: boolean; id: number }
  | { type: "play" }
  | { type: "pause" }
  | { type: "step"; count: number }
  | { type: "edit"; path: string; value: unknown }
  | { type: "heat"; run: number };

export interface RunInfo {
  label: string;
  overrides: Record<string, unknown>;
  config: ResolvedConfig;
  warnings: string[];
  backend: string;
}

export interface RunFrame {
  /** Rows recorded since the previous frame. */
  rows: FlatTraceRow[];
  status?: RunStatus;
  divergedAt?: number;
  events: { iteration: number; message: string }[];
}

export interface HeatData {
  run: number;
  rows: number;
  cols: number;
  truth: Float64Array;
  product: Float64Array;
}

export type FromWorker =
  | { type: "error"; id: number; run: string; problems: { path: string; message: string }[] }
  | { type: "ready"; id: number; runs: RunInfo[]; isolated: boolean; kernels: string; maxThreads: number }
  | {
      type: "frame";
      id: number;
      t: number;
      playing: boolean;
      runs: RunFrame[];
      edits: LiveEdit[];
      /** Iterations per second of wall time while playing (lockstep iterations × runs). */
      itPerSec: number;
      heat?: HeatData;
    }
  | { type: "edit-refused"; id: number; path: string; message: string };
