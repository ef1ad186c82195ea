/**
 * A sweep run whose resume is refused (issue 25 follow-up): its checkpoint.json is damaged,
 * an edited metrics.csv row before the checkpoint no longer matches summary.json's checksum,
 * or the row re-measured at the checkpoint's iteration differs from the stored one. The next
 * sweep redoes that run from iteration 0 — exit 0, metrics.csv byte for byte the
 * uninterrupted run's (wall-time column aside), the reason in summary.json (`resumeRefused`)
 * and on one stderr line naming the run — instead of failing on every later sweep. Both
 * runners: worker threads (the CLI's) and inline (the library's). A finished run stays as
 * it was; `run --resume` keeps its error and names --force.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runSweep } from "../../src/sweep/sweep.js";
import { built, metricsWithoutTime, referenceSweep, start } from "./helpers.js";

const grid = { base: { problem: { n: 20, rank: 2 }, stop: { maxIterations: 600, targetRelError: 0 } }, vary: { "model.k": [3] }, seeds: 2 };
const ids = ["model.k=3__seed=0", "model.k=3__seed=1"];
const read = (file: string) => fs.readFileSync(file, "utf8");
const json = (file: string) => JSON.parse(read(file)) as Record<string, unknown>;

/** The row of iteration `it` in a metrics file with its loss replaced (the column after iteration and seconds). */
function editLoss(file: string, it: number): void {
  const lines = read(file).split("\n");
  const i = lines.findIndex((l) => l.startsWith(`${it},`));
  expect(i).toBeGreaterThan(0);
  const cells = lines[i].split(",");
  cells[2] = "9.9e-9";
  lines[i] = cells.join(",");
  fs.writeFileSync(file, lines.join("\n"));
}

/** The ways a resume is refused, each applied to a copy of the interrupted run folder (checkpoint at iteration `at`). */
const damages: Record<string, { refused: RegExp; damage: (run: string, at: number) => void }> = {
  "checkpoint checksum": {
    refused: /checkpoint\.json is damaged: its content does not match its SHA-256/,
    damage: (run) => {
      const c = json(path.join(run, "checkpoint.json"));
      c.sha256 = String(c.sha256).replace(/^./, (d) => (d === "0" ? "1" : "0"));
      fs.writeFileSync(path.join(run, "checkpoint.json"), JSON.stringify(c) + "\n");
    },
  },
  "older checkpoint format": {
    refused: /has format 0; this matsense reads format 1/,
    damage: (run) => {
      const c = json(path.join(run, "checkpoint.json"));
      delete c.sha256;
      fs.writeFileSync(path.join(run, "checkpoint.json"), JSON.stringify({ ...c, format: 0 }) + "\n");
    },
  },
  "edited row before the checkpoint": {
    refused: /SHA-256 of metrics\.csv that does not match the file/,
    damage: (run, at) => editLoss(path.join(run, "metrics.csv"), Math.floor(at / 2)),
  },
  // killed after its checkpoint (no summary.json, metrics.csv.partial): only the re-measured row can tell, while running
  "re-measured row differs": {
    refused: /does not reproduce its own metrics row: at iteration \d+, loss is \S+, metrics\.csv says 9\.9e-9/,
    damage: (run, at) => {
      fs.rmSync(path.join(run, "summary.json"));
      fs.renameSync(path.join(run, "metrics.csv"), path.join(run, "metrics.csv.partial"));
      editLoss(path.join(run, "metrics.csv.partial"), at);
    },
  },
};

describe.skipIf(!built)("a sweep run whose resume is refused is redone from iteration 0 (needs `npm run build`)", () => {
  it("worker threads (CLI) and inline: exit 0, bitwise the uninterrupted metrics, the reason recorded and printed", async () => {
    const { root, gridFile, ref } = await referenceSweep(grid);
    // run 0 finishes, run 1 is interrupted mid-run (a stop request after that many polls): its final checkpoint is at its last iteration
    const partial = path.join(root, "partial");
    let polls = 0;
    const first = await runSweep(grid, partial, { runner: "inline", shouldStop: () => ++polls > 900 });
    expect(first.interrupted).toBe(true);
    const run1 = path.join(partial, ids[1]);
    expect(json(path.join(run1, "summary.json")).status).toBe("interrupted");
    const at = (json(path.join(run1, "checkpoint.json")) as { iteration: number }).iteration;
    expect(at).toBeGreaterThan(10);
    expect(at).toBeLessThan(600);
    const finished = read(path.join(partial, ids[0], "summary.json"));
    for (const [name, { refused, damage }] of Object.entries(damages)) {
      for (const runner of ["threads", "inline"] as const) {
        const dir = path.join(root, `${name} ${runner}`.replaceAll(" ", "-"));
        fs.cpSync(partial, dir, { recursive: true });
        damage(path.join(dir, ids[1]), at);
        let notices: string[] = [];
        if (runner === "threads") {
          const r = await start(["sweep", "-q", "-w", "1", "-g", gridFile, "--out", dir]).done;
          expect(r.code, `${name}: ${r.err}`).toBe(0);
          notices = r.err.split("\n").filter((l) => l.includes("redone from iteration 0"));
        } else {
          const r = await runSweep(grid, dir, { runner: "inline", onNotice: (m) => notices.push(m) });
          expect(r.entries.map((e) => e.status)).toEqual(["max-iterations", "max-iterations"]);
        }
        // one line naming the run and why; the run's summary.json records why
        expect(notices, `${name} ${runner}`).toHaveLength(1);
        expect(notices[0]).toContain(`run ${path.join(dir, ids[1])} is redone from iteration 0`);
        expect(notices[0]).toMatch(refused);
        const s = json(path.join(dir, ids[1], "summary.json"));
        expect(s.status).toBe("max-iterations");
        expect(s.resumeRefused, `${name} ${runner}`).toMatch(refused);
        // redone from 0 in one attempt: metrics.csv is the uninterrupted run's bit for bit (the wall-time column aside)
        expect(s.attempts).toBeUndefined();
        expect(metricsWithoutTime(path.join(dir, ids[1])), `${name} ${runner}`).toBe(metricsWithoutTime(path.join(ref, ids[1])));
        expect(fs.readdirSync(path.join(dir, ids[1])).filter((n) => /partial|staging|lock/.test(n))).toEqual([]);
        // the finished run is not touched
        expect(read(path.join(dir, ids[0], "summary.json"))).toBe(finished);
      }
    }
    // an undamaged checkpoint is still continued (two attempts, same metrics)
    const plain = path.join(root, "plain");
    fs.cpSync(partial, plain, { recursive: true });
    expect((await start(["sweep", "-q", "-w", "1", "-g", gridFile, "--out", plain]).done).code).toBe(0);
    expect(json(path.join(plain, ids[1], "summary.json")).attempts).toEqual([
      { from: 0, iterations: at },
      { from: at, iterations: 600 - at },
    ]);
    expect(json(path.join(plain, ids[1], "summary.json")).resumeRefused).toBeUndefined();
    expect(metricsWithoutTime(path.join(plain, ids[1]))).toBe(metricsWithoutTime(path.join(ref, ids[1])));
  }, 240_000);

  it("`run --resume` keeps the error and says how to start again (--force); a folder of foreign files is refused, untouched", async () => {
    const { root, gridFile } = await referenceSweep({ ...grid, seeds: 1 });
    const partial = path.join(root, "partial");
    let polls = 0;
    await runSweep({ ...grid, seeds: 1 }, partial, { runner: "inline", shouldStop: () => ++polls > 300 });
    const at = (json(path.join(partial, ids[0], "checkpoint.json")) as { iteration: number }).iteration;
    for (const [name, code] of [
      ["checkpoint checksum", 2],
      ["re-measured row differs", 1],
    ] as const) {
      const dir = path.join(root, name.replaceAll(" ", "-"));
      fs.cpSync(partial, dir, { recursive: true });
      damages[name].damage(path.join(dir, ids[0]), at);
      const r = await start(["run", "-q", "--resume", path.join(dir, ids[0])]).done;
      expect(r.code, r.err).toBe(code);
      expect(r.err).toMatch(damages[name].refused);
      expect(r.err).toMatch(/use --force instead of --resume to start the run again from iteration 0\n$/);
    }
    // config.json without matsense's provenance: the folder is the user's; the sweep refuses it (exit 2) and deletes nothing
    const foreign = path.join(root, "foreign");
    fs.cpSync(partial, foreign, { recursive: true });
    const run = path.join(foreign, ids[0]);
    damages["checkpoint checksum"].damage(run, at);
    const cfg = json(path.join(run, "config.json"));
    delete cfg.matsense;
    fs.writeFileSync(path.join(run, "config.json"), JSON.stringify(cfg));
    fs.rmSync(path.join(run, "summary.json"));
    const before = fs.readdirSync(run).map((f) => [f, read(path.join(run, f))]);
    const r = await start(["sweep", "-q", "-w", "1", "-g", gridFile, "--out", foreign]).done;
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/matsense did not write/);
    expect(r.err).not.toMatch(/redone/);
    expect(fs.readdirSync(run).map((f) => [f, read(path.join(run, f))])).toEqual(before);
  }, 120_000);
});
