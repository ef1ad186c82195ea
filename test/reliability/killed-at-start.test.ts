/**
 * A run killed in the first moments of its run folder (issue 25): before this fix the folder
 * could hold only an empty metrics.csv.partial (config.json came later), which the provenance
 * check then read as a user's file — the next sweep skipped the run as "pending", exit 0, and
 * it was never redone (seen as an empty run folder in the kill loop and the Slurm kill test).
 * config.json, with matsense's provenance, is now the first file of a run folder.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { isMatsenseRunFolder } from "../../src/run/claim.js";
import { built, start, tmp, waitFor } from "./helpers.js";

const grid = { base: { problem: { n: 30, rank: 2 }, stop: { maxIterations: 3000, targetRelError: 0 } }, seeds: 1 };

describe.skipIf(!built)("a run killed as soon as its folder has a file (needs `npm run build`)", () => {
  it("leaves a folder that reads as matsense's, and the next sweep runs it to the end", async () => {
    const root = tmp();
    const g = path.join(root, "grid.json");
    fs.writeFileSync(g, JSON.stringify(grid));
    const out = path.join(root, "sweep");
    const run = path.join(out, "base__seed=0");
    const p = start(["sweep", "-q", "-w", "1", "-g", g, "--out", out]);
    // the first result file of the run folder, whichever it is
    const first = await Promise.race([waitFor(path.join(run, "metrics.csv.partial"), 30_000), waitFor(path.join(run, "config.json"), 30_000)]);
    p.child.kill("SIGKILL");
    await p.done;
    expect(first).toBe(true);
    expect(fs.existsSync(path.join(run, "config.json"))).toBe(true); // written before metrics.csv.partial
    expect(isMatsenseRunFolder(run)).toBe(true);
    const again = await start(["sweep", "-q", "-w", "1", "-g", g, "--out", out]).done;
    expect(again.code, again.err).toBe(0);
    const summary = JSON.parse(fs.readFileSync(path.join(run, "summary.json"), "utf8"));
    expect(summary.status).toBe("max-iterations");
    expect(summary.iterations).toBe(3000);
  });
});
