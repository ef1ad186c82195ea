/**
 * Signals (issue 15.5): SIGTERM and SIGHUP (Slurm, Kubernetes, a closed terminal) and
 * SIGUSR1 (Slurm's warning before a time limit) end a run like Ctrl-C — status
 * "interrupted", exit 130, every file written — within ~1 s; a second signal exits at once.
 * On main, SIGTERM/SIGHUP killed the process with no summary.json, and SIGUSR1 opened the
 * inspector and let the run continue.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { built, runFolderProblems, sleep, start, tmp, waitForRows } from "./helpers.js";

const longRun = (dir: string) => ["run", "-q", "--out", dir, "--set", "problem.n=30", "--set", "stop.maxIterations=100000000"];

describe.skipIf(!built)("signals end runs and sweeps cleanly (needs `npm run build`)", () => {
  for (const sig of ["SIGTERM", "SIGHUP", "SIGUSR1"] as const) {
    it(`${sig} ends a run as interrupted with complete files, exit 130, within ~1 s`, async () => {
      const dir = path.join(tmp(), "r");
      const p = start(longRun(dir));
      expect(await waitForRows(path.join(dir, "metrics.csv.partial"), 20)).toBe(true);
      const t0 = Date.now();
      p.child.kill(sig);
      const r = await p.done;
      // the requirement is ~1 s; 2 s leaves room for a loaded 2-core CI machine
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(r.code, r.err).toBe(130);
      expect(r.err).toContain(`${sig} received`);
      expect(JSON.parse(fs.readFileSync(path.join(dir, "summary.json"), "utf8")).status).toBe("interrupted");
      expect(runFolderProblems(dir)).toEqual([]);
    });
  }

  it("a second signal exits at once with 128 + its number, and the run's lock is released", async () => {
    // a child that holds a run-folder lock and is busy in synchronous code (like a long
    // iteration) while two signals arrive; both handlers then run back to back
    const dir = path.join(tmp(), "r");
    const dist = path.resolve(import.meta.dirname, "..", "..", "dist");
    const script = `
      const { installInterruptHandlers } = await import(${JSON.stringify(pathToFileURL(path.join(dist, "cli", "signals.js")).href)});
      const { acquireRunLock } = await import(${JSON.stringify(pathToFileURL(path.join(dist, "run", "lock.js")).href)});
      installInterruptHandlers();
      acquireRunLock(${JSON.stringify(dir)});
      process.stdout.write("ready\\n");
      const t = Date.now(); while (Date.now() - t < 1500) {}
      setTimeout(() => process.exit(0), 1000);`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    await new Promise<void>((resolve) => child.stdout.on("data", () => resolve()));
    child.kill("SIGINT");
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    // both signals are pending while the child is busy; Node may run their handlers in either
    // order, so the second one handled is SIGTERM (exit 143) or SIGINT (exit 130)
    const second = /second signal \((SIGINT|SIGTERM)\), exiting at once/.exec(err);
    expect(second, err).not.toBeNull();
    expect(err).toMatch(/(interrupt|SIGINT|SIGTERM) received[\s\S]*second signal/);
    expect(code, err).toBe(second![1] === "SIGTERM" ? 143 : 130);
    expect(fs.existsSync(path.join(dir, "matsense.lock"))).toBe(false);
  });

  it("once the first signal has been handled, a second one ends the process at once even in a long synchronous step", async () => {
    // the first SIGINT is handled while the event loop is free; the process then enters a 6 s
    // synchronous step (like building a large operator); before, the second signal waited for its end
    const dist = path.resolve(import.meta.dirname, "..", "..", "dist");
    const script = `
      const { installInterruptHandlers } = await import(${JSON.stringify(pathToFileURL(path.join(dist, "cli", "signals.js")).href)});
      const h = installInterruptHandlers();
      process.stdout.write("ready\\n");
      const poll = setInterval(() => {
        if (!h.stop()) return;
        clearInterval(poll);
        process.stdout.write("busy\\n");
        const t = Date.now(); while (Date.now() - t < 6000) {}
        process.exit(0);
      }, 5);`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "",
      err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal })),
    );
    const until = async (cond: () => boolean) => {
      for (const t = Date.now(); !cond() && Date.now() - t < 20_000; ) await sleep(5);
    };
    await until(() => out.includes("ready"));
    child.kill("SIGINT");
    await until(() => out.includes("busy"));
    expect(out).toContain("busy");
    const t0 = Date.now();
    child.kill("SIGTERM");
    const r = await exited;
    expect(Date.now() - t0, err).toBeLessThan(2000);
    expect(r.signal, err).toBe("SIGTERM");
    expect(err).toContain("interrupt received");
  });

  for (const workers of [1, 2]) {
    it(`SIGTERM ends a sweep on ${workers} worker(s): in-flight runs interrupted with complete files, the rest skipped, exit 130`, async () => {
      const root = tmp();
      const grid = path.join(root, "grid.json");
      fs.writeFileSync(
        grid,
        JSON.stringify({
          name: "s",
          base: { problem: { n: 30, rank: 2 }, operator: { m: 900 }, stop: { maxIterations: 60000 } },
          vary: { "model.k": [2, 3] },
          seeds: 3,
        }),
      );
      const dir = path.join(root, "S");
      const p = start(["sweep", "-q", "-w", String(workers), "-g", grid, "--out", dir]);
      expect(await waitForRows(path.join(dir, "model.k=2__seed=0", "metrics.csv.partial"), 20)).toBe(true);
      const t0 = Date.now();
      p.child.kill("SIGTERM");
      const r = await p.done;
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(r.code, r.err).toBe(130);
      const m = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
      expect(m.counts.interrupted).toBeGreaterThanOrEqual(1);
      expect(m.counts.interrupted).toBeLessThanOrEqual(workers);
      for (const e of m.runs) if (e.status === "interrupted") expect(runFolderProblems(path.join(dir, e.id))).toEqual([]);
    });
  }
});
