import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { publishRun, stagingDir } from "../../src/launchers/publish.js";
import { executeRun } from "../../src/run/runFolder.js";

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
    fs.mkdirSync(path.join(d, "r"));
    fs.writeFileSync(path.join(d, "r", "metrics.csv.partial"), "iteration\n0\n");
    const s = stagingDir(d, "r");
    fakeRun(s, "max-iterations", "new");
    const files = fs.readdirSync(s).sort();
    expect(publishRun(s, path.join(d, "r"))).toBe("replaced");
    expect(fs.readdirSync(path.join(d, "r")).sort()).toEqual(files);
    expect(fs.readdirSync(path.dirname(s))).toEqual([]);
  });

  it("gives distinct staging folders to concurrent attempts", () => {
    const d = tmp();
    expect(stagingDir(d, "r")).not.toBe(stagingDir(d, "r"));
  });
});
