import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Resvg } from "@resvg/resvg-js";
import { describe, expect, it } from "vitest";
import { aggregateSweep } from "../../src/results/aggregate.js";
import { runSweep } from "../../src/sweep/sweep.js";
import { errorFigure, plotDirectory } from "../../src/plot/charts.js";
import { fontFiles, svgToPng } from "../../src/plot/png.js";
import { main } from "../../src/cli/main.js";
import { powerOfTen, renderFigure } from "../../src/plot/figure.js";

const grid = {
  name: "snapshot",
  base: {
    problem: { n: 6, rank: 1 },
    operator: { m: 60, backend: "ts" },
    init: { alpha: 0.1 },
    method: { name: "gd", stepSize: 0.1 },
    stop: { maxIterations: 200 },
    record: { schedule: "log", perDecade: 10, singularValues: 2 },
  },
  vary: { "model.k": [1, 2] },
  seeds: 2,
};

describe("figures", () => {
  it("the error figure of a seeded sweep is deterministic (snapshot) and has title, axis labels, legend and caption", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-plot-"));
    await runSweep(grid, dir, { runner: "inline" });
    const agg = aggregateSweep(dir);
    const svg = errorFigure(agg, { type: "error" }, { "model.k": "k" });
    expect(svg).toContain("snapshot: relative error");
    expect(svg).toContain("k=1");
    expect(svg).toContain("k=2");
    expect(svg).toContain("iteration");
    expect(svg).toContain("bands: 10–90% across seeds");
    expect(svg).not.toMatch(/\d{4}-\d{2}-\d{2}T/); // no timestamps
    // the same data gives the same bytes (no random ids/classes)
    expect(errorFigure(agg, { type: "error" }, { "model.k": "k" })).toBe(svg);
    expect(svg).toMatchSnapshot();
    // `matsense plot DIR` writes SVG + PNG for each default figure
    const files = plotDirectory(dir);
    expect(files.map((f) => f.name)).toEqual(["error", "singular-values"]);
    const png = fs.readFileSync(files[0].png);
    expect(png.subarray(1, 4).toString()).toBe("PNG");
  });

  it("`matsense plot` draws a single run folder (error; singular values when recorded)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-plotrun-"));
    await runSweep(grid, dir, { runner: "inline" });
    const run = path.join(dir, "model.k=2__seed=0");
    let out = "";
    expect(await main(["node", "matsense", "plot", run], { out: (s) => (out += s), err: () => {} })).toBe(0);
    expect(
      out
        .trim()
        .split("\n")
        .map((f) => path.basename(f)),
    ).toEqual(["error.png", "singular-values.png"]);
    let err = "";
    expect(await main(["node", "matsense", "plot", os.tmpdir() + "/does-not-exist-xyz"], { out: () => {}, err: (s) => (err += s) })).toBe(2);
    expect(err).toMatch(/neither a run folder/);
  });

  it("renders text in the PNG with the bundled font only (no system fonts)", () => {
    expect(fontFiles().every((f) => fs.existsSync(f))).toBe(true);
    const textOnly =
      `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><rect width="200" height="40" fill="white"/><text x="10" ` +
      `y="28" font-size="20" font-family="DejaVu Sans">α κ 10⁻⁴ ‖P‖</text></svg>`;
    const r = new Resvg(textOnly, { font: { loadSystemFonts: false, fontFiles: fontFiles(), defaultFontFamily: "DejaVu Sans" } }).render();
    const px = r.pixels;
    let dark = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i] < 128) dark++;
    // glyphs cover a few hundred of the 8000 pixels; with no font loaded the image stays white (0)
    expect(dark).toBeGreaterThan(100);
    expect(svgToPng(textOnly).length).toBeGreaterThan(100);
  });

  it("formats log ticks as powers of ten and lays out legends", () => {
    expect(powerOfTen(-4)).toBe("10⁻⁴");
    expect(powerOfTen(0)).toBe("1");
    const svg = renderFigure({
      title: "t",
      panels: [{ xLabel: "x", yLabel: "y", yLog: true, series: [{ label: "a", x: [1, 2, 3], y: [1, 0.1, 0.01] }] }],
      caption: "c",
    });
    expect(svg).toContain("10⁻²");
    expect(svg).toMatch(/<text[^>]*>a<\/text>/);
  });
});
