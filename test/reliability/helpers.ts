import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The CLI under test (MATSENSE_TEST_BIN points it at another build, e.g. to show a test fails on main). */
export const bin = process.env.MATSENSE_TEST_BIN ?? path.resolve(import.meta.dirname, "..", "..", "bin", "matsense.js");
export const built = fs.existsSync(path.resolve(import.meta.dirname, "..", "..", "dist", "cli", "main.js"));

export function tmp(prefix = "matsense-rel-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Starts the built CLI; `done` resolves with the exit code (or the killing signal) and stderr. */
export function start(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }> } {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  // never leave a process behind: a child still running after 90 s is killed (and the test fails on its exit)
  const guard = setTimeout(() => child.kill("SIGKILL"), 90_000);
  child.on("exit", () => clearTimeout(guard));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, err })),
  );
  return { child, done };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `file` exists (polling), up to `ms`. */
export async function waitFor(file: string, ms = 30_000): Promise<boolean> {
  const t0 = Date.now();
  while (!fs.existsSync(file)) {
    if (Date.now() - t0 > ms) return false;
    await sleep(20);
  }
  return true;
}

/** Waits until the CSV `file` holds at least `rows` data rows (the run is under way), up to `ms`. */
export async function waitForRows(file: string, rows: number, ms = 30_000): Promise<boolean> {
  const t0 = Date.now();
  const count = () => (fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").length - 2 : -1);
  while (count() < rows) {
    if (Date.now() - t0 > ms) return false;
    await sleep(20);
  }
  return true;
}

/** metrics.csv without the wall-time column `seconds` (the only column that may differ between identical runs). */
export function metricsWithoutTime(runDir: string): string {
  return csvWithoutSeconds(path.join(runDir, "metrics.csv"));
}

/** A metrics CSV file's text without its `seconds` column. */
export function csvWithoutSeconds(file: string): string {
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const col = lines[0].split(",").indexOf("seconds");
  return lines
    .map((l) =>
      l
        .split(",")
        .filter((_, i) => i !== col)
        .join(","),
    )
    .join("\n");
}

/**
 * Checks that a run folder is complete and self-consistent: config.json, metrics.csv with
 * header + one row per recorded iteration, strictly increasing iterations ending at
 * summary.iterations, no partial file, no lock. Returns the problems found.
 */
export function runFolderProblems(runDir: string, expectedSeed?: number): string[] {
  const p: string[] = [];
  for (const f of ["config.json", "metrics.csv", "summary.json"]) if (!fs.existsSync(path.join(runDir, f))) p.push(`${f} missing`);
  if (p.length) return p;
  if (fs.existsSync(path.join(runDir, "metrics.csv.partial"))) p.push("metrics.csv.partial left");
  if (fs.existsSync(path.join(runDir, "matsense.lock"))) p.push("lock left");
  const s = JSON.parse(fs.readFileSync(path.join(runDir, "summary.json"), "utf8"));
  const c = JSON.parse(fs.readFileSync(path.join(runDir, "config.json"), "utf8"));
  if (expectedSeed !== undefined && c.seed !== expectedSeed) p.push(`config seed ${c.seed} ≠ ${expectedSeed}`);
  const lines = fs.readFileSync(path.join(runDir, "metrics.csv"), "utf8").trim().split("\n");
  const its = lines.slice(1).map((l) => Number(l.split(",")[0]));
  for (let i = 1; i < its.length; i++) if (!(its[i] > its[i - 1])) p.push(`iterations not increasing at row ${i}`);
  if (its[its.length - 1] !== s.iterations) p.push(`last row ${its[its.length - 1]} ≠ summary.iterations ${s.iterations}`);
  return p;
}

/** Writes `grid` to ROOT/grid.json in a new temp folder ROOT and runs it uninterrupted on one worker into ROOT/ref (the reference). */
export async function referenceSweep(grid: unknown): Promise<{ root: string; gridFile: string; ref: string }> {
  const root = tmp();
  const gridFile = path.join(root, "grid.json");
  fs.writeFileSync(gridFile, JSON.stringify(grid));
  const ref = path.join(root, "ref");
  const r = await start(["sweep", "-q", "-w", "1", "-g", gridFile, "--out", ref]).done;
  if (r.code !== 0) throw new Error(`the reference sweep exited with ${r.code}: ${r.err}`);
  return { root, gridFile, ref };
}
