import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { LOCK_FILE, LockedError, acquireRunLock, lockedByLiveWriter, processStartMs, readLock } from "../../src/run/lock.js";

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "matsense-lock-"));
}

/** A pid that is certainly not running: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

describe("run-folder locks", () => {
  it("records pid, host and start time, refuses a second writer naming the owner, and is free again after release", () => {
    const dir = path.join(tmp(), "run");
    const a = acquireRunLock(dir, { purpose: "run" });
    const info = readLock(dir)!;
    expect(info.pid).toBe(process.pid);
    expect(info.host).toBe(os.hostname());
    expect(Date.parse(info.started)).toBeGreaterThan(Date.now() - 60_000);
    expect(() => acquireRunLock(dir)).toThrow(LockedError);
    expect(() => acquireRunLock(dir)).toThrow(new RegExp(`pid ${process.pid} on ${os.hostname()}`));
    expect(lockedByLiveWriter(dir)?.pid).toBe(process.pid);
    a.release();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    const b = acquireRunLock(dir);
    b.release();
  });

  it("takes over, with a notice, a lock whose process is gone (same host)", () => {
    const dir = tmp();
    const pid = deadPid();
    fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid, host: os.hostname(), started: new Date().toISOString() }));
    expect(lockedByLiveWriter(dir)).toBeUndefined();
    const notices: string[] = [];
    const l = acquireRunLock(dir, { onNotice: (m) => notices.push(m) });
    expect(notices.join()).toMatch(new RegExp(`pid ${pid} .* is gone`));
    expect(readLock(dir)!.pid).toBe(process.pid);
    l.release();
  });

  it("a same-host lock whose pid now belongs to a process started after the lock (pid reuse) is taken over", () => {
    const dir = tmp();
    // our own pid, live, but "locked" long before this process started
    fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, host: os.hostname(), started: "2001-01-01T00:00:00.000Z" }));
    const start = processStartMs(process.pid);
    if (start === undefined) return; // not Linux: only the dead-pid and age tests apply
    expect(Math.abs(start - (Date.now() - process.uptime() * 1000))).toBeLessThan(5000);
    const notices: string[] = [];
    const l = acquireRunLock(dir, { onNotice: (m) => notices.push(m) });
    expect(notices.join()).toMatch(/now belongs to a process started after the lock/);
    l.release();
    // and a lock taken after the process started is live
    const l2 = acquireRunLock(dir);
    expect(() => acquireRunLock(dir)).toThrow(LockedError);
    l2.release();
  });

  it("a lock of another host is live until its heartbeat is older than the stale bound, then taken over", () => {
    const dir = tmp();
    const file = path.join(dir, LOCK_FILE);
    fs.writeFileSync(file, JSON.stringify({ pid: 1, host: "elsewhere.example", started: new Date().toISOString() }));
    expect(() => acquireRunLock(dir, { staleSeconds: 600 })).toThrow(/pid 1 on elsewhere\.example/);
    const old = Date.now() / 1000 - 700;
    fs.utimesSync(file, old, old);
    const notices: string[] = [];
    const l = acquireRunLock(dir, { staleSeconds: 600, onNotice: (m) => notices.push(m) });
    expect(notices.join()).toMatch(/not refreshed for 7\d\d s \(> 600 s/);
    l.release();
  });

  it("release never removes a lock that another writer took over meanwhile", () => {
    const dir = tmp();
    const l = acquireRunLock(dir);
    const other = JSON.stringify({ pid: 1, host: "elsewhere.example", started: "x" });
    fs.writeFileSync(path.join(dir, LOCK_FILE), other);
    l.release();
    expect(fs.readFileSync(path.join(dir, LOCK_FILE), "utf8")).toBe(other);
  });

  it("MATSENSE_LOCK_STALE_SECONDS must be a positive number of seconds", () => {
    const dir = tmp();
    process.env.MATSENSE_LOCK_STALE_SECONDS = "soon";
    try {
      expect(() => acquireRunLock(dir)).toThrow(/MATSENSE_LOCK_STALE_SECONDS must be a number of seconds > 0 \(got "soon"\)/);
    } finally {
      delete process.env.MATSENSE_LOCK_STALE_SECONDS;
    }
  });
});
