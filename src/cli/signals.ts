/**
 * Signals that end a run or sweep cleanly: SIGINT (Ctrl-C), SIGTERM (kill, Kubernetes,
 * Slurm at the end of a job), SIGHUP (closed terminal) and SIGUSR1 (Slurm's
 * `--signal=USR1@…` warning before a time limit; without a handler Node would open its
 * inspector). The first one asks the work to stop (runs end "interrupted" with every file
 * written, within ~1 s: runs poll `stop()` every iteration and give the event loop a turn
 * every ~50 ms; sweep workers see an Atomics flag); a second one exits at once with
 * 128 + the signal's number.
 *
 * A JavaScript handler runs only when the event loop gets a turn, so during a long
 * synchronous step (building a large operator, a long iteration, writing large files) it
 * would answer the second signal only at the step's end. So once the first SIGINT, SIGTERM
 * or SIGHUP has been handled (the request recorded), the handlers of those three are
 * removed: the signal's default action then applies, and a second one ends the process at
 * once even in the middle of a synchronous step (the shell sees 128 + n; the run's lock is
 * left to be taken over as a dead writer's). The removal waits for the check phase of the
 * event loop (setImmediate), so a second signal that arrived together with the first is
 * still handled here (one line, exit 128 + n). SIGUSR1 keeps its handler (its default would
 * not end Node but open the inspector).
 */

import { startUpSignalHandlers } from "../io/start-up-signals.js";

/** The handled signals and their numbers (exit code on a second signal = 128 + number). */
export const INTERRUPT_SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1, SIGUSR1: 10 } as const;
export type InterruptSignal = keyof typeof INTERRUPT_SIGNALS;

/** The signals whose handlers are removed after the first signal, so that their default action (terminate) applies to a second one. */
const DEFAULT_ACTION_ON_SECOND: readonly InterruptSignal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

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
      // from the next turn of the event loop on, a second signal ends the process by its default action, even mid-step
      setImmediate(() => {
        for (const s of DEFAULT_ACTION_ON_SECOND) {
          const h2 = handlers.get(s);
          if (h2) process.off(s, h2);
          handlers.delete(s);
        }
      }).unref();
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
