/**
 * One writer per result: a run folder is owned through a lock file `<dir>/matsense.lock`
 * created atomically (O_CREAT | O_EXCL, `fs.openSync(p, "wx")`) holding the owner's pid,
 * host and start time. A second writer is refused ({@link LockedError}, naming the owner).
 * A lock is taken over (with a notice) when its owner is gone: same host and the pid no
 * longer exists (`process.kill(pid, 0)` → ESRCH, or on Linux the pid now belongs to a
 * process started after the lock was taken), or its heartbeat (the file's mtime,
 * refreshed by the owner every {@link HEARTBEAT_SECONDS} while it runs) is older than the
 * stale bound ({@link staleSeconds}: option, else the MATSENSE_LOCK_STALE_SECONDS
 * environment variable, else {@link DEFAULT_STALE_SECONDS}) — the only test possible for a
 * lock written on another machine. Locks are per run folder, so shards of one sweep on
 * many machines sharing a filesystem write one sweep folder safely.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileError } from "../io/files.js";

/** The lock file's name inside a run folder. */
export const LOCK_FILE = "matsense.lock";
/** Default stale bound: a lock not refreshed for this long is taken over (1 hour). */
export const DEFAULT_STALE_SECONDS = 3600;
/** The owner refreshes its lock's mtime at most this often (from {@link RunLock.heartbeat}). */
export const HEARTBEAT_SECONDS = 30;

/** What a lock file holds. */
export interface LockInfo {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  started: string;
  /** What holds it (e.g. "run", "sweep worker"). */
  purpose?: string;
  /** The owner's start time in clock ticks since boot (field 22 of /proc/PID/stat; Linux): with the pid, it names the process. */
  startTicks?: number;
}

/** A second writer was refused: `owner` holds the folder. */
export class LockedError extends Error {
  constructor(
    readonly dir: string,
    readonly owner: LockInfo | undefined,
  ) {
    super(
      `${dir} is being written by another matsense process` +
        (owner ? ` (pid ${owner.pid} on ${owner.host}, since ${owner.started}${owner.purpose ? `, ${owner.purpose}` : ""})` : "") +
        `; wait for it to finish, stop it, or use another --out folder (its lock: ${path.join(dir, LOCK_FILE)})`,
    );
  }
}

/** The stale bound in seconds: the option, else MATSENSE_LOCK_STALE_SECONDS, else 1 hour. */
export function staleSeconds(option?: number): number {
  if (option !== undefined) return option;
  const env = process.env.MATSENSE_LOCK_STALE_SECONDS;
  if (env !== undefined && env !== "") {
    const v = Number(env);
    if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`MATSENSE_LOCK_STALE_SECONDS must be a number of seconds > 0 (got ${JSON.stringify(env)})`);
    return v;
  }
  return DEFAULT_STALE_SECONDS;
}

/** The lock of a folder, or undefined (none, or unreadable: e.g. being written this instant). */
export function readLock(dir: string): LockInfo | undefined {
  try {
    const v = JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), "utf8")) as LockInfo;
    return typeof v.pid === "number" && typeof v.host === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The fields of /proc/PID/stat after the command name (field 3, the state, first), or undefined (no such process, not Linux). */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // the command name (field 2) may hold spaces and parentheses: fields restart after the last ")"
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/**
 * True when `pid` is a live process on this machine: it exists (`kill(pid, 0)`) and is not
 * a zombie (state Z or X in /proc/PID/stat: it has exited and only waits to be reaped —
 * in a container without an init process, for good).
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists but belongs to someone else
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const state = procStat(pid)?.[0];
  return state !== "Z" && state !== "X";
}

/** The start time of process `pid` in clock ticks since boot (field 22 of /proc/PID/stat), or undefined. */
export function processStartTicks(pid: number): number | undefined {
  const t = Number(procStat(pid)?.[19]);
  return Number.isFinite(t) ? t : undefined;
}

/**
 * When process `pid` started (ms since the epoch), from Linux's /proc (start time in clock
 * ticks since boot, USER_HZ = 100 on every mainstream Linux); undefined elsewhere.
 */
export function processStartMs(pid: number): number | undefined {
  try {
    const ticks = processStartTicks(pid) ?? NaN; // field 22
    const btime = Number(/^btime (\d+)$/m.exec(fs.readFileSync("/proc/stat", "utf8"))?.[1]);
    return Number.isFinite(ticks) && Number.isFinite(btime) ? btime * 1000 + ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why the lock of `dir` may be taken over ("owner process N is gone", "not refreshed for
 * S s"), or undefined when it is held by a live writer (or there is no lock).
 */
export function staleReason(dir: string, bound = staleSeconds()): string | undefined {
  const file = path.join(dir, LOCK_FILE);
  let mtimeMs: number;
  try {
    mtimeMs = fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
  const info = readLock(dir);
  const age = (Date.now() - mtimeMs) / 1000;
  if (info && info.host === os.hostname()) {
    if (!processAlive(info.pid)) return `its owner, pid ${info.pid} on ${info.host}, is gone`;
    // the recorded start time names the process: another start time is another process with the same pid
    const ticks = processStartTicks(info.pid);
    if (info.startTicks !== undefined && ticks !== undefined && ticks !== info.startTicks) {
      return `its owner, pid ${info.pid} on ${info.host}, is gone (pid ${info.pid} now belongs to another process)`;
    }
    // a live process that started after the lock was taken is another process with a reused pid
    const startMs = processStartMs(info.pid),
      lockMs = Date.parse(info.started);
    if (startMs !== undefined && Number.isFinite(lockMs) && startMs > lockMs + 2000) {
      return `its owner, pid ${info.pid} on ${info.host}, is gone (pid ${info.pid} now belongs to a process started after the lock)`;
    }
  }
  if (age > bound) return `it was not refreshed for ${Math.round(age)} s (> ${bound} s${info ? `; owner pid ${info.pid} on ${info.host}` : ""})`;
  // an unreadable lock older than a few seconds was left half-written by a crash
  if (!info && age > 10) return "it is unreadable (left by a crash)";
  return undefined;
}

/** True when `dir` is locked by a live writer. */
export function lockedByLiveWriter(dir: string, bound?: number): LockInfo | undefined {
  if (!fs.existsSync(path.join(dir, LOCK_FILE))) return undefined;
  if (staleReason(dir, staleSeconds(bound)) !== undefined) return undefined;
  return readLock(dir) ?? { pid: -1, host: "?", started: "?" };
}

/** A held lock. */
export interface RunLock {
  readonly dir: string;
  /** Refreshes the lock's mtime when the last refresh is older than HEARTBEAT_SECONDS (cheap to call often). */
  heartbeat(): void;
  /** Removes the lock (only if it is still ours). Safe to call twice. */
  release(): void;
}

/** Locks held by this thread, released on process exit (e.g. a second ^C). */
const held = new Set<RunLock>();
let exitHook = false;

export interface AcquireOptions {
  /** Stale bound in seconds (default {@link staleSeconds}). */
  staleSeconds?: number;
  /** Told when a stale lock is taken over. */
  onNotice?: (message: string) => void;
  /** Recorded in the lock ("run", "sweep worker" …). */
  purpose?: string;
}

/**
 * Takes the lock of run folder `dir` (created if needed): atomically creates
 * `dir/matsense.lock`; a lock held by a live writer throws {@link LockedError}; a stale
 * one is moved aside (atomic rename, so of two processes taking over only one wins) and
 * replaced, with a notice.
 */
export function acquireRunLock(dir: string, opts: AcquireOptions = {}): RunLock {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  const startTicks = processStartTicks(process.pid);
  const info: LockInfo = {
    pid: process.pid,
    host: os.hostname(),
    started: new Date().toISOString(),
    ...(opts.purpose ? { purpose: opts.purpose } : {}),
    ...(startTicks !== undefined ? { startTicks } : {}),
  };
  const text = JSON.stringify(info) + "\n";
  const bound = staleSeconds(opts.staleSeconds);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = fs.openSync(file, "wx");
      try {
        fs.writeSync(fd, text);
      } catch (e) {
        // e.g. a full disk: an empty lock would read as another writer's
        fs.closeSync(fd);
        fs.rmSync(file, { force: true });
        throw fileError(e, file);
      }
      fs.closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw fileError(e, file);
    }
    const reason = staleReason(dir, bound);
    if (reason === undefined || attempt >= 3) throw new LockedError(dir, readLock(dir));
    const before = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    const aside = `${file}.stale-${process.pid}-${attempt}`;
    try {
      fs.renameSync(file, aside);
    } catch {
      continue; // someone else moved it first: try again
    }
    if (fs.readFileSync(aside, "utf8") !== before) {
      // a live lock was created between our check and the rename: put it back
      try {
        fs.linkSync(aside, file);
      } catch {
        /* someone already took the folder */
      }
      fs.rmSync(aside, { force: true });
      throw new LockedError(dir, readLock(dir));
    }
    fs.rmSync(aside, { force: true });
    opts.onNotice?.(`took over the lock of ${dir}: ${reason}`);
  }
  let last = Date.now();
  let released = false;
  const lock: RunLock = {
    dir,
    heartbeat() {
      const now = Date.now();
      if (released || now - last < HEARTBEAT_SECONDS * 1000) return;
      last = now;
      try {
        fs.utimesSync(file, now / 1000, now / 1000);
      } catch {
        /* a lost heartbeat only makes the lock look older */
      }
    },
    release() {
      if (released) return;
      released = true;
      held.delete(lock);
      try {
        if (fs.readFileSync(file, "utf8") === text) fs.rmSync(file, { force: true });
      } catch {
        /* already gone */
      }
    },
  };
  held.add(lock);
  if (!exitHook) {
    exitHook = true;
    process.on("exit", () => {
      for (const l of [...held]) l.release();
    });
  }
  return lock;
}
