/**
 * Stop signals of a sweep task: SIGINT (Ctrl-C), SIGTERM (scancel, a job's time limit,
 * Kubernetes, `kill`) and SIGUSR1 (Slurm's pre-timeout warning with `--signal=B:USR1@…`;
 * a listener also keeps Node from opening its inspector on USR1). The first signal asks
 * the runs in flight to stop (they end with status "interrupted" and complete files) and
 * the sweep to skip the rest; a second SIGINT exits at once.
 *
 * The exit code for a stopped task is 128 + the signal number (130, 143, 138), so a
 * scheduler records the task as not completed.
 */
import * as os from "node:os";

export type StopSignal = "SIGINT" | "SIGTERM" | "SIGUSR1" | "SIGHUP";

export interface StopFlag {
  /** True once a stop signal arrived. */
  stop: () => boolean;
  /** The first signal received, if any. */
  signal: () => StopSignal | undefined;
  /** 128 + signal number of the first signal (0 when none arrived). */
  exitCode: () => number;
  /** Removes the handlers. */
  dispose: () => void;
}

/** Installs handlers for SIGINT, SIGTERM, SIGUSR1 and SIGHUP that raise a stop flag. */
export function installStopSignals(write: (s: string) => void = (s) => void process.stderr.write(s)): StopFlag {
  let first: StopSignal | undefined;
  const handlers = new Map<StopSignal, () => void>();
  for (const sig of ["SIGINT", "SIGTERM", "SIGUSR1", "SIGHUP"] as const) {
    const h = () => {
      if (first) {
        if (sig === "SIGINT") process.exit(130);
        return;
      }
      first = sig;
      write(`\nmatsense: ${sig} received, stopping the runs in flight (they end "interrupted" with complete files) and skipping the rest` +
        (sig === "SIGINT" ? " (^C again to abort)" : "") + "\n");
    };
    handlers.set(sig, h);
    process.on(sig, h);
  }
  return {
    stop: () => first !== undefined,
    signal: () => first,
    exitCode: () => (first ? 128 + (os.constants.signals[first] ?? 15) : 0),
    dispose: () => {
      for (const [sig, h] of handlers) process.off(sig, h);
    },
  };
}
