import * as path from "node:path";
import type { Command } from "commander";
import { JsonInputError, readJsonInput } from "../io/json.js";
import { installInterruptHandlers } from "./signals.js";

/** Where a command writes: stdout and stderr (injected, so tests capture them). */
export interface CliIO {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** A module's commands: `addXCommands(program, io)` adds them to the program. */
export type AddCommands = (program: Command, io: CliIO) => void;

/** Thrown for user errors that should print one paragraph and exit non-zero. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/**
 * Reads a JSON config or grid file strictly (src/io/json.ts: BOM accepted, duplicate keys
 * and overflowing numbers refused, syntax errors with line:column) with a clear error.
 */
export function readJsonFile(file: string, what = "config"): Record<string, unknown> {
  try {
    return readJsonInput(file, what) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof JsonInputError) throw new UsageError(e.message);
    throw e;
  }
}

/** Commander helper: collects a repeatable option into a list. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A default output folder name: matsense-runs/<label>-YYYYMMDD-HHMMSS. */
export function defaultOutDir(label: string): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
  return path.join("matsense-runs", `${label}-${stamp}`);
}

/**
 * Installs the interrupt handlers (SIGINT, SIGTERM, SIGHUP, SIGUSR1; see ./signals.ts):
 * the first signal asks runs to stop, a second one exits at once.
 */
export function interruptFlag(): { stop: () => boolean; dispose: () => void } {
  return installInterruptHandlers();
}

/** A metric for tables: 3 significant digits, or — when missing. */
export function fmt(v: number | undefined, digits = 3): string {
  if (v === undefined || Number.isNaN(v)) return "—";
  return v.toExponential(digits - 1);
}

/** Parses `--checkpoint-every` (seconds ≥ 0; undefined when not given). */
export function parseCheckpointEvery(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!(x >= 0) || !Number.isFinite(x)) throw new UsageError(`--checkpoint-every expects a number of seconds ≥ 0, got "${v}"`);
  return x;
}

/** Parses `--max-memory` (bytes, or with a unit: 3GB, 512MiB); a bad value is a usage error naming the flag. */
export async function parseMaxMemory(text: string): Promise<number> {
  const { parseBytes } = await import("../catalogue/memory.js"); // loaded on use: the config schema is not needed to start the CLI
  try {
    return parseBytes(text);
  } catch (e) {
    throw new UsageError(`--max-memory ${(e as Error).message}`);
  }
}
