/** Redis unreachable, a bad URL, …: one line for the user (kept apart so the CLI need not load BullMQ to catch it). */
export class QueueError extends Error {}
