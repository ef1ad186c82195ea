import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { publishRun, stagingDir } from "../../src/cluster/publish.js";

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "matsense-publish-"));
}

function fakeRun(dir: string, status: string, tag: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "metrics.csv"), `iteration\n${tag}\n`);
  fs.writeFileSync(path.join(dir, "summary.json"), JSON.stringify({ status }));
}

describe("publishRun (atomic run folders for at-least-once queues)", () => {
  it("moves a finished staging folder into place", () => {
    const d = tmp();
    const s = stagingDir(d, "r");
    fakeRun(s, "converged", "a");
    expect(publishRun(s, path.join(d, "r"))).toBe("published");
    expect(fs.readFileSync(path.join(d, "r", "metrics.csv"), "utf8")).toBe("iteration\na\n");
    expect(fs.existsSync(s)).toBe(false);
  });

  it("leaves a finished result untouched and drops the second attempt", () => {
    const d = tmp();
    fakeRun(path.join(d, "r"), "converged", "first");
    const s = stagingDir(d, "r");
    fakeRun(s, "converged", "second");
    expect(publishRun(s, path.join(d, "r"))).toBe("duplicate");
    expect(fs.readFileSync(path.join(d, "r", "metrics.csv"), "utf8")).toBe("iteration\nfirst\n");
    expect(fs.existsSync(s)).toBe(false);
  });

  it("replaces an unfinished folder (a run killed mid-way or interrupted) as a whole", () => {
    const d = tmp();
    fs.mkdirSync(path.join(d, "r"));
    fs.writeFileSync(path.join(d, "r", "metrics.csv.partial"), "iteration\n0\n");
    const s = stagingDir(d, "r");
    fakeRun(s, "max-iterations", "new");
    expect(publishRun(s, path.join(d, "r"))).toBe("replaced");
    expect(fs.readdirSync(path.join(d, "r")).sort()).toEqual(["metrics.csv", "summary.json"]);
    expect(fs.readdirSync(path.dirname(s))).toEqual([]);
  });

  it("gives distinct staging folders to concurrent attempts", () => {
    const d = tmp();
    expect(stagingDir(d, "r")).not.toBe(stagingDir(d, "r"));
  });
});
