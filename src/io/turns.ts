/**
 * Long synchronous loops that stay answerable: {@link eachWithTurns} gives the event loop
 * a turn every ~50 ms of work, so that signal handlers run (and set a stop flag, or exit
 * at once on a second signal) during phases such as expanding a grid of 10⁶ runs.
 */

/** Milliseconds of work between two turns of the event loop. */
export const TURN_MS = 50;

/**
 * Calls `fn` on every item, giving the event loop a turn every {@link TURN_MS} ms and then
 * polling `shouldStop`; returns false when it stopped early, true when every item was done.
 */
export async function eachWithTurns<T>(items: Iterable<T>, fn: (item: T) => void, shouldStop: () => boolean): Promise<boolean> {
  let last = performance.now();
  for (const item of items) {
    fn(item);
    if (performance.now() - last < TURN_MS) continue;
    await new Promise((resolve) => setImmediate(resolve));
    if (shouldStop()) return false;
    last = performance.now();
  }
  return !shouldStop();
}

/**
 * A long computation in steps: a generator that yields between blocks of work (e.g. an
 * operator's rows of random draws, each block well under {@link TURN_MS} ms) and returns its
 * result. {@link runSteps} runs it at once, {@link runStepsAsync} with turns of the event loop;
 * both give the same result, bit for bit (the blocks are the same work in the same order).
 */
export type Steps<T> = Generator<void, T, void>;

/** Thrown by {@link runSteps} / {@link runStepsAsync} when `shouldStop` asked a computation to stop between two blocks. */
export class InterruptedError extends Error {
  constructor(what: string) {
    super(`interrupted while ${what}`);
    this.name = "InterruptedError";
  }
}

/** Ends `steps` early (its `finally` blocks release what it holds) and throws {@link InterruptedError}. */
function interrupt(steps: Steps<unknown>, what: string): never {
  steps.return(undefined as never);
  throw new InterruptedError(what);
}

/**
 * Runs `steps` to the end synchronously. `shouldStop` (e.g. a worker thread's Atomics flag, which
 * other threads set while this one works) is polled between blocks once {@link TURN_MS} ms passed
 * since the last poll; when it returns true the steps end early and {@link InterruptedError} is thrown.
 */
export function runSteps<T>(steps: Steps<T>, shouldStop?: () => boolean, what = "building the instance"): T {
  let last = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (!shouldStop || performance.now() - last < TURN_MS) continue;
    if (shouldStop()) interrupt(steps, what);
    last = performance.now();
  }
}

/**
 * {@link runSteps} that gives the event loop a turn every {@link TURN_MS} ms of work and then
 * polls `shouldStop`, so that a signal handler that sets a stop flag is answered within about
 * one block plus TURN_MS. The steps up to the first turn run synchronously, in the caller's own
 * turn (a quick build gives the event loop no turn; an operator provider installed around the call is seen).
 */
export async function runStepsAsync<T>(steps: Steps<T>, shouldStop?: () => boolean, what = "building the instance"): Promise<T> {
  let last = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - last < TURN_MS) continue;
    await new Promise((resolve) => setImmediate(resolve));
    if (shouldStop?.()) interrupt(steps, what);
    last = performance.now();
  }
}
