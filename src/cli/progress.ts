import { createRequire } from "node:module";
import type cliProgressModule from "cli-progress";
import { RunTicker } from "./progress-lines.js";

/**
 * cli-progress, loaded when a bar is first drawn (on a terminal only): `-q`, pipes, Slurm logs
 * and CI never load it (≈ 10 ms of a command's start-up).
 */
export function cliProgress(): typeof cliProgressModule {
  return createRequire(import.meta.url)("cli-progress") as typeof cliProgressModule;
}

/**
 * A progress bar on stderr when it is a terminal. Shows iterations done, the current
 * relative error and an ETA. When stderr is not a terminal (CI, Slurm logs, nohup) a long
 * run prints one plain line every ~10 s instead.
 */
export class Progress {
  private bar: cliProgressModule.SingleBar | null = null;
  private last = 0;
  private ticker: RunTicker | null = null;

  constructor(
    private readonly total: number,
    enabled: boolean,
    label = "iterations",
  ) {
    if (enabled && process.stderr.isTTY && total > 0) {
      const { SingleBar, Presets } = cliProgress();
      this.bar = new SingleBar(
        {
          stream: process.stderr,
          format: `{bar} {value}/{total} ${label} | rel_error {err} | eta {eta_formatted}`,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
        },
        Presets.shades_classic,
      );
      this.bar.start(total, 0, { err: "—" });
    } else if (enabled && !process.stderr.isTTY) {
      this.ticker = new RunTicker(total, (s) => void process.stderr.write(s));
    }
  }

  /** Updates at most ~20 times a second. */
  update(value: number, relError?: number): void {
    this.ticker?.update(value, relError);
    if (!this.bar) return;
    const t = Date.now();
    if (t - this.last < 50 && value < this.total) return;
    this.last = t;
    this.bar.update(value, { err: relError === undefined ? "—" : relError.toExponential(2) });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
