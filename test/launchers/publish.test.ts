import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { publishRun, reclaimStaging, stagingDir } from "../../src/launchers/publish.js";
import { acquireRunLock } from "../../src/run/lock.js";
import { sweepResumePoint } from "../../src/sweep/resume.js";
import { executeRun } from "../../src/run/runFolder.js";
import { metricsWithoutTime as metrics } from "../reliability/helpers.js";

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "matsense-publish-"));
}

/** A real tiny finished run (the validating reader refuses hand-made folders), tagged in tag.txt. */
function fakeRun(dir: string, status: string, tag: string): void {
  const { summary } = executeRun({ problem: { n: 4 }, operator: { backend: "ts" }, stop: { maxIterations: 2 } }, dir);
  expect(summary.status).toBe(status);
  fs.writeFileSync(path.join(dir, "tag.txt"), tag);
}

describe("publishRun (atomic run folders for at-least-once queues)", () => {
  it("moves a finished staging folder into place", () => {
    const d = tmp();
    const s = stagingDir(d, "r");
    fakeRun(s, "max-iterations", "a");
    expect(publishRun(s, path.join(d, "r"))).toBe("published");
    expect(fs.readFileSync(path.join(d, "r", "tag.txt"), "utf8")).toBe("a");
    expect(fs.existsSync(s)).toBe(false);
  });

  it("leaves a finished result untouched and drops the second attempt", () => {
    const d = tmp();
    fakeRun(path.join(d, "r"), "max-iterations", "first");
    const s = stagingDir(d, "r");
    fakeRun(s, "max-iterations", "second");
    expect(publishRun(s, path.join(d, "r"))).toBe("duplicate");
    expect(fs.readFileSync(path.join(d, "r", "tag.txt"), "utf8")).toBe("first");
    expect(fs.existsSync(s)).toBe(false);
  });

  it("replaces an unfinished folder (a run killed mid-way or interrupted) as a whole", () => {
    const d = tmp();
    // a run killed mid-way: its config.json (with matsense's provenance, written first) and a partial metrics.csv
    executeRun({ problem: { n: 4 }, operator: { backend: "ts" }, stop: { maxIterations: 2 } }, path.join(d, "r"));
    fs.rmSync(path.join(d, "r", "summary.json"));
    fs.renameSync(path.join(d, "r", "metrics.csv"), path.join(d, "r", "metrics.csv.partial"));
    const s = stagingDir(d, "r");
    fakeRun(s, "max-iterations", "new");
    const files = fs.readdirSync(s).sort();
    expect(publishRun(s, path.join(d, "r"))).toBe("replaced");
    expect(fs.readdirSync(path.join(d, "r")).sort()).toEqual(files);
    expect(fs.readdirSync(path.dirname(s))).toEqual([]);
  });

  it("never replaces a run folder holding a file matsense did not write: refused naming it, both folders kept", () => {
    const d = tmp();
    const target = path.join(d, "r");
    const { summary } = executeRun({ problem: { n: 4 }, operator: { backend: "ts" }, stop: { maxIterations: 2 } }, target, { shouldStop: () => true });
    expect(summary.status).toBe("interrupted");
    fs.writeFileSync(path.join(target, "notes.txt"), "mine");
    const before = fs.readdirSync(target).sort();
    const s = stagingDir(d, "r");
    fakeRun(s, "max-iterations", "new");
    expect(() => publishRun(s, target)).toThrow(/holds files matsense did not write \(notes\.txt\)/);
    expect(fs.readdirSync(target).sort()).toEqual(before);
    expect(fs.readFileSync(path.join(target, "notes.txt"), "utf8")).toBe("mine");
    expect(fs.readFileSync(path.join(s, "tag.txt"), "utf8")).toBe("new");
  });

  it("gives distinct staging folders to concurrent attempts", () => {
    const d = tmp();
    expect(stagingDir(d, "r")).not.toBe(stagingDir(d, "r"));
  });
});

describe("reclaimStaging (queue attempts killed or interrupted continue from their checkpoint)", () => {
  const config = { problem: { n: 10, rank: 2 }, operator: { backend: "ts" as const }, stop: { maxIterations: 300, targetRelError: 0 } };

  it("renames the dead attempt with the latest checkpoint to the new staging folder, deletes the other dead ones, keeps a live one", () => {
    const d = tmp();
    const ref = path.join(d, "ref");
    executeRun(config, ref);
    // an interrupted attempt (its final checkpoint at iteration 120), a dead one with nothing, a live one
    const interrupted = stagingDir(d, "r");
    let n = 0;
    expect(executeRun(config, interrupted, { shouldStop: () => ++n > 120 }).summary.status).toBe("interrupted");
    const empty = stagingDir(d, "r");
    fs.mkdirSync(empty);
    const live = stagingDir(d, "r");
    fs.mkdirSync(live);
    const lock = acquireRunLock(live);
    const other = stagingDir(d, "r2");
    fs.mkdirSync(other);

    const mine = stagingDir(d, "r");
    expect(reclaimStaging(d, "r", mine)).toBe(true);
    expect(fs.existsSync(interrupted) || fs.existsSync(empty)).toBe(false);
    expect(fs.existsSync(live) && fs.existsSync(other)).toBe(true);
    const resume = sweepResumePoint(mine, config);
    expect(resume?.state.iteration).toBeGreaterThan(100);
    const { summary } = executeRun(config, mine, { resume });
    expect(summary.attempts).toEqual([
      { from: 0, iterations: resume!.state.iteration },
      { from: resume!.state.iteration, iterations: 300 - resume!.state.iteration },
    ]);
    expect(metrics(mine)).toBe(metrics(ref));
    expect(publishRun(mine, path.join(d, "r"))).toBe("published");
    lock.release();
    // the formerly live attempt is dead now and has no checkpoint: deleted, and a new attempt starts from scratch
    expect(reclaimStaging(d, "r", stagingDir(d, "r"))).toBe(false);
    expect(fs.existsSync(live)).toBe(false);
  });
});
