/**
 * Integration tests against a real Redis (scripts/redis.sh) with BullMQ workers: two
 * workers with one SIGKILLed mid-job, a Redis restart mid-sweep (AOF), SIGTERM of a
 * worker, enqueueing twice, bad input.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkRunFolder, cliSpawn, cliSync, slowBase, tmp, waitFor } from "./helpers.js";
import { type Service, freePorts, serviceCommand, startService } from "./services.js";
import { stagingRoot } from "../../src/launchers/publish.js";

let svc: Service;
let port = 0;
let url = "";

beforeAll(async () => {
  port = await freePorts(1);
  url = `redis://127.0.0.1:${port}`;
  svc = startService("redis.sh", { MATSENSE_REDIS_STATE: tmp("redis-state"), MATSENSE_REDIS_PORT: String(port) });
}, 300000);

afterAll(() => svc?.stop(), 60000);

let queueNo = 0;
/** A fresh queue name per test. */
function queueName(): string {
  return `t${process.pid}-${queueNo++}`;
}

function writeGrid(dir: string, grid: unknown): string {
  const f = `${dir}-grid.json`;
  fs.writeFileSync(f, JSON.stringify(grid));
  return f;
}

function counts(queue: string): { waiting: number; active: number; done: number; failed: number } {
  const r = cliSync(["queue-status", "--redis", url, "--queue", queue, "--json"]);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out);
}

/** Every run of the sweep present exactly once, complete, with a finished status. */
function expectAllRuns(dir: string, n: number): void {
  const folders = fs.readdirSync(dir).filter((f) => f.startsWith("base__seed="));
  expect(folders.sort()).toEqual(Array.from({ length: n }, (_, i) => `base__seed=${i}`).sort());
  for (const f of folders) expect(["time-limit", "max-iterations", "converged"]).toContain(checkRunFolder(path.join(dir, f)).status);
  expect(fs.readdirSync(path.join(dir, ".staging"))).toEqual([]);
}

describe("queue sweeps on BullMQ (real Redis)", () => {
  it("two workers, one SIGKILLed mid-job: every result on disk exactly once, none corrupt", async (ctx) => {
    if (svc.skip) ctx.skip();
    const q = queueName();
    const dir = tmp("queue-kill");
    const grid = writeGrid(dir, { base: slowBase(1.5), seeds: 8 });
    const e = cliSync(["enqueue", "--redis", url, "--queue", q, "--grid", grid, "--out", dir]);
    expect(e.code, e.err).toBe(0);
    expect(e.out).toMatch(/8 job\(s\) added/);
    // enqueueing twice adds nothing
    expect(cliSync(["enqueue", "--redis", url, "--queue", q, "--grid", grid, "--out", dir]).out).toMatch(/0 job\(s\) added .*\(8 already queued\)/);
    const args = ["worker", "--redis", url, "--queue", q, "--lock-seconds", "2", "--until-empty"];
    const a = cliSpawn(args);
    const b = cliSpawn(args);
    // kill A while it runs its second job
    await waitFor(() => (a.err().match(/ started \[job/g) ?? []).length >= 2, 60000, "worker A to start its second job");
    // … and to be inside it: its staging folder (publish.ts) streams metrics
    const second = [...a.err().matchAll(/(\S+) started \[job/g)][1][1];
    const staging = () => (fs.existsSync(stagingRoot(dir)) ? fs.readdirSync(stagingRoot(dir)).filter((f) => f.startsWith(`${second}.`)) : []);
    await waitFor(
      () => staging().some((f) => fs.existsSync(path.join(stagingRoot(dir), f, "metrics.csv.partial"))),
      60000,
      "worker A's second run to record metrics",
    );
    a.child.kill("SIGKILL");
    await a.exited;
    // the job(s) A started and did not finish
    const started = [...a.err().matchAll(/(\S+) started \[job/g)].map((m) => m[1]);
    const inFlight = started.filter((id) => !a.err().includes(`${id} time-limit`));
    expect(inFlight).toHaveLength(1);
    const rb = await b.exited;
    expect(rb.code, b.err()).toBe(0);
    // B redid the killed job after A's lock expired
    expect(b.err()).toContain(`${inFlight[0]} started`);
    expectAllRuns(dir, 8);
    expect(counts(q)).toEqual({ waiting: 0, active: 0, done: 8, failed: 0 });
  }, 180000);

  it("Redis restarted mid-sweep (append-only file): the sweep still completes", async (ctx) => {
    if (svc.skip) ctx.skip();
    const q = queueName();
    const dir = tmp("queue-restart");
    const grid = writeGrid(dir, { base: slowBase(0.5), seeds: 8 });
    expect(cliSync(["enqueue", "--redis", url, "--queue", q, "--grid", grid, "--out", dir]).code).toBe(0);
    const w = cliSpawn(["worker", "--redis", url, "--queue", q, "--lock-seconds", "5", "--until-empty"]);
    await waitFor(() => (w.err().match(/ max-iterations| time-limit/g) ?? []).length >= 2, 60000, "two finished jobs");
    serviceCommand("redis.sh", "stop", svc.env);
    await new Promise((r) => setTimeout(r, 1000)); // Redis down for a second: the outage itself, not a wait for a condition
    serviceCommand("redis.sh", "start", svc.env);
    const r = await w.exited;
    expect(r.code, w.err()).toBe(0);
    expectAllRuns(dir, 8);
    expect(counts(q)).toEqual({ waiting: 0, active: 0, done: 8, failed: 0 });
  }, 180000);

  it("a worker exits cleanly on SIGTERM after its current job", async (ctx) => {
    if (svc.skip) ctx.skip();
    const q = queueName();
    const dir = tmp("queue-term");
    const grid = writeGrid(dir, { base: slowBase(1.5), seeds: 3 });
    expect(cliSync(["enqueue", "--redis", url, "--queue", q, "--grid", grid, "--out", dir]).code).toBe(0);
    const w = cliSpawn(["worker", "--redis", url, "--queue", q]);
    await waitFor(() => / started \[job/.test(w.err()), 30000, "the first job");
    w.child.kill("SIGTERM");
    const r = await w.exited;
    expect(r.code, w.err()).toBe(0);
    const first = /(\S+) started \[job/.exec(w.err())![1];
    expect(checkRunFolder(path.join(dir, first)).status).toBe("time-limit"); // finished, not interrupted
    expect(counts(q)).toEqual({ waiting: 2, active: 0, done: 1, failed: 0 });
  }, 60000);

  it("bad input: one line, exit 2, nothing enqueued and nothing overwritten", (ctx) => {
    if (svc.skip) ctx.skip();
    const q = queueName();
    const dir = tmp("queue-bad");
    const good = writeGrid(dir, { base: { problem: { n: 6, rank: 1 }, stop: { maxIterations: 5 } }, seeds: 2 });
    const invalid = writeGrid(`${dir}-inv`, { base: { problem: { n: -3 } } });
    const other = writeGrid(`${dir}-other`, { base: { problem: { n: 7, rank: 1 } }, seeds: 3 });
    const fresh = path.join(dir, "new");
    const cases: [string[], RegExp][] = [
      [
        ["enqueue", "--redis", "redis://127.0.0.1:1", "--queue", q, "--grid", good, "--out", fresh],
        /cannot reach Redis at redis:\/\/127\.0\.0\.1:1: ECONNREFUSED/,
      ],
      [["enqueue", "--redis", "localhost:6379", "--queue", q, "--grid", good, "--out", fresh], /--redis must/],
      [["enqueue", "--redis", url, "--queue", q, "--grid", invalid, "--out", fresh], /invalid grid: problem\.n/],
      [["worker", "--redis", "redis://127.0.0.1:1", "--queue", q], /cannot reach Redis/],
      [["worker", "--redis", url, "--queue", q, "--concurrency", "0"], /--concurrency must be a positive integer/],
      [["queue-status", "--redis", "redis://127.0.0.1:1", "--queue", q], /cannot reach Redis/],
    ];
    for (const [args, re] of cases) {
      const r = cliSync(args);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(re);
      expect(
        r.err
          .trim()
          .split("\n")
          .filter((l) => l.startsWith("matsense: ")),
      ).toHaveLength(1);
      expect(fs.existsSync(fresh)).toBe(false);
    }
    expect(cliSync(["enqueue", "--redis", url, "--queue", q, "--grid", good, "--out", dir]).code).toBe(0);
    const gridBefore = fs.readFileSync(path.join(dir, "grid.json"), "utf8");
    const r = cliSync(["enqueue", "--redis", url, "--queue", q, "--grid", other, "--out", dir]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/holds a sweep of a different grid/);
    expect(fs.readFileSync(path.join(dir, "grid.json"), "utf8")).toBe(gridBefore);
    expect(counts(q)).toEqual({ waiting: 2, active: 0, done: 0, failed: 0 });
  });
});
