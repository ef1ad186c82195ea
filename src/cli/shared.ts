import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { parseBytes } from "../catalogue/memory.js";
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
  constructor(message: string, readonly exitCode = 2) {
    super(message);
  }
}

/** Reads a JSON config file with a clear error on failure. */
export function readJsonFile(file: string, what = "config"): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${what} file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("the top level must be a JSON object");
    return v as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`${what} file ${file} is not valid JSON: ${(e as Error).message}`);
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

/** Parses `--max-memory` (bytes, or with a unit: 3GB, 512MiB); a bad value is a usage error naming the flag. */
export function parseMaxMemory(text: string): number {
  try {
    return parseBytes(text);
  } catch (e) {
    throw new UsageError(`--max-memory ${(e as Error).message}`);
  }
}
