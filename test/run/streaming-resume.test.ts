/**
 * Issue 25.5: a resume never holds the recorded rows in memory. It reads metrics.csv line by
 * line, keeps the rows before the checkpoint as a byte prefix (cut in place in the run's own
 * metrics.csv.partial, copied in blocks from a finished metrics.csv) and continues bit for bit.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { fileLines } from "../../src/io/files.js";
import { ResumeError, prepareResume } from "../../src/run/checkpoint.js";
import { executeRun } from "../../src/run/runFolder.js";
import { metricsWithoutTime } from "../reliability/helpers.js";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "matsense-sresume-"));

const config = {
  seed: 2,
  problem: { n: 10, rank: 2 },
  operator: { type: "gaussian" as const, m: 200, backend: "ts" as const },
  model: { type: "asymmetric" as const, k: 3 },
  init: { alpha: 0.01 },
  method: { name: "gd" as const, stepSize: 0.1 },
  record: { every: 2 },
  stop: { maxIterations: 60 },
};

/** A run interrupted at iteration 31 (its checkpoint), turned into the folder of a killed run: no summary, a partial metrics file. */
function killedRun(dir: string, tail: string): void {
  let t = 0;
  executeRun(config, dir, { shouldStop: () => ++t > 31 });
  fs.rmSync(path.join(dir, "summary.json"));
  fs.renameSync(path.join(dir, "metrics.csv"), path.join(dir, "metrics.csv.partial"));
  fs.appendFileSync(path.join(dir, "metrics.csv.partial"), tail);
}

describe("resume streams the metrics rows it keeps", () => {
  it("cuts a killed run's partial file after the rows before its checkpoint, in place, and continues bitwise", () => {
    const full = tmp(),
      killed = tmp();
    executeRun(config, full);
    // rows the killed attempt wrote past its checkpoint, and a last line cut mid-write
    killedRun(killed, "32,0,1,1,1\n34,0,1,1,1\n36,0.1,2");
    const r = prepareResume(killed, []);
    expect(r.resume.state.iteration).toBe(31);
    expect(r.resume.metricsFile).toBe(path.join(killed, "metrics.csv.partial"));
    // the prefix: the header and the rows 0, 2, …, 30 (16 rows), by their bytes
    const text = fs.readFileSync(path.join(killed, "metrics.csv.partial"), "utf8");
    const kept = text.split("\n").slice(0, 17);
    expect(r.resume.metricsBytes).toBe(Buffer.byteLength(kept.join("\n") + "\n"));
    executeRun(r.config, killed, { resume: r.resume });
    expect(metricsWithoutTime(killed)).toBe(metricsWithoutTime(full));
  });

  it("refuses a prefix that is not the file's first rows (an empty line or a row out of order before the checkpoint)", () => {
    const dir = tmp();
    killedRun(dir, "");
    const file = path.join(dir, "metrics.csv.partial");
    const lines = fs.readFileSync(file, "utf8").split("\n");
    fs.writeFileSync(file, [...lines.slice(0, 5), "", ...lines.slice(5)].join("\n"));
    expect(() => prepareResume(dir, [])).toThrow(ResumeError);
    expect(() => prepareResume(dir, [])).toThrow(/rows out of order before iteration 8/);
    fs.writeFileSync(file, [...lines.slice(0, 5), ...lines.slice(6)].join("\n"));
    expect(() => prepareResume(dir, [])).toThrow(/lacks the row of iteration 8/);
  });
});

describe("fileLines", () => {
  it("gives every complete line with the byte offset past its line end, across 1 MiB blocks, and drops a cut last line", () => {
    const dir = tmp();
    const file = path.join(dir, "t.txt");
    // lines of 1 to 300 bytes (some multi-byte characters) over about 3 MiB, then a line without "\n"
    const lines: string[] = [];
    for (let i = 0, bytes = 0; bytes < 3 << 20; i++) {
      const l = (i % 7 === 0 ? "é" : "x").repeat(1 + ((i * 37) % 150));
      lines.push(l);
      bytes += Buffer.byteLength(l) + 1;
    }
    fs.writeFileSync(file, lines.join("\n") + "\nlast, cut");
    let end = 0,
      i = 0;
    for (const line of fileLines(file)) {
      end += Buffer.byteLength(lines[i]) + 1;
      expect(line.text).toBe(lines[i]);
      expect(line.end).toBe(end);
      i++;
    }
    expect(i).toBe(lines.length);
  });
});
