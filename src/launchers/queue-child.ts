/**
 * Child process of a queue worker: runs one run at a time into a private staging folder
 * and publishes it atomically into the sweep folder (see publish.ts); the worker reuses an
 * idle child for its next job (no start-up cost per run). A separate process
 * keeps the worker's event loop free to renew its job lock during a long run. If the
 * worker dies (the IPC channel closes) the child deletes its staging folder and exits:
 * the job is redone elsewhere.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { executeRunAsync } from "../run/runFolder.js";
import { runContext } from "../catalogue/context.js";
import { ensureDir, writeJsonAtomic } from "../io/files.js";
import { type PublishOutcome, publishRun, reclaimStaging, stagingDir } from "./publish.js";
import { type SweepRunStart, executeSweepRun } from "../sweep/resume.js";

/** What the worker sends. */
export interface ChildTask {
  dir: string;
  id: string;
  config: Record<string, unknown>;
  /** Cap of automatic kernel threads. */
  threads: number;
}

/** What the child answers. */
export interface ChildReply {
  status: string;
  error?: string;
  outcome: PublishOutcome | "not-published";
  seconds: number;
}

let staging: string | undefined;

process.on("disconnect", () => {
  // the worker is gone: no one will publish this attempt; its checkpoints stay for the job's next attempt (reclaimStaging)
  if (staging && !fs.existsSync(path.join(staging, "checkpoint.json"))) fs.rmSync(staging, { recursive: true, force: true });
  process.exit(1);
});
// Ctrl-C on the worker's terminal, or a SIGTERM to the whole process group (systemd,
// Kubernetes), reaches the child too: the worker decides (finish the job, or kill the child)
process.on("SIGINT", () => {});
process.on("SIGTERM", () => {});

process.on("message", (task: ChildTask) => {
  void (async () => {
    // this run's context: automatic kernel threads capped at the worker's share of the cores
    const context = runContext({ threadCap: task.threads });
    staging = stagingDir(task.dir, task.id);
    ensureDir(path.dirname(staging));
    let status = "failed";
    let error: string | undefined;
    let seconds = 0;
    try {
      // an earlier attempt of this job that was killed or interrupted: continue from its checkpoint
      // (a refused checkpoint, also one found not to reproduce its row while running: the run starts again from iteration 0)
      const dir = staging;
      const run = (start: SweepRunStart) => executeRunAsync(task.config, dir, { existing: "replace", context, ...start });
      const { summary } = reclaimStaging(task.dir, task.id, dir)
        ? await executeSweepRun(path.join(task.dir, task.id), task.config, run, (m) => process.stderr.write(`matsense worker: ${m}\n`), dir)
        : await run({});
      status = summary.status;
      seconds = summary.seconds;
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      if (!fs.existsSync(path.join(staging, "summary.json"))) {
        // failed before the run started (invalid config, operator too large): record why
        ensureDir(staging);
        writeJsonAtomic(path.join(staging, "summary.json"), { status: "failed", iterations: 0, seconds: 0, final: null, warnings: [], events: [], error });
      }
    }
    let outcome: ChildReply["outcome"] = "not-published";
    // an interrupted attempt keeps its staging folder (with its final checkpoint) for the job's next attempt (reclaimStaging)
    if (status !== "interrupted") {
      try {
        outcome = publishRun(staging, path.join(task.dir, task.id));
      } catch (e) {
        // the run folder holds files matsense did not write: not replaced; the job fails naming them
        status = "failed";
        error = e instanceof Error ? e.message : String(e);
      }
    }
    staging = undefined;
    process.send!({ status, error, outcome, seconds } satisfies ChildReply);
  })();
});
