/**
 * The CLI's start-up signal handlers (installed by bin/matsense.js before any module loads:
 * a signal then exits at once with 128 + its number). A command or worker that handles
 * signals itself turns them off meanwhile. They are kept on `process` under a registered
 * symbol, so this module is the only place that knows where.
 */
export function startUpSignalHandlers(): Map<string, () => void> | undefined {
  return (process as unknown as Record<symbol, Map<string, () => void> | undefined>)[Symbol.for("matsense.baseSignalHandlers")];
}
