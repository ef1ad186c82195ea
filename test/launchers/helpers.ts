/** Helpers of the cluster tests: the built CLI in a child process, waiting, temp folders. */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const root = path.resolve(__dirname, "../..");
export const cliPath = path.join(root, "bin", "matsense.js");

export function tmp(label = "cluster"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `matsense-${label}-`));
}

/** Runs the built CLI to completion. */
export function cliSync(args: string[], env: NodeJS.ProcessEnv = {}): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: "utf8", env: { ...process.env, ...env } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** Starts the built CLI in the background, collecting its output. */
export function cliSpawn(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "",
    err = "";
  child.stdout!.on("data", (d) => void (out += d));
  child.stderr!.on("data", (d) => void (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, out: () => out, err: () => err, exited };
}

/** Polls `cond` every 100 ms until true; throws after `timeoutMs` with `what`. */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A run that takes `seconds` (stopped by stop.maxSeconds → status time-limit). */
export function slowBase(seconds: number): Record<string, unknown> {
  return {
    problem: { n: 30, rank: 2 },
    operator: { m: 1500 },
    init: { alpha: 0.001 },
    model: { k: 3 },
    stop: { maxIterations: 100000000, maxSeconds: seconds },
    record: { schedule: "log", perDecade: 10 },
  };
}

/** Checks a finished run folder: summary.json parses, metrics.csv is complete and well formed. */
export function checkRunFolder(dir: string): { status: string; rows: number } {
  const summary = JSON.parse(fs.readFileSync(path.join(dir, "summary.json"), "utf8")) as { status: string };
  const lines = fs.readFileSync(path.join(dir, "metrics.csv"), "utf8").split("\n");
  if (lines.pop() !== "") throw new Error(`${dir}/metrics.csv does not end with a newline`);
  const width = lines[0].split(",").length;
  let last = -1;
  for (const l of lines.slice(1)) {
    const cells = l.split(",");
    if (cells.length !== width) throw new Error(`${dir}/metrics.csv: row with ${cells.length} cells, header has ${width}`);
    const it = Number(cells[0]);
    if (!(it > last)) throw new Error(`${dir}/metrics.csv: iterations not increasing`);
    last = it;
  }
  if (fs.existsSync(path.join(dir, "metrics.csv.partial"))) throw new Error(`${dir} still has metrics.csv.partial`);
  return { status: summary.status, rows: lines.length - 1 };
}
