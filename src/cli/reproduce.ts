import type { Command } from "commander";
import * as path from "node:path";
import { defaultOutDir, UsageError, type CliIO } from "./shared.js";
import { UnknownPresetError, listPresets, loadPreset } from "../reproduce/presets.js";
import { PresetUnavailableError, reproducePreset } from "../reproduce/report.js";
import { printAggregate, runSweepWithProgress, type SweepCliOptions } from "./sweep.js";
import { commandDescription } from "./commands.js";

/** `matsense reproduce`: a preset's sweep, aggregate, figures, claims and report. */
export function addReproduceCommands(program: Command, io: CliIO): void {
  program
    .command("reproduce")
    .description(commandDescription("reproduce"))
    .argument("[name]", "preset name (see --list)")
    .option("--list", "list the presets")
    .option("-o, --out <dir>", "output folder (default: matsense-runs/<name>[-quick]-<time>); re-running resumes")
    .option("--quick", "small sizes (CI): the same claims with margins for the small version")
    .option("-w, --workers <n>", "parallel runs (default: number of cores)")
    .option("--max-memory <bytes>", "memory of all parallel runs together, e.g. 8GB (default: 75% of RAM, at most what is available)")
    .option("--force", "if --out holds other files or another preset's results, delete the results first")
    .option("--batch", "runs that share a stored gaussian operator advance together, streaming it once per iteration for all (metrics bitwise unchanged)")
    .option("-q, --quiet", "no progress bar and no tables")
    .action(async (name: string | undefined, opts: SweepCliOptions & { list?: boolean; out?: string; quick?: boolean }) => {
      if (opts.list || !name) {
        for (const n of listPresets()) {
          const p = loadPreset(n);
          io.out(`${n.padEnd(28)} ${p.expectations.title}\n${"".padEnd(28)} source: ${p.expectations.source}\n`);
        }
        if (opts.list)
          io.out("\nEach preset reproduces a paper's phenomenon at its own sizes (not the paper's figure; see each preset's \"paper setting vs ours\").\n");
        if (!opts.list && !name) io.out("\nrun one with: matsense reproduce <name> [--quick] [--out DIR]\n");
        return;
      }
      const dir = opts.out ?? defaultOutDir(`${name}${opts.quick ? "-quick" : ""}`);
      let res;
      try {
        res = await reproducePreset(name, dir, {
          quick: opts.quick,
          sweep: (grid, d) => runSweepWithProgress(grid, d, opts, io),
        });
      } catch (e) {
        if (e instanceof PresetUnavailableError) throw new UsageError(e.message, 3);
        if (e instanceof UnknownPresetError) throw new UsageError(e.message);
        throw e;
      }
      if (!opts.quiet) {
        printAggregate(res.aggregate, io.out);
        io.out(
          `\n${res.preset.expectations.title}${opts.quick ? " (quick)" : ""}: ` +
            `${res.claims.filter((c) => c.verdict === "pass").length}/${res.claims.length} claims pass (${res.seconds.toFixed(1)} s)\n`,
        );
        for (const c of res.claims)
          io.out(
            `  ${c.verdict === "pass" ? "PASS" : c.verdict === "fail" ? "FAIL" : "N/A "}  ${c.claim}\n        measured: ${c.measured}\n        ` +
              `expected: ${c.expected}\n`,
          );
        io.out(`report: ${path.join(dir, "report.md")}\n`);
      }
      if (!res.passed) throw new UsageError(`preset ${name}: some claims did not pass (see ${res.reportFile})`, 1);
    });
}
