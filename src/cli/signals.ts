/**
 * Signals that end a run or sweep cleanly: SIGINT (Ctrl-C), SIGTERM (kill, Kubernetes,
 * Slurm at the end of a job), SIGHUP (closed terminal) and SIGUSR1 (Slurm's
 * `--signal=USR1@…` warning before a time limit; without a handler Node would open its
 * inspector). The first one asks the work to stop (runs end "interrupted" with every file
 * written, within ~1 s: runs poll `stop()` every iteration and give the event loop a turn
 * every ~50 ms; sweep workers see an Atomics flag); a second one exits at once with
 * 128 + the signal's number.
 */

import { startUpSignalHandlers } from "../io/start-up-signals.js";

/** The handled signals and their numbers (exit code on a second signal = 128 + number). */
export const INTERRUPT_SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1, SIGUSR1: 10 } as const;
export type InterruptSignal = keyof typeof INTERRUPT_SIGNALS;

/** Exit code of a run or sweep that ended because of a first signal. */
export const EXIT_INTERRUPTED = 130;

export interface InterruptHandle {
  /** True once a signal has been received. */
  stop: () => boolean;
  /** The first signal received, if any. */
  signal: () => InterruptSignal | undefined;
  /** Removes the handlers. */
  dispose: () => void;
}

/** The CLI's handlers for the times no command handles signals (bin/matsense.js): off while any handle of this module is installed. */
const baseHandlers = startUpSignalHandlers;

let installed = 0;

/**
 * Installs handlers for SIGINT, SIGTERM, SIGHUP and SIGUSR1 (see the module comment).
 * `write` receives the one-line notice (default: stderr). Handlers nest: the innermost
 * installed handle and all outer ones see the signal.
 */
export function installInterruptHandlers(write: (s: string) => void = (s) => void process.stderr.write(s)): InterruptHandle {
  let received: InterruptSignal | undefined;
  const handlers = new Map<InterruptSignal, () => void>();
  if (installed++ === 0) for (const [sig, h] of baseHandlers() ?? []) process.off(sig, h);
  for (const sig of Object.keys(INTERRUPT_SIGNALS) as InterruptSignal[]) {
    const h = () => {
      if (received) {
        write(`\nmatsense: second signal (${sig}), exiting at once\n`);
        process.exit(128 + INTERRUPT_SIGNALS[sig]);
      }
      received = sig;
      write(
        `\nmatsense: ${sig === "SIGINT" ? "interrupt" : sig} received, finishing the current iteration and writing results (send it again to abort at once)\n`,
      );
    };
    handlers.set(sig, h);
    process.on(sig, h);
  }
  return {
    stop: () => received !== undefined,
    signal: () => received,
    dispose: () => {
      if (handlers.size === 0) return;
      for (const [sig, h] of handlers) process.off(sig, h);
      handlers.clear();
      if (--installed === 0) for (const [sig, h] of baseHandlers() ?? []) process.on(sig, h);
    },
  };
}
