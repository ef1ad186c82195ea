/**
 * Slurm job arrays for sweeps: the array script (task i runs `sweep --shard i/N`) and the
 * dependent aggregation script, their option checks, and submission through `sbatch`.
 * Slurm does the scheduling; matsense only writes the scripts.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic, writeJsonAtomic } from "../io/files.js";

/** Options of `matsense slurm`, validated. */
export interface SlurmOptions {
  /** Absolute sweep folder. */
  dir: string;
  /** Number of array tasks = shards. */
  shards: number;
  /** At most this many tasks at a time (`%K`). */
  throttle?: number;
  /** Time limit per task, as Slurm takes it (e.g. 02:00:00). */
  time?: string;
  cpusPerTask: number;
  /** Memory per task (e.g. 4G). */
  mem?: string;
  partition?: string;
  /** Raw #SBATCH lines added to both scripts. */
  extra: string[];
  /** Job name. */
  name: string;
  /** Absolute path of bin/matsense.js. */
  cli: string;
  /** Absolute path of node. */
  node: string;
}

/** An invalid option: one line naming it, the value and what is allowed. */
export class SlurmOptionError extends Error {}

/** Slurm time formats: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. */
const TIME_RE = /^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2})$/;

/** Seconds of a Slurm time limit. */
export function slurmTimeSeconds(t: string): number {
  let days = 0;
  let rest = t;
  const dash = t.indexOf("-");
  if (dash >= 0) {
    days = Number(t.slice(0, dash));
    rest = t.slice(dash + 1);
    const [h = 0, m = 0, s = 0] = rest.split(":").map(Number);
    return days * 86400 + h * 3600 + m * 60 + s;
  }
  const p = rest.split(":").map(Number);
  if (p.length === 1) return p[0] * 60;
  if (p.length === 2) return p[0] * 60 + p[1];
  return p[0] * 3600 + p[1] * 60 + p[2];
}

function positiveInt(v: string | undefined, option: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === "" || !Number.isInteger(n) || n < 1) throw new SlurmOptionError(`${option} must be a positive integer (got ${JSON.stringify(v)})`);
  return n;
}

/** The raw CLI options of `matsense slurm`. */
export interface SlurmCliInput {
  shards?: string;
  throttle?: string;
  time?: string;
  cpusPerTask?: string;
  mem?: string;
  partition?: string;
  extra?: string;
}

/** Validates the CLI options (throws SlurmOptionError with one line naming the option). */
export function parseSlurmOptions(raw: SlurmCliInput, dir: string, name: string): SlurmOptions {
  const shards = positiveInt(raw.shards, "--shards");
  if (shards === undefined) throw new SlurmOptionError("--shards is required (the number of array tasks, e.g. --shards 8)");
  const throttle = positiveInt(raw.throttle, "--throttle");
  const cpusPerTask = positiveInt(raw.cpusPerTask, "--cpus-per-task") ?? 1;
  if (raw.time !== undefined && !TIME_RE.test(raw.time)) {
    throw new SlurmOptionError(`--time must be a Slurm time limit: minutes, MM:SS, HH:MM:SS or D-HH:MM:SS (got ${JSON.stringify(raw.time)})`);
  }
  if (raw.mem !== undefined && !/^\d+[KMGT]?$/i.test(raw.mem)) {
    throw new SlurmOptionError(`--mem must be a size such as 4000, 500M or 4G (got ${JSON.stringify(raw.mem)})`);
  }
  if (raw.partition !== undefined && !/^[A-Za-z0-9_.,-]+$/.test(raw.partition)) {
    throw new SlurmOptionError(`--partition must be a partition name (letters, digits, _ . , -) (got ${JSON.stringify(raw.partition)})`);
  }
  const extra = (raw.extra ?? "")
    .split(/\n|;/)
    .map((l) => l.trim())
    .filter(Boolean);
  for (const l of extra) {
    if (!/^#SBATCH\s+--?[A-Za-z]/.test(l)) throw new SlurmOptionError(`--extra takes #SBATCH lines separated by newlines or ';' (got ${JSON.stringify(l)})`);
  }
  return {
    dir,
    shards,
    throttle,
    time: raw.time,
    cpusPerTask,
    mem: raw.mem,
    partition: raw.partition,
    extra,
    name: name.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 40) || "sweep",
    cli: matsenseCli(),
    node: process.execPath,
  };
}

/** The absolute path of this installation's bin/matsense.js. */
export function matsenseCli(): string {
  // dist/launchers/slurm.js (or src/launchers/slurm.ts) → ../../bin/matsense.js
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "matsense.js");
}

/** Quotes a word for bash. */
export function shQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function commonHeader(o: SlurmOptions): string[] {
  const h: string[] = [];
  if (o.partition) h.push(`#SBATCH --partition=${o.partition}`);
  h.push(...o.extra);
  return h;
}

/** Seconds before the time limit at which Slurm sends SIGUSR1 (a tenth of the limit, 10 s to 5 min). */
export function warnSeconds(time: string): number {
  return Math.max(10, Math.min(300, Math.floor(slurmTimeSeconds(time) / 10)));
}

/**
 * The job-array script: task i runs the sweep's shard i of N (N written out: after a
 * partial resubmission Slurm's task count is not N) with the kernel threads of
 * SLURM_CPUS_PER_TASK. The task `exec`s node itself, so scancel's SIGTERM (and the
 * pre-timeout SIGUSR1 of `--signal=B:USR1@…`) reaches the sweep, which ends its run
 * "interrupted" with complete files and exits non-zero.
 */
export function arrayScript(o: SlurmOptions): string {
  const slurmDir = path.join(o.dir, "slurm");
  const lines = [
    "#!/bin/bash",
    `#SBATCH --job-name=matsense-${o.name}`,
    `#SBATCH --array=0-${o.shards - 1}${o.throttle ? `%${o.throttle}` : ""}`,
    `#SBATCH --output=${slurmDir}/task-%A_%a.log`,
    `#SBATCH --cpus-per-task=${o.cpusPerTask}`,
    "#SBATCH --ntasks=1",
    ...(o.time ? [`#SBATCH --time=${o.time}`, `#SBATCH --signal=B:USR1@${warnSeconds(o.time)}`] : []),
    ...(o.mem ? [`#SBATCH --mem=${o.mem}`] : []),
    ...commonHeader(o),
    "",
    `# Written by \`matsense slurm\`. Task i runs shard i of ${o.shards}; resubmit unfinished shards with`,
    `#   sbatch --array=$(${shQuote(o.node)} ${shQuote(o.cli)} missing ${shQuote(o.dir)} --shards ${o.shards}) ${shQuote(path.join(slurmDir, "array.sbatch"))}`,
    "set -eu",
    `: "\${SLURM_ARRAY_TASK_ID:?run this script with sbatch (it is a job array)}"`,
    "# a run folder locked by a task that died on another node (SIGKILL, node failure) is taken",
    "# over once its lock has not been refreshed for this long (live writers refresh it every 30 s)",
    `export MATSENSE_LOCK_STALE_SECONDS="\${MATSENSE_LOCK_STALE_SECONDS:-300}"`,
    `exec ${shQuote(o.node)} ${shQuote(o.cli)} sweep --grid ${shQuote(path.join(o.dir, "grid.json"))} --out ${shQuote(o.dir)} \\`,
    `  --shard "$SLURM_ARRAY_TASK_ID/${o.shards}" --cpus "\${SLURM_CPUS_PER_TASK:-${o.cpusPerTask}}"`,
    "",
  ];
  return lines.join("\n");
}

/** The aggregation job (run after the array with --dependency=afterany:JID). */
export function aggregateScript(o: SlurmOptions): string {
  const slurmDir = path.join(o.dir, "slurm");
  return [
    "#!/bin/bash",
    `#SBATCH --job-name=matsense-${o.name}-aggregate`,
    `#SBATCH --output=${slurmDir}/aggregate-%j.log`,
    "#SBATCH --cpus-per-task=1",
    "#SBATCH --ntasks=1",
    ...(o.mem ? [`#SBATCH --mem=${o.mem}`] : []),
    ...commonHeader(o),
    "",
    "# Written by `matsense slurm`: merges all shards into runs.csv, curves.csv and manifest.json.",
    "set -eu",
    `${shQuote(o.node)} ${shQuote(o.cli)} status ${shQuote(o.dir)} --shards ${o.shards} || true`,
    `exec ${shQuote(o.node)} ${shQuote(o.cli)} aggregate ${shQuote(o.dir)}`,
    "",
  ].join("\n");
}

/** Writes DIR/slurm/array.sbatch, aggregate.sbatch and slurm.json (the shard count). */
export function writeSlurmFiles(o: SlurmOptions): { array: string; aggregate: string } {
  const slurmDir = path.join(o.dir, "slurm");
  fs.mkdirSync(slurmDir, { recursive: true });
  const array = path.join(slurmDir, "array.sbatch");
  const aggregate = path.join(slurmDir, "aggregate.sbatch");
  writeFileAtomic(array, arrayScript(o));
  writeFileAtomic(aggregate, aggregateScript(o));
  writeJsonAtomic(path.join(slurmDir, "slurm.json"), {
    shards: o.shards,
    cpusPerTask: o.cpusPerTask,
    time: o.time ?? null,
    mem: o.mem ?? null,
    partition: o.partition ?? null,
  });
  return { array, aggregate };
}

/** Thrown when sbatch is missing or refuses a script. */
export class SbatchError extends Error {}

/** Runs `sbatch --parsable [args] script` and returns the job id. */
export function sbatch(script: string, args: string[] = []): string {
  const r = spawnSync("sbatch", ["--parsable", ...args, script], { encoding: "utf8" });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new SbatchError(
      code === "ENOENT" ? "sbatch not found: is this a Slurm login node? (`--emit` writes the script without submitting)" : `sbatch: ${r.error.message}`,
    );
  }
  if (r.status !== 0) throw new SbatchError(`sbatch refused ${script}: ${(r.stderr || r.stdout).trim().split("\n").pop()}`);
  const id = r.stdout.trim().split(";")[0];
  if (!/^\d+$/.test(id)) throw new SbatchError(`sbatch printed no job id (got ${JSON.stringify(r.stdout.trim())})`);
  return id;
}
