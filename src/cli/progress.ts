import cliProgress from "cli-progress";

/**
 * A progress bar on stderr when it is a terminal (quiet otherwise, e.g. in CI or when
 * piped). Shows iterations done, the current relative error and an ETA.
 */
export class Progress {
  private bar: cliProgress.SingleBar | null = null;
  private last = 0;

  constructor(private readonly total: number, enabled: boolean, label = "iterations") {
    if (enabled && process.stderr.isTTY && total > 0) {
      this.bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: `{bar} {value}/{total} ${label} | rel_error {err} | eta {eta_formatted}`,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total, 0, { err: "—" });
    }
  }

  /** Updates at most ~20 times a second. */
  update(value: number, relError?: number): void {
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
