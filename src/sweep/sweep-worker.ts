/**
 * Worker-thread entry of a sweep: receives runs from the main thread, executes each with
 * {@link executeRun} (which writes the run's files atomically) and reports back. The
 * shared Int32Array flag in `workerData.stopFlag` asks in-flight runs to stop
 * (they end with status "interrupted" and are redone by the next sweep).
 */
import { parentPort, workerData } from "node:worker_threads";
import { executeRun } from "../run/runFolder.js";
import type { WorkerData, WorkerOperatorMessage, WorkerReply, WorkerTask } from "./sweep.js";
import { runSkipReason } from "../run/claim.js";
import { executeSweepRun } from "./resume.js";
import { type OperatorProvider, runContext, withContext } from "../catalogue/context.js";
import { attachSharedOperator, buildSharedOperator, sharedOperatorKey } from "./shared-operators.js";

const data = workerData as WorkerData;
const flag = new Int32Array(data.stopFlag);
// parallel runs share the cores: automatic kernel threads per run = ⌊cores / runs⌋ (the sweep computed the cap)
const base = runContext(data.kernels);

parentPort!.on("message", (task: WorkerTask) => void handle(task));

async function handle(task: WorkerTask): Promise<void> {
  let reply: WorkerReply;
  const notices: string[] = [];
  // a shared operator: build it (and post its memory) or attach to it, for this run only
  const share = task.share;
  const provider: OperatorProvider | undefined = share
    ? (config) => {
        if (sharedOperatorKey(config, share.slots) !== share.key) return null;
        if (share.handle) return attachSharedOperator(share.handle, config, share.slot, base.kernels.threadCap);
        const { operator, handle } = buildSharedOperator(config, share.slot, share.slots, base.kernels.threadCap);
        parentPort!.postMessage({ kind: "operator", handle } satisfies WorkerOperatorMessage);
        return operator;
      }
    : undefined;
  const context = provider ? withContext(base, { operatorProvider: provider }) : base;
  try {
    // an unfinished run continues from its checkpoint, or starts again when it is refused (the notice goes to the main thread)
    const { summary } = await executeSweepRun(
      task.dir,
      task.config,
      (start) =>
        executeRun(task.config, task.dir, {
          shouldStop: () => Atomics.load(flag, 0) === 1,
          existing: "skip-finished",
          maxOperatorBytes: task.maxMemoryBytes,
          checkpointSeconds: task.checkpointSeconds,
          ...start,
          context,
        }),
      (n) => notices.push(n),
    );
    reply = { id: task.id, status: summary.status };
  } catch (e) {
    const skipped = runSkipReason(e);
    reply = { id: task.id, status: "failed", ...(skipped ? { skipped } : { error: e instanceof Error ? e.message : String(e) }) };
  }
  parentPort!.postMessage(notices.length ? { ...reply, notices } : reply);
}
