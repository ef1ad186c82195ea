/**
 * A dead writer is dead (issue 25, defect 10): a zombie (exited, not reaped — its parent
 * died first, or a container without an init process) and a pid reused by another process
 * (the lock's recorded start time ≠ the process's, from /proc/PID/stat) do not hold a
 * lock. On main c166446 `kill(pid, 0)` called both alive and the runs stayed blocked
 * until the heartbeat went stale (1 h).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { LOCK_FILE, acquireRunLock, lockedByLiveWriter, processAlive } from "../../src/run/lock.js";

const linux = fs.existsSync("/proc/self/stat");

function lockDir(info: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-dead-"));
  fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ host: os.hostname(), started: new Date().toISOString(), ...info }) + "\n");
  return dir;
}

describe.skipIf(!linux)("dead writers", () => {
  it("a zombie owner: the lock is not a live writer's and is taken over", async () => {
    // a parent that forks a child which exits at once and is never reaped while the parent sleeps
    const parent = spawn("python3", ["-c", "import os,time\npid=os.fork()\nif pid==0: os._exit(0)\nprint(pid, flush=True)\ntime.sleep(20)"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    try {
      const zombie = await new Promise<number>((resolve) => parent.stdout!.once("data", (d) => resolve(Number(String(d).trim()))));
      // wait until the child has exited (state Z)
      for (let i = 0; i < 100 && !/\) Z /.test(fs.readFileSync(`/proc/${zombie}/stat`, "utf8")); i++) await new Promise((r) => setTimeout(r, 20));
      expect(fs.readFileSync(`/proc/${zombie}/stat`, "utf8")).toMatch(/\) Z /);
      expect(processAlive(zombie)).toBe(false);
      const dir = lockDir({ pid: zombie });
      expect(lockedByLiveWriter(dir)).toBeUndefined();
      const notices: string[] = [];
      acquireRunLock(dir, { onNotice: (m) => notices.push(m) }).release();
      expect(notices.join()).toMatch(new RegExp(`pid ${zombie} .* is gone`));
    } finally {
      parent.kill("SIGKILL");
    }
  });

  it("a pid now held by another process (recorded start time differs) is a dead writer; the same start time is alive", () => {
    const ticks = Number(fs.readFileSync(`/proc/${process.pid}/stat`, "utf8").split(") ")[1].split(" ")[19]);
    expect(lockedByLiveWriter(lockDir({ pid: process.pid, startTicks: ticks - 1 }))).toBeUndefined();
    expect(lockedByLiveWriter(lockDir({ pid: process.pid, startTicks: ticks }))).toMatchObject({ pid: process.pid });
    // a lock records its owner's start time
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-dead-"));
    const lock = acquireRunLock(dir);
    expect(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), "utf8")).startTicks).toBe(ticks);
    lock.release();
  });
});
