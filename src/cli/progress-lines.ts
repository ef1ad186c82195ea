/**
 * Plain progress lines for logs without a terminal (Slurm logs, CI, nohup): one line per
 * finished run of a sweep, and for a single long run one line every ~10 s.
 */
import type { ManifestEntry } from "../results/manifest.js";

/** 75 s → "1m15s". */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "—";
  const t = Math.round(s);
  if (t < 60) return `${t}s`;
  if (t < 3600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, "0")}s`;
  return `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, "0")}m`;
}

function sci(v: number | undefined): string {
  return v === undefined || Number.isNaN(v) ? "—" : v.toExponential(2);
}

/**
 * `matsense: [3/24] <id> converged in 1.2 s (rel_error 3.1e-11); 0 failed; eta 42s` — the
 * ETA is elapsed / done × remaining (runs of a sweep take similar times).
 */
export function progressLine(done: number, total: number, e: ManifestEntry, failed: number, elapsedSeconds: number): string {
  const eta = done > 0 ? formatSeconds((elapsedSeconds / done) * (total - done)) : "—";
  const what =
    e.status === "failed"
      ? `failed: ${e.error ?? "unknown error"}`
      : `${e.status}${e.seconds !== undefined ? ` in ${e.seconds.toFixed(1)} s` : ""} (rel_error ${sci(e.final_rel_error)})`;
  return `matsense: [${done}/${total}] ${e.id} ${what}; ${failed} failed; eta ${eta}`;
}

/**
 * Prints a line at most every `everySeconds` (default 10) for a single run:
 * `matsense: iteration 1200/5000, rel_error 3.2e-5, 850 it/s, eta 4s`.
 */
export class RunTicker {
  private last: number;
  private readonly start: number;

  constructor(
    private readonly total: number,
    private readonly write: (s: string) => void,
    private readonly everySeconds = 10,
    private readonly now = () => Date.now() / 1000,
  ) {
    this.start = this.now();
    this.last = this.start;
  }

  update(iteration: number, relError?: number): void {
    const t = this.now();
    if (t - this.last < this.everySeconds) return;
    this.last = t;
    const rate = iteration / Math.max(t - this.start, 1e-9);
    const eta = this.total > 0 && rate > 0 ? formatSeconds((this.total - iteration) / rate) : "—";
    this.write(
      `matsense: iteration ${iteration}${this.total > 0 ? `/${this.total}` : ""}, rel_error ${sci(relError)}, ` +
        `${rate >= 10 ? rate.toFixed(0) : rate.toPrecision(2)} it/s, eta ${eta}\n`,
    );
  }
}
