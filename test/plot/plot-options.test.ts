import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { executeRun } from "../../src/run/runFolder.js";
import { renderFigure, typesetSubscripts } from "../../src/plot/figure.js";

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "",
    err = "";
  const code = await main(["node", "matsense", ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const text = (svg: string) => svg.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
const svgWidth = (svg: string) => Number(/<svg[^>]*width="([\d.]+)"/.exec(svg)![1]);
const pngWidth = (png: Buffer) => png.readUInt32BE(16);

let root: string, runA: string, runB: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-plotopt-"));
  runA = path.join(root, "k2");
  runB = path.join(root, "k3");
  const base = { seed: 1, problem: { n: 8, rank: 2 }, operator: { m: 150, backend: "ts" }, init: { alpha: 0.01 }, stop: { maxIterations: 300 } };
  executeRun({ ...base, model: { k: 2 } }, runA);
  executeRun({ ...base, model: { k: 3 } }, runB);
});

describe("matsense plot options", () => {
  it("writes SVG, a 2× PNG and a PDF from the same SVG; --metric, --x log, --reference and --no-caption apply", async () => {
    const out = path.join(root, "figs");
    const r = await cli("plot", runB, "--out", out, "--metric", "loss", "--x", "log", "--reference", "slope=-1", "--no-caption");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const svg = fs.readFileSync(path.join(out, "error.svg"), "utf8");
    expect(pngWidth(fs.readFileSync(path.join(out, "error.png")))).toBe(2 * svgWidth(svg));
    const pdf = fs.readFileSync(path.join(out, "error.pdf"));
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    expect(pdf.includes(Buffer.from("DejaVuSans"))).toBe(true); // the bundled font is embedded
    const t = text(svg);
    expect(t).toContain("loss ½‖A(P) − y‖² vs iteration");
    expect(t).toContain("theory: ∝ t⁻¹, through the sublinear curves"); // the default anchor: the runs classified sublinear (k > r here)
    expect(t).not.toContain("psd truth"); // no caption
    expect(t).toContain("10³"); // log iteration axis: decade ticks
  });

  it("overlays several runs in one figure with --labels", async () => {
    const out = path.join(root, "overlay");
    const r = await cli("plot", runA, runB, "--labels", "k = r,k = r + 1", "--out", out);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const t = text(fs.readFileSync(path.join(out, "overlay.svg"), "utf8"));
    expect(t).toContain("k = r ");
    expect(t).toContain("k = r + 1");
    const bad = await cli("plot", runA, runB, "--labels", "only-one", "--out", out);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--labels has 1 label\(s\) for 2 folders/);
  });

  it("refuses unknown --x, --reference and --metric values with exit 2", async () => {
    expect((await cli("plot", runA, "--x", "loglog")).err).toMatch(/--x must be log or linear/);
    expect((await cli("plot", runA, "--reference", "1/T")).err).toMatch(/--reference "1\/T" is not understood/);
    const m = await cli("plot", runA, "--metric", "rel_eror", "--out", path.join(root, "x"));
    expect(m.code).toBe(2);
    expect(m.err).toMatch(/no such column/);
  });

  it("panels of one figure share their axes; norms get real subscripts", () => {
    const svg = renderFigure({
      title: "t",
      panels: [
        { xLabel: "iteration", yLabel: "e", yLog: true, series: [{ label: "a", x: [1, 10, 100], y: [1, 0.1, 0.01] }] },
        { xLabel: "iteration", yLabel: "e", yLog: true, series: [{ label: "b", x: [1, 1e4, 1e5], y: [1, 1e-3, 1e-6] }] },
      ],
    });
    // both panels reach 10⁵ iterations and 10⁻⁶
    const panels = svg.split("<svg ").slice(2);
    for (const p of panels) {
      expect(p).toContain("100000");
      expect(p).toContain("10⁻⁶");
    }
    expect(typesetSubscripts("<text>‖P − M*‖_F and ‖x‖²_F</text>")).toBe(
      '<text>‖P − M*‖<tspan baseline-shift="sub" font-size="75%">F</tspan> and ‖x‖²<tspan baseline-shift="sub" font-size="75%">F</tspan></text>',
    );
    expect(typesetSubscripts("<text>λ ∝ α^slope</text>")).toBe('<text>λ ∝ α<tspan baseline-shift="super" font-size="75%">slope</tspan></text>');
  });
});
