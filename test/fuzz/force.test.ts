/**
 * Fuzzing of `--force` (issue 25, defect 1): random folders of user files — with the names
 * matsense writes (config.json, summary.json, metrics.csv, figures/, grid.json, runs.csv,
 * run ids of the grid …) placed anywhere — next to a real sweep's folders. Property:
 * `claimSweepFolder(dir, force = true, grid)` either throws ForeignFilesError and changes
 * nothing, or deletes only what matsense wrote: every user file is still there, byte for byte
 * — except a file the user wrote over a name matsense writes inside a folder matsense wrote
 * (a run folder recognised by its config.json or summary.json, a sweep folder by its
 * grid.json): that name is matsense's (docs/result-folders.md).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ExistingResultError,
  ForeignFilesError,
  RUN_NPY_FILES,
  RUN_RESULT_FILES,
  claimSweepFolder,
  isMatsenseRunFolder,
  isMatsenseSweepFolder,
} from "../../src/run/claim.js";
import { parseGrid } from "../../src/config/grid.js";
import { runSweep } from "../../src/sweep/sweep.js";
import { FUZZ_RUNS, FUZZ_SEED, Tally } from "./arbitraries.js";

const grid = { base: { problem: { n: 6, rank: 1 }, operator: { m: 60, backend: "ts" }, stop: { maxIterations: 10 } }, vary: { "model.k": [1, 2] }, seeds: 1 };
const RUN_IDS = ["model.k=1__seed=0", "model.k=2__seed=0"];
const NAMES = [
  "config.json",
  "summary.json",
  "metrics.csv",
  "checkpoint.json",
  "X.npy",
  "data.npy",
  "figures",
  "grid.json",
  "runs.csv",
  "manifest.json",
  "notes.txt",
  "matsense.lock",
  "src",
  "photos",
  ...RUN_IDS,
  "model.k=3__seed=0",
];

let sweep: string;

beforeAll(async () => {
  sweep = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-fuzz-force-src-"));
  await runSweep(grid, sweep, { runner: "inline" });
});

/** A user file: a path of 1–3 names and a content. */
const userFile = fc.tuple(
  fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 }),
  fc.constantFrom("{}", "mine", '{"status":"done"}', "iteration,loss\n1,2\n"),
);

function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out.set(path.relative(dir, path.join(e.parentPath, e.name)), fs.readFileSync(path.join(e.parentPath, e.name), "utf8"));
  }
  return out;
}

describe("fuzz: --force deletes only what matsense wrote", () => {
  it(`${FUZZ_RUNS / 4} folders of user files around a sweep: refused unchanged, or every user file kept`, () => {
    const tally = new Tally("force");
    const parsed = parseGrid(grid);
    fc.assert(
      fc.property(fc.array(userFile, { maxLength: 6 }), fc.boolean(), (files, withSweep) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-fuzz-force-"));
        if (withSweep) fs.cpSync(sweep, dir, { recursive: true });
        const user = new Map<string, string>();
        for (const [parts, text] of files) {
          const rel = path.join(...parts);
          const p = path.join(dir, rel);
          // a user file may not replace a folder or sit inside a file (the file system forbids it)
          try {
            fs.mkdirSync(path.dirname(p), { recursive: true });
            if (fs.existsSync(p) && fs.statSync(p).isDirectory()) continue;
            fs.writeFileSync(p, text);
          } catch {
            continue;
          }
          for (const k of [...user.keys()]) if (k.startsWith(rel + path.sep)) user.delete(k);
          user.set(rel, text);
        }
        // names matsense writes, inside folders matsense wrote, are matsense's
        const SWEEP_NAMES = ["grid.json", "runs.csv", "manifest.json", "figures"];
        for (const rel of [...user.keys()]) {
          const [first, second] = rel.split(path.sep);
          const inRun = second !== undefined && isMatsenseRunFolder(path.join(dir, first)) && [...RUN_RESULT_FILES, ...RUN_NPY_FILES].includes(second);
          const atTop =
            (isMatsenseSweepFolder(dir) && SWEEP_NAMES.includes(first)) ||
            (isMatsenseRunFolder(dir) && [...RUN_RESULT_FILES, ...RUN_NPY_FILES].includes(first));
          if (inRun || atTop) user.delete(rel);
        }
        const before = tree(dir);
        let outcome: string;
        try {
          claimSweepFolder(dir, true, parsed);
          outcome = "cleared";
          const after = tree(dir);
          for (const [rel, text] of user) expect(after.get(rel), rel).toBe(text);
        } catch (e) {
          // refused: files matsense did not write, or a run folder with a (young) lock
          if (!(e instanceof ForeignFilesError || e instanceof ExistingResultError)) throw e;
          outcome = "refused";
          expect(tree(dir)).toEqual(before);
        }
        tally.add(`${withSweep ? "with" : "without"} a sweep → ${outcome}`);
        fs.rmSync(dir, { recursive: true, force: true });
      }),
      { seed: FUZZ_SEED + 30, numRuns: Math.max(1, Math.floor(FUZZ_RUNS / 4)) },
    );
    tally.print();
  });
});
