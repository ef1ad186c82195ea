import type { Command } from "commander";
import * as fs from "node:fs";
import * as path from "node:path";
import { aggregateSweep } from "../results/aggregate.js";
import {
  type PlotOptions,
  LEGEND_POSITIONS,
  metricList,
  parseLegend,
  parseLimits,
  parseReference,
  parseSize,
  plotDirectory,
  plotOverlay,
  plotSweep,
} from "../plot/charts.js";
import { OBSERVABLE_PALETTE, PALETTE } from "../plot/figure.js";
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
    .option(
      "--metric <columns>",
      "error column(s) drawn against the iteration, comma-separated on one panel, e.g. rel_error or signal_error,spurious_norm " +
        "(also loss, abs_error, sym_rel_error, imbalance_norm)",
    )
    .option("--x <scale>", "iteration axis: log | linear (default: as each figure defines it; overlays: log)")
    .option("--xlim <lo,hi>", "x-axis range, e.g. 10,1e5")
    .option("--ylim <lo,hi>", "y-axis range, e.g. 1e-8,1 (data outside is clipped)")
    .option("--size <WxH>", "figure size in inches or px, e.g. 7x4in or 1200x700px")
    .option("--title <text>", "figure title (every figure drawn)")
    .option("--legend <position>", `legend position, outside the plot areas: ${LEGEND_POSITIONS.join(" | ")} (auto: top when it fits in two rows, else right)`)
    .option("--palette <name>", "series colours: okabe-ito (colour-blind safe, default) | observable")
    .option("--data", "also write <figure>.csv with the plotted series (panel, series, x, y, band lo, hi) next to each figure")
    .option("--no-theory", "leave out the theory lines (population 1/T law, λ ∝ α²)")
    .option(
      "--reference <law>",
      'dashed reference line: "slope=-1" (c·t⁻¹ on error figures, through the sublinear / k > r curves), "slope=-1@ANCHOR" ' +
        '(ANCHOR: k>r, k=r, sublinear, linear, or <param>=<value>), or "alpha^2" (c·α² on the rate-vs-α figure)',
    )
    .option("--labels <list>", "comma-separated legend labels, one per folder (overlays)")
    .option("--no-caption", "leave the caption out of every figure")
    .action(
      (
        dirs: string[],
        opts: {
          out?: string;
          metric?: string;
          x?: string;
          reference?: string;
          labels?: string;
          caption: boolean;
          theory: boolean;
          xlim?: string;
          ylim?: string;
          size?: string;
          title?: string;
          legend?: string;
          palette?: string;
          data?: boolean;
        },
      ) => {
        if (opts.x !== undefined && opts.x !== "log" && opts.x !== "linear") throw new UsageError(`--x must be log or linear, got "${opts.x}"`);
        if (opts.palette !== undefined && opts.palette !== "okabe-ito" && opts.palette !== "observable") {
          throw new UsageError(`--palette must be okabe-ito or observable, got "${opts.palette}"`);
        }
        let plot: PlotOptions;
        try {
          plot = {
            metric: opts.metric,
            xLog: opts.x === undefined ? undefined : opts.x === "log",
            reference: opts.reference,
            noCaption: !opts.caption,
            ...(opts.theory === false ? { theory: false } : {}),
            ...(opts.xlim ? { xlim: parseLimits(opts.xlim, "--xlim") } : {}),
            ...(opts.ylim ? { ylim: parseLimits(opts.ylim, "--ylim") } : {}),
            ...(opts.size ? { size: parseSize(opts.size) } : {}),
            ...(opts.title ? { title: opts.title } : {}),
            ...(opts.legend ? { legend: parseLegend(opts.legend) } : {}),
            ...(opts.palette ? { palette: opts.palette === "observable" ? OBSERVABLE_PALETTE : PALETTE } : {}),
            ...(opts.data ? { data: true } : {}),
          };
          if (opts.metric) metricList(opts.metric);
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
        let files;
        try {
          if (opts.reference) parseReference(opts.reference);
          const dir = dirs[0];
          if (dirs.length > 1 || opts.labels)
            files = plotOverlay(
              dirs,
              opts.labels?.split(",").map((l) => l.trim()),
              opts.out ?? defaultOutDir("overlay"),
              plot,
            );
          else if (fs.existsSync(path.join(dir, "grid.json"))) {
            const aggregate = aggregateSweep(dir, plot.metric ? { errorMetric: metricList(plot.metric)[0] } : {});
            const damaged = reportDamaged(aggregate, io.err);
            if (damaged) io.err(`matsense: plotting ${aggregate.runs.length} runs${damaged}\n`);
            files = plotSweep(dir, { outDir: opts.out, aggregate, plot });
          } else files = plotDirectory(dir, opts.out, plot);
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
        for (const f of files) io.out(`${f.png}\n${f.csv ? `${f.csv}\n` : ""}`);
      },
    );
}
