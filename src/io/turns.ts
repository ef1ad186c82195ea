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
