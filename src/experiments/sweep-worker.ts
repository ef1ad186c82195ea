/**
 * Worker-thread entry of a sweep: receives runs from the main thread, executes each with
 * {@link executeRun} (which writes the run's files atomically) and reports back. The
 * shared Int32Array flag in `workerData.stopFlag` asks in-flight runs to stop
 * (they end with status "interrupted" and are redone by the next sweep).
 */
import { parentPort, workerData } from "node:worker_threads";
import { setAutoThreadCap } from "../kernels/wasm.js";
import { executeRun } from "./execute.js";
import type { WorkerReply, WorkerTask } from "./sweep.js";
import { runSkipReason } from "./claim.js";

const data = workerData as { stopFlag: SharedArrayBuffer; autoThreadCap: number };
const flag = new Int32Array(data.stopFlag);
// parallel runs share the cores: automatic kernel threads per run = ⌊cores / runs⌋
setAutoThreadCap(data.autoThreadCap);

parentPort!.on("message", (task: WorkerTask) => {
  let reply: WorkerReply;
  try {
    const { summary } = executeRun(task.config, task.dir, { shouldStop: () => Atomics.load(flag, 0) === 1, existing: "skip-finished" });
    reply = { id: task.id, status: summary.status };
  } catch (e) {
    const skipped = runSkipReason(e);
    reply = { id: task.id, status: "failed", ...(skipped ? { skipped } : { error: e instanceof Error ? e.message : String(e) }) };
  }
  parentPort!.postMessage(reply);
});
