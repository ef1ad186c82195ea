import * as fs from "node:fs";
import { fileError } from "../io/files.js";
import type { ManifestEntry } from "./manifest.js";

/**
 * The append-only status log of a sweep: one JSON line per finished run
 * (`{"time": ISO-8601, "id", "status", "iterations", "seconds", "final_rel_error", "error"}`),
 * appended as runs end. It replaces rewriting the whole manifest after every run (which
 * cost O(runs²) bytes: 315 MB per write for a 10⁶-run grid). It is a journal for humans
 * and tools; resume and `aggregate` read the run folders, not this file. Each line is
 * written with one `write` on a file opened with O_APPEND, so concurrent writers (workers,
 * shards on one machine) never interleave inside a line.
 */
export class StatusLog {
  constructor(readonly file: string) {}

  append(e: ManifestEntry): void {
    const line =
      JSON.stringify({
        time: new Date().toISOString(),
        id: e.id,
        status: e.status,
        ...(e.iterations !== undefined ? { iterations: e.iterations } : {}),
        ...(e.seconds !== undefined ? { seconds: e.seconds } : {}),
        ...(e.final_rel_error !== undefined ? { final_rel_error: e.final_rel_error } : {}),
        ...(e.error !== undefined ? { error: e.error } : {}),
      }) + "\n";
    try {
      fs.appendFileSync(this.file, line);
    } catch (e) {
      throw fileError(e, this.file);
    }
  }
}

/** status.jsonl, or status.shard-<i>-of-<N>.jsonl for a shard (like the manifest's name). */
export function statusLogFile(shard?: { index: number; count: number }): string {
  return shard && shard.count > 1 ? `status.shard-${shard.index}-of-${shard.count}.jsonl` : "status.jsonl";
}
