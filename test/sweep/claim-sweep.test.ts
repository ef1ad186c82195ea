/**
 * claimSweepFolder: a sweep's output folder must be a sweep folder — including one that a
 * second sweep on the same folder (a Slurm shard starting at the same moment) is creating
 * right now, when only its atomic temp file `grid.json.tmp-<pid>` is there yet.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ExistingResultError, ForeignFilesError, claimSweepFolder } from "../../src/run/claim.js";
import { parseGrid } from "../../src/config/grid.js";
import { recordGrid } from "../../src/sweep/sweep.js";

function folderWith(...names: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-claim-"));
  for (const n of names) fs.writeFileSync(path.join(dir, n), "{}");
  return dir;
}

describe("claimSweepFolder", () => {
  it("accepts an empty folder, a sweep folder, and one whose grid.json another sweep is writing", () => {
    expect(() => claimSweepFolder(folderWith(), false)).not.toThrow();
    expect(() => claimSweepFolder(folderWith("grid.json", "manifest.json"), false)).not.toThrow();
    expect(() => claimSweepFolder(folderWith("grid.json.tmp-12345"), false)).not.toThrow();
  });

  it("refuses a folder holding something else, naming what is there", () => {
    expect(() => claimSweepFolder(folderWith("notes.txt"), false)).toThrow(ExistingResultError);
    expect(() => claimSweepFolder(folderWith("grid.json.bak"), false)).toThrow(/not a sweep folder: grid\.json\.bak/);
  });

  it("--force removes the sweep files of a sweep folder matsense wrote, including temp files of interrupted atomic writes, and keeps other files", () => {
    const dir = folderWith("manifest.json.tmp-777", "status.jsonl", "notes.txt");
    recordGrid(dir, parseGrid({ name: "g", base: { problem: { n: 8 } }, seeds: 1 }));
    claimSweepFolder(dir, true);
    expect(fs.readdirSync(dir)).toEqual(["notes.txt"]);
  });

  it("--force refuses (and deletes nothing) when a sweep file name holds a file matsense did not write", () => {
    // e.g. the user's own grid file kept in the output folder, or their runs.csv
    const dir = folderWith("grid.json", "status.jsonl");
    expect(() => claimSweepFolder(dir, true)).toThrow(ForeignFilesError);
    expect(() => claimSweepFolder(dir, true)).toThrow(/grid\.json, status\.jsonl\); matsense never deletes or overwrites them/);
    expect(fs.readdirSync(dir).sort()).toEqual(["grid.json", "status.jsonl"]);
  });
});

describe("recordGrid", () => {
  const grid = (n: number) => parseGrid({ name: "g", base: { problem: { n } }, seeds: 1 });

  it("creates grid.json whole (no temp file left) and accepts the same grid again", () => {
    const dir = folderWith();
    recordGrid(dir, grid(8));
    expect(fs.readdirSync(dir)).toEqual(["grid.json"]);
    expect(() => recordGrid(dir, grid(8))).not.toThrow();
  });

  it("refuses a folder whose grid.json holds another grid and leaves that grid.json as it was", () => {
    const dir = folderWith();
    recordGrid(dir, grid(8));
    expect(() => recordGrid(dir, grid(9))).toThrow(/different grid/);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "grid.json"), "utf8")).base.problem.n).toBe(8);
  });
});
