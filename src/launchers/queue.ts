/**
 * A sweep on a Redis-backed BullMQ queue, for machines without a scheduler:
 * `enqueue` adds one job per unfinished run (job id = sweep id + run index, so enqueueing
 * twice adds nothing), `worker` takes jobs and runs each in a child process that writes
 * its result atomically into the sweep folder, `queueStatus` counts jobs.
 * Delivery is at-least-once (a job whose worker died is redone after its lock expires);
 * the atomic publication makes every result appear exactly once.
 */
import { type ChildProcess, fork } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { type Job, Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { expandGrid, parseGrid } from "../config/grid.js";
import { isFinished } from "../results/manifest.js";
import { ForeignFilesError, foreignInRunFolder } from "../run/claim.js";
import { recordGrid } from "../sweep/sweep.js";
import { ensureDir } from "../io/files.js";
import { startUpSignalHandlers } from "../io/start-up-signals.js";
import { QueueError } from "./errors.js";
import type { ChildReply, ChildTask } from "./queue-child.js";

/** Default BullMQ queue name. */
export const DEFAULT_QUEUE = "matsense";

/** A job's data. */
export interface RunJobData {
  sweep: string;
  index: number;
  id: string;
  dir: string;
  config: Record<string, unknown>;
}

export { QueueError };

/** Checks the URL form (redis:// or rediss://). */
export function checkRedisUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueError(`--redis must be a URL such as redis://127.0.0.1:6379 (got ${JSON.stringify(url)})`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new QueueError(`--redis must start with redis:// or rediss:// (got ${JSON.stringify(url)})`);
}

/** Connects once with a short timeout and no retries; throws QueueError when Redis does not answer. */
export async function pingRedis(url: string, timeoutMs = 3000): Promise<void> {
  checkRedisUrl(url);
  const r = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let cause: Error | undefined;
  r.on("error", (e: Error) => {
    cause ??= e;
  });
  try {
    await r.connect();
    await r.ping();
  } catch (e) {
    const why = cause ?? (e as Error);
    const code = (why as NodeJS.ErrnoException).code;
    throw new QueueError(`cannot reach Redis at ${url}: ${code ? `${code} (${why.message})` : why.message || String(why)}`);
  } finally {
    r.disconnect();
  }
}

function connection(url: string) {
  return { url, maxRetriesPerRequest: null } as const;
}

/** The id of a sweep: a hash of its absolute folder and its grid. */
export function sweepId(dir: string, grid: unknown): string {
  return crypto.createHash("sha256").update(path.resolve(dir)).update("\0").update(JSON.stringify(grid)).digest("hex").slice(0, 12);
}

/** The job id of run `index` of a sweep. */
export function jobId(sweep: string, index: number): string {
  return `${sweep}-${index}`;
}

export interface EnqueueResult {
  sweep: string;
  total: number;
  finished: number;
  added: number;
}

/**
 * Validates the grid, records it in DIR (refusing a DIR of another grid) and adds one job
 * per unfinished run. Jobs already in the queue (same id) are left as they are.
 */
export async function enqueueSweep(url: string, gridInput: unknown, dir: string, opts: { queue?: string; attempts?: number } = {}): Promise<EnqueueResult> {
  const abs = path.resolve(dir);
  const grid = parseGrid(gridInput);
  const runs = expandGrid(grid);
  await pingRedis(url);
  ensureDir(abs);
  recordGrid(abs, grid);
  const sweep = sweepId(abs, grid);
  const todo = runs.map((r, index) => ({ r, index })).filter(({ r }) => !isFinished(path.join(abs, r.id)));
  // a job replaces its run folder as a whole when it publishes: one holding anything matsense did not write is refused now
  const foreign = todo.flatMap(({ r }) => foreignInRunFolder(path.join(abs, r.id)).map((f) => `${r.id}/${f}`));
  if (foreign.length) throw new QueueError(new ForeignFilesError(abs, foreign).message);
  const queue = new Queue<RunJobData>(opts.queue ?? DEFAULT_QUEUE, { connection: connection(url) });
  let added = 0;
  try {
    for (let i = 0; i < todo.length; i += 500) {
      const chunk = todo.slice(i, i + 500);
      const before = await Promise.all(chunk.map(({ index }) => queue.getJob(jobId(sweep, index))));
      const jobs = await queue.addBulk(
        chunk.map(({ r, index }) => ({
          name: r.id,
          data: { sweep, index, id: r.id, dir: abs, config: r.config as Record<string, unknown> },
          opts: {
            jobId: jobId(sweep, index),
            attempts: opts.attempts ?? 3,
            backoff: { type: "fixed", delay: 1000 },
            removeOnComplete: false,
            removeOnFail: false,
          },
        })),
      );
      added += jobs.filter((_, k) => !before[k]).length;
    }
  } finally {
    await queue.close();
  }
  return { sweep, total: runs.length, finished: runs.length - todo.length, added };
}

/** The compiled child entry: next to this module (dist/launchers/), or dist/launchers/ seen from the CLI's bundle (dist/cli-bundle/). */
export function childEntry(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const js = path.join(here, "queue-child.js");
  const fromBundle = path.join(here, "..", "launchers", "queue-child.js");
  if (!fs.existsSync(js) && fs.existsSync(fromBundle)) return fromBundle;
  if (!fs.existsSync(js)) throw new QueueError(`the queue child entry ${js} is missing; build with \`npm run build\` and run from dist/`);
  return js;
}

/**
 * Child processes that run one run at a time; an idle child is reused for the next job.
 * A child that dies mid-run rejects its job (BullMQ retries it); closing disconnects the
 * children, which exit (deleting any staging folder).
 */
export class ChildPool {
  private idle: ChildProcess[] = [];
  private readonly all = new Set<ChildProcess>();

  constructor(private readonly threads: number) {}

  private spawn(): ChildProcess {
    const child = fork(childEntry(), [], { stdio: ["ignore", "ignore", "inherit", "ipc"], serialization: "advanced" });
    this.all.add(child);
    child.on("error", () => {});
    child.on("exit", () => {
      this.all.delete(child);
      this.idle = this.idle.filter((c) => c !== child);
    });
    return child;
  }

  /** Runs one job's run; rejects when the child exits without an answer. */
  run(data: RunJobData): Promise<ChildReply> {
    const child = this.idle.pop() ?? this.spawn();
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        child.off("message", onMessage);
        child.off("exit", onExit);
      };
      const onMessage = (m: ChildReply) => {
        cleanup();
        this.idle.push(child);
        resolve(m);
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        cleanup();
        reject(new Error(`the run's child process exited (${signal ?? `code ${code}`}) without a result`));
      };
      child.on("message", onMessage);
      child.on("exit", onExit);
      child.send({ dir: data.dir, id: data.id, config: data.config, threads: this.threads } satisfies ChildTask);
    });
  }

  /** Lets idle children exit. */
  close(): void {
    for (const c of this.all) if (c.connected) c.disconnect();
  }

  /** Kills every child at once. */
  kill(): void {
    for (const c of this.all) c.kill("SIGKILL");
  }
}

export interface WorkerOptions {
  queue?: string;
  concurrency?: number;
  /** Job lock duration (ms): a job whose worker died is redone after this. */
  lockMs?: number;
  /** Exit once the queue has no waiting, delayed or active jobs. */
  untilEmpty?: boolean;
  /** Kernel threads per run (automatic cap). */
  threads?: number;
  log?: (s: string) => void;
}

/**
 * Runs a worker until SIGTERM/SIGINT (or, with `untilEmpty`, until the queue is empty).
 * On the first signal it takes no new job and exits after the current ones; a second
 * signal stops at once (the jobs in flight are redone by another worker).
 */
export async function runWorker(url: string, opts: WorkerOptions = {}): Promise<{ done: number; failed: number }> {
  await pingRedis(url);
  const log = opts.log ?? ((s: string) => void process.stderr.write(s));
  const concurrency = opts.concurrency ?? 1;
  const threads = opts.threads ?? 1;
  const lockMs = opts.lockMs ?? 30000;
  const pool = new ChildPool(threads);
  let done = 0,
    failed = 0;
  const worker = new Worker<RunJobData, ChildReply>(
    opts.queue ?? DEFAULT_QUEUE,
    async (job: Job<RunJobData>) => {
      const t0 = Date.now();
      if (isFinished(path.join(job.data.dir, job.data.id))) {
        // finished by an earlier attempt (or a `sweep` over the same folder)
        log(`matsense worker: ${job.data.id} already finished, skipped [job ${job.id}]\n`);
        return { status: "finished-before", outcome: "duplicate", seconds: 0 };
      }
      log(`matsense worker: ${job.data.id} started [job ${job.id}, attempt ${job.attemptsMade + 1}]\n`);
      const reply = await pool.run(job.data);
      if (reply.status === "interrupted") throw new Error("run interrupted (worker stopping)");
      // not published (its folder holds files matsense did not write): the job fails with the reason
      if (reply.outcome === "not-published") throw new Error(reply.error ?? "run not published");
      log(
        `matsense worker: ${job.data.id} ${reply.status}${reply.error ? ` (${reply.error})` : ""} in ${((Date.now() - t0) / 1000).toFixed(2)} s` +
          ` [job ${job.id}, attempt ${job.attemptsMade + 1}, ${reply.outcome}]\n`,
      );
      return reply;
    },
    { connection: connection(url), concurrency, lockDuration: lockMs, stalledInterval: Math.max(1000, Math.floor(lockMs / 2)), maxStalledCount: 5 },
  );
  worker.on("completed", () => void done++);
  worker.on("failed", (job, err) => {
    failed++;
    log(`matsense worker: job ${job?.id ?? "?"} failed: ${err.message}\n`);
  });
  worker.on("error", (e) => log(`matsense worker: ${e.message}\n`));

  let stopping = false;
  await new Promise<void>((resolve) => {
    const onSignal = (sig: string) => {
      if (stopping) {
        log(`matsense worker: ${sig} again, stopping now (the jobs in flight will be redone)\n`);
        pool.kill();
        process.exit(128 + 15);
      }
      stopping = true;
      log(`matsense worker: ${sig} received, finishing the current job(s) then exiting\n`);
      void worker.close().then(resolve);
    };
    // the CLI's start-up handlers (bin/matsense.js: exit at once with 128 + n) are off while the worker handles signals
    for (const [sig, h] of startUpSignalHandlers() ?? []) process.off(sig, h);
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
    if (opts.untilEmpty) {
      const queue = new Queue(opts.queue ?? DEFAULT_QUEUE, { connection: connection(url) });
      const timer = setInterval(() => {
        void queue.getJobCounts("waiting", "active", "delayed", "prioritized").then(
          (c) => {
            if (!stopping && Object.values(c).every((v) => v === 0)) {
              stopping = true;
              clearInterval(timer);
              void Promise.all([worker.close(), queue.close()]).then(() => resolve());
            }
          },
          () => {},
        );
      }, 500);
    }
  });
  pool.close();
  return { done, failed };
}

/** Job counts of the queue. */
export async function queueStatus(url: string, queueName = DEFAULT_QUEUE): Promise<Record<string, number>> {
  await pingRedis(url);
  const queue = new Queue(queueName, { connection: connection(url) });
  try {
    return await queue.getJobCounts("waiting", "active", "delayed", "prioritized", "completed", "failed");
  } finally {
    await queue.close();
  }
}
