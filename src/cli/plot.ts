import type { Command } from "commander";
import * as fs from "node:fs";
import * as path from "node:path";
import { aggregateSweep } from "../results/aggregate.js";
import { type PlotOptions, parseReference, plotDirectory, plotOverlay, plotSweep } from "../plot/charts.js";
import { type CliIO, UsageError, defaultOutDir } from "./shared.js";
import { reportDamaged } from "./sweep.js";
import { commandDescription } from "./commands.js";

/** `matsense plot`: figures of run or sweep folders, or one overlay of several. */
export function addPlotCommands(program: Command, io: CliIO): void {
  program
    .command("plot")
    .description(commandDescription("plot"))
    .argument("<dirs...>", "run folder(s) (config.json + metrics.csv) or sweep folder(s) (grid.json)")
    .option("-o, --out <dir>", "where to write the figures (default: DIR/figures; several folders: matsense-runs/overlay-<time>)")
    .option("--metric <column>", "error column drawn against the iteration, e.g. rel_error, sym_rel_error, loss, abs_error, imbalance_norm")
    .option("--x <scale>", "iteration axis: log | linear (default: as each figure defines it; overlays: log)")
    .option("--reference <law>", 'dashed reference line: "slope=-1" (c·t⁻¹ on error figures) or "alpha^2" (c·α² on the rate-vs-α figure)')
    .option("--labels <list>", "comma-separated legend labels, one per folder (overlays)")
    .option("--no-caption", "leave the caption out of every figure")
    .action((dirs: string[], opts: { out?: string; metric?: string; x?: string; reference?: string; labels?: string; caption: boolean }) => {
      if (opts.x !== undefined && opts.x !== "log" && opts.x !== "linear") throw new UsageError(`--x must be log or linear, got "${opts.x}"`);
      const plot: PlotOptions = {
        metric: opts.metric,
        xLog: opts.x === undefined ? undefined : opts.x === "log",
        reference: opts.reference,
        noCaption: !opts.caption,
      };
      let files;
      try {
        if (opts.reference) parseReference(opts.reference);
        const dir = dirs[0];
        if (dirs.length > 1 || opts.labels) files = plotOverlay(dirs, opts.labels?.split(",").map((l) => l.trim()), opts.out ?? defaultOutDir("overlay"), plot);
        else if (fs.existsSync(path.join(dir, "grid.json"))) {
          const aggregate = aggregateSweep(dir, plot.metric ? { errorMetric: plot.metric } : {});
          const damaged = reportDamaged(aggregate, io.err);
          if (damaged) io.err(`matsense: plotting ${aggregate.runs.length} runs${damaged}\n`);
          files = plotSweep(dir, { outDir: opts.out, aggregate, plot });
        } else files = plotDirectory(dir, opts.out, plot);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      for (const f of files) io.out(`${f.png}\n`);
    });
}
