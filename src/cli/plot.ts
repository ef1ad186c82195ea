import type { Command } from "commander";
import * as fs from "node:fs";
import * as path from "node:path";
import { aggregateSweep } from "../experiments/aggregate.js";
import { plotDirectory, plotSweep } from "../plot/charts.js";
import { UsageError, type CliIO } from "./shared.js";
import { reportDamaged } from "./sweep.js";

/** `matsense plot`: figures of a run or sweep folder. */
export function addPlotCommands(program: Command, io: CliIO): void {
  program
    .command("plot")
    .description("draw SVG and PNG figures of a run folder or a sweep folder (from its result files) into DIR/figures")
    .argument("<dir>", "run folder (config.json + metrics.csv) or sweep folder (grid.json)")
    .option("-o, --out <dir>", "where to write the figures (default: DIR/figures)")
    .action((dir: string, opts: { out?: string }) => {
      let files;
      try {
        if (fs.existsSync(path.join(dir, "grid.json"))) {
          const aggregate = aggregateSweep(dir);
          const damaged = reportDamaged(aggregate, io.err);
          if (damaged) io.err(`matsense: plotting ${aggregate.runs.length} runs${damaged}\n`);
          files = plotSweep(dir, { outDir: opts.out, aggregate });
        } else files = plotDirectory(dir, opts.out);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      for (const f of files) io.out(`${f.png}\n`);
    });
}
