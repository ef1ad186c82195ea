import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { aggregateSweep } from "../../src/results/aggregate.js";
import { executeRun } from "../../src/run/runFolder.js";
import { readRunFolder } from "../../src/results/results.js";
import { runSweep } from "../../src/sweep/sweep.js";
import {
  MIN_LINEAR_POINTS,
  defaultSweepFigures,
  errorFigureSpec,
  figureDataCsv,
  parseLimits,
  parseSize,
  rateVsFigureSpec,
  sweepFigureSpec,
} from "../../src/plot/charts.js";
import { DASHES, PALETTE, THEORY_DASH, renderFigure } from "../../src/plot/figure.js";
import { referenceAnchors } from "../../src/plot/request.js";
import { populationLawConstant } from "../../src/plot/theory.js";

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "",
    err = "";
  const code = await main(["node", "matsense", ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const last = (a: number[]) => a[a.length - 1];
const tmp = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `matsense-${name}-`));

/** Symmetric GD on the identity operator, k = r and k > r: the population 1/T law applies to k > r. */
const kGrid = {
  name: "k",
  base: {
    problem: { n: 8, rank: 1 },
    operator: { type: "identity" },
    model: { type: "symmetric" },
    init: { alpha: 0.01 },
    method: { name: "gd", stepSize: 0.1 },
    stop: { maxIterations: 3000 },
    record: { schedule: "log", perDecade: 10, diagnostics: true },
  },
  vary: { "model.k": [1, 2, 3] },
  seeds: 2,
};

let kDir: string;
beforeAll(async () => {
  kDir = tmp("paper-k");
  await runSweep(kGrid, kDir, { runner: "inline" });
}, 60_000);

describe("paper figures: several metrics per panel, limits, size, legend, data", () => {
  it("draws two metrics per panel: one colour per parameter point, one line style per metric, both in the legend", () => {
    const agg = aggregateSweep(kDir);
    const spec = errorFigureSpec(agg, { type: "error", metric: "rel_error,loss", theory: false });
    const data = spec.panels[0].series.filter((s) => s.x.length > 0);
    expect(data).toHaveLength(6); // 3 points × 2 metrics
    for (const s of data) expect(s.dash).toBe(s.label.endsWith("loss ½‖A(P) − y‖²") ? DASHES[1] : DASHES[0]);
    expect(new Set(data.map((s) => s.color))).toEqual(new Set(PALETTE.slice(0, 3)));
    const legend = spec.panels[0].series.filter((s) => !s.noLegend).map((s) => s.label);
    expect(legend).toEqual(["k=1", "k=2", "k=3", "relative error", "loss ½‖A(P) − y‖²"]);
    // the plotted loss is the loss median of the aggregate
    const k2 = data.find((s) => s.label.startsWith("k=2") && s.dash === DASHES[1])!;
    expect(last(k2.y)).toBe(last(agg.curves[1].metrics.loss.median));
  });

  it("--size in inches is 96 px per inch and the figure has exactly that size; bad sizes and limits are refused", () => {
    expect(parseSize("7x4in")).toEqual({ width: 672, height: 384 });
    expect(parseSize("1200x700px")).toEqual({ width: 1200, height: 700 });
    expect(parseSize("1200x700")).toEqual({ width: 1200, height: 700 });
    expect(() => parseSize("7x4")).toThrow(/with a unit/);
    expect(() => parseSize("1x1in")).toThrow(/from 2x1.5in/);
    expect(parseLimits("1e-8,1", "--ylim")).toEqual([1e-8, 1]);
    expect(() => parseLimits("1,1e-8", "--ylim")).toThrow(/lo < hi/);
    const agg = aggregateSweep(kDir);
    const svg = renderFigure(errorFigureSpec(agg, { type: "error", width: 672, height: 384, legend: "right" }));
    expect(svg).toMatch(/^<svg [^>]*width="672" height="384"/);
  });

  it("--ylim fixes the y range (ticks inside it only, data clipped) and --legend right puts the legend right of the panels", () => {
    const agg = aggregateSweep(kDir);
    const svg = renderFigure(errorFigureSpec(agg, { type: "error", ylim: [1e-4, 1], legend: "right", xLog: true }));
    const ticks = [...svg.matchAll(/aria-label="y-axis tick label">(.*?)<\/g>/g)][0][1];
    expect(ticks).toContain("10⁻⁴");
    expect(ticks).not.toContain("10⁻⁵");
    expect(svg).toContain("clip-path");
    // legend entries start right of the panel (x > pad + panel width)
    const xs = [...svg.matchAll(/<line x1="([\d.]+)" y1="[\d.]+" x2="[\d.]+" y2="[\d.]+" stroke="#/g)].map((m) => Number(m[1]));
    expect(xs.length).toBeGreaterThan(0);
    for (const x of xs) expect(x).toBeGreaterThan(16 + 560);
  });

  it("the legend moves right of the panels by default when on top it would take more than two rows", () => {
    const series = Array.from({ length: 12 }, (_, i) => ({ label: `a long legend label number ${i}`, x: [1, 2], y: [1, 2] }));
    const svg = renderFigure({ title: "t", panels: [{ xLabel: "x", yLabel: "y", series }] });
    const firstEntry = Number(/<line x1="([\d.]+)"/.exec(svg)![1]);
    expect(firstEntry).toBeGreaterThan(16 + 560);
    const few = renderFigure({ title: "t", panels: [{ xLabel: "x", yLabel: "y", series: series.slice(0, 2) }] });
    expect(Number(/<line x1="([\d.]+)"/.exec(few)![1])).toBe(16);
  });

  it("--data writes the plotted series as CSV next to the figure, one row per plotted point", async () => {
    const out = tmp("paper-data");
    const r = await cli("plot", kDir, "--out", out, "--metric", "rel_error,loss", "--data", "--size", "8x4in", "--legend", "right", "--title", "My title");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain(path.join(out, "error.csv"));
    const rows = fs.readFileSync(path.join(out, "error.csv"), "utf8").trim().split("\n");
    expect(rows[0]).toBe("panel,series,x,y,lo,hi");
    const spec = errorFigureSpec(aggregateSweep(kDir), { type: "error", metric: "rel_error,loss" });
    const points = spec.panels.flatMap((p) => p.series).reduce((n, s) => n + s.x.length, 0);
    expect(rows.length - 1).toBe(points);
    expect(figureDataCsv(spec).trim().split("\n")).toHaveLength(points + 1);
    expect(fs.readFileSync(path.join(out, "error.svg"), "utf8")).toContain("My title");
    const unknown = await cli("plot", kDir, "--out", out, "--metric", "rel_error,lost");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/--metric lost: the runs of .* have no such column \(they have .*loss/);
    for (const bad of [
      ["--size", "8x4"],
      ["--ylim", "1"],
      ["--legend", "inside"],
      ["--palette", "rainbow"],
      ["--reference", "slope=-1@k>>r"],
    ]) {
      const b = await cli("plot", kDir, "--out", out, ...bad);
      expect(b.code, bad.join(" ")).toBe(2);
      expect(b.err).toContain(bad[0]);
    }
  });
});

describe("reference lines anchored to the curves they are meant for", () => {
  it("by default through the sublinear / k > r curves, never through a curve at machine precision", () => {
    const agg = aggregateSweep(kDir);
    expect(agg.points[0].classification).toBe("linear");
    expect(last(agg.curves[0].metrics.rel_error.median)).toBeLessThan(1e-12); // k = r: machine precision
    const sub = agg.points.map((p, i) => (p.classification === "sublinear" ? i : -1)).filter((i) => i >= 0);
    expect(sub.length).toBeGreaterThan(0);
    const spec = errorFigureSpec(agg, { type: "error", theory: false, reference: { slope: -1, label: "ref" } });
    const ref = spec.panels[0].series.find((s) => s.label.startsWith("theory: ref"))!;
    expect(ref.label).toBe("theory: ref, through the sublinear curves");
    // a factor 2 above the higher of the anchor curves at their last iteration T
    const endOf = (i: number) => last(agg.curves[i].metrics.rel_error.median);
    expect(last(ref.y)).toBeCloseTo(2 * Math.max(...sub.map(endOf)), 12);
    expect(last(ref.x)).toBe(3000);
    const over = errorFigureSpec(agg, { type: "error", theory: false, reference: { slope: -1, label: "ref", anchor: "k>r" } });
    const refOver = over.panels[0].series.find((s) => s.label.startsWith("theory: ref"))!;
    expect(refOver.label).toBe("theory: ref, through the k>r curves");
    expect(last(refOver.y)).toBeCloseTo(2 * Math.max(endOf(1), endOf(2)), 12);
    const ends = [endOf(1), endOf(2)];
    // slope −1 on log-log axes
    expect(Math.log(ref.y[0] / last(ref.y)) / Math.log(last(ref.x) / ref.x[0])).toBeCloseTo(1, 10);
    // anchored explicitly on k = 2 only; on k = r (machine precision) there is no line
    const k2 = errorFigureSpec(agg, { type: "error", theory: false, reference: { slope: -1, label: "ref", anchor: "model.k=2" } });
    expect(last(k2.panels[0].series.find((s) => s.label.startsWith("theory: ref"))!.y)).toBeCloseTo(2 * ends[0], 12);
    const kr = errorFigureSpec(agg, { type: "error", theory: false, reference: { slope: -1, label: "ref", anchor: "k=r" } });
    expect(kr.panels[0].series.some((s) => s.label.startsWith("theory: ref"))).toBe(false);
  });

  it("without classes, the k > r curves; with neither, every curve above machine precision", () => {
    const s = (y: number) => ({ label: String(y), x: [1, 100], y: [1, y] });
    expect(
      referenceAnchors([
        { series: s(1e-15), k: 1, r: 1 },
        { series: s(1e-3), k: 2, r: 1 },
        { series: s(1e-2), k: 1, r: 1 },
      ]).text,
    ).toBe("the k>r curves");
    const none = referenceAnchors([{ series: s(1e-15) }, { series: s(1e-3) }]);
    expect(none.series.map((x) => x.label)).toEqual(["0.001"]);
    expect(() => referenceAnchors([], "k>>r")).toThrow(/anchor "k>>r" is not understood/);
  });
});

describe("theory lines", () => {
  it("the population 1/T law √(k−r)/(4ηt) is the late-time error of symmetric GD on the identity operator (k > r)", () => {
    // derivation (src/plot/theory.ts): the k − r redundant eigenvalues of EEᵀ follow μ(t) = 1/(4η(t + t₀)),
    // so ‖XXᵀ − M*‖_F·4η t/√(k − r) = t/(t + t₀) rises to 1, and t(1/ratio − 1) is the same t₀ at every late t
    const dir = tmp("poplaw");
    const eta = 0.1,
      k = 3,
      r = 1;
    const config = {
      seed: 3,
      problem: { n: 10, rank: r },
      operator: { type: "identity" },
      model: { type: "symmetric", k },
      init: { alpha: 0.01 },
      method: { name: "gd", stepSize: eta },
      stop: { maxIterations: 40000, targetRelError: 0 },
      record: { schedule: "log", perDecade: 10 },
    } as const;
    executeRun(config, dir);
    const t = readRunFolder(dir).metrics!;
    const C = populationLawConstant(config);
    expect(C).toBeCloseTo(Math.sqrt(2) / 0.4, 14);
    const at = (target: number) => {
      const i = t.data.iteration.findIndex((it) => it >= target);
      const it = t.data.iteration[i];
      const ratio = (t.data.abs_error[i] * it) / C;
      return { it, ratio, t0: it * (1 / ratio - 1) };
    };
    const a = at(10000),
      b = at(40000);
    expect(b.ratio).toBeGreaterThan(a.ratio);
    expect(b.ratio).toBeGreaterThan(0.85);
    expect(b.ratio).toBeLessThan(1);
    // the same offset t₀ at both times (a wrong constant C′ = cC would give t₀ estimates differing by (c − 1)·Δt)
    expect(Math.abs(a.t0 - b.t0) / b.t0).toBeLessThan(0.1);
  }, 60_000);

  it("is drawn beside the k > r curves of identity-operator runs, labelled as theory, and not beside k = r", () => {
    const agg = aggregateSweep(kDir);
    const spec = errorFigureSpec(agg, { type: "error", metric: "abs_error", xLog: true });
    const theory = spec.panels[0].series.filter((s) => s.label.startsWith("theory: √(k − r)/(4ηt)"));
    expect(theory).toHaveLength(2);
    expect(theory.every((s) => s.dash === THEORY_DASH)).toBe(true);
    // k = 2: √1/(4·0.1·t) at the last iteration
    expect(last(theory[0].y)).toBeCloseTo(1 / (0.4 * 3000), 12);
    expect(last(theory[1].y)).toBeCloseTo(Math.SQRT2 / (0.4 * 3000), 12);
    // rel_error: divided by ‖M*‖_F = 1 (rank 1, σ = 1); --no-theory leaves it out
    expect(errorFigureSpec(agg, { type: "error", theory: false }).panels[0].series.some((s) => s.label.startsWith("theory"))).toBe(false);
  });

  it("diagnostics figures get it on spurious_norm (the derivation's ‖EEᵀ‖/‖M*‖_F); their reference skips a spurious part at machine precision", () => {
    const agg = aggregateSweep(kDir);
    const reference = { slope: -1, label: "∝ 1/T", metric: "spurious_norm" };
    const spec = sweepFigureSpec(agg, { type: "diagnostics", metrics: ["spurious_norm", "rel_error"], reference });
    const law = spec.panels.map((p) => p.series.filter((s) => s.label.startsWith("theory: √(k − r)")).length);
    expect(law).toEqual([0, 1, 1]);
    const k3 = spec.panels[2].series;
    const spurious = k3[0],
      line = k3.find((s) => s.label.startsWith("theory: √(k − r)"))!;
    // the line is √2/(4ηt)/‖M*‖_F; the measured spurious part approaches it from below like t/(t + t₀)
    const C = last(line.y) * last(line.x);
    expect(C).toBeCloseTo(Math.SQRT2 / 0.4, 12);
    const ratio = (t: number) => {
      const i = spurious.x.findIndex((x) => x >= t);
      return (spurious.y[i] * spurious.x[i]) / C;
    };
    expect(ratio(3000)).toBeLessThan(1);
    expect(ratio(3000)).toBeGreaterThan(ratio(1000));
    expect(ratio(1000)).toBeGreaterThan(ratio(300));
    const refs = spec.panels.map((p) => p.series.filter((s) => s.label === "theory: ∝ 1/T").length);
    expect(refs).toEqual([0, 1, 1]);
  });

  it("rate-vs-α of asymmetric GD with k > r gets the α² law with its fitted constant", async () => {
    const dir = tmp("alpha");
    await runSweep(
      {
        base: {
          problem: { n: 6, rank: 1 },
          operator: { type: "identity" },
          model: { type: "asymmetric", k: 2 },
          method: { name: "gd", stepSize: 0.2 },
          stop: { maxIterations: 3000 },
          record: { schedule: "log", perDecade: 10 },
        },
        vary: { "init.alpha": [0.2, 0.3, 0.45] },
        seeds: 2,
      },
      dir,
      { runner: "inline" },
    );
    const agg = aggregateSweep(dir);
    expect(defaultSweepFigures(agg).map((f) => f.type)).toContain("rate-vs");
    const spec = rateVsFigureSpec(agg, { type: "rate-vs", param: "init.alpha" });
    const law = spec.panels[0].series.find((s) => s.label.startsWith("theory: λ = C·α²"))!;
    const pts = agg.points.map((p) => ({ a: Number(p.params["init.alpha"]), l: p.median.linear_rate }));
    const C = Math.exp(pts.reduce((s, p) => s + Math.log(p.l / (p.a * p.a)), 0) / pts.length);
    expect(law.label).toContain(`C = ${C.toPrecision(3)}`);
    law.x.forEach((a, i) => expect(law.y[i]).toBeCloseTo(C * a * a, 12));
    // with --reference alpha^2 the reference replaces it (same line), and --no-theory drops it
    const none = rateVsFigureSpec(agg, { type: "rate-vs", param: "init.alpha", theory: false });
    expect(none.panels[0].series.some((s) => s.label.startsWith("theory"))).toBe(false);
  }, 60_000);
});

describe("the scalar worst case (Xiong, Ding & Du): exact theory, nothing fitted", () => {
  it("rate-vs-α gets λ(α) = −ln(1 − η·α²(1 − 1/ρ²)), which the fitted rates match; error figures the exponential", async () => {
    const dir = tmp("worst");
    await runSweep(
      {
        base: {
          problem: { n: 2, rank: 1, singularValues: [1] },
          operator: { type: "identity" },
          model: { type: "asymmetric", k: 2 },
          init: { type: "scaled-identity", ratio: 3 },
          method: { name: "gd", stepSize: 0.5 },
          stop: { maxIterations: 20000, targetRelError: 1e-12 },
          record: { schedule: "log", perDecade: 20 },
        },
        vary: { "init.alpha": [0.1, 0.2, 0.4] },
      },
      dir,
      { runner: "inline" },
    );
    const agg = aggregateSweep(dir);
    const lam = (a: number) => -Math.log(1 - 0.5 * a * a * (8 / 9));
    const spec = rateVsFigureSpec(agg, { type: "rate-vs", param: "init.alpha" });
    const law = spec.panels[0].series.find((s) => s.label === "theory: λ = −ln(1 − η·α²(1 − 1/ρ²))")!;
    law.x.forEach((a, i) => expect(law.y[i]).toBeCloseTo(lam(a), 14));
    // the conserved imbalance makes the late rate exact: fitted λ within 1 % of the law
    for (const p of agg.points) expect(Math.abs(p.median.linear_rate / lam(Number(p.params["init.alpha"])) - 1)).toBeLessThan(0.01);
    const err = errorFigureSpec(agg, { type: "error" }).panels[0].series.filter((s) => s.label === "theory: (1 − η·8α²/9)ᵗ (worst case)");
    expect(err).toHaveLength(3);
    // through each curve's last point, decaying at λ(α)
    err.forEach((s, i) => {
      const a = Number(agg.curves[i].params["init.alpha"]);
      expect(Math.log(s.y[0] / last(s.y)) / (last(s.x) - s.x[0])).toBeCloseTo(lam(a), 12);
    });
  }, 60_000);
});

describe("default panels and overlays", () => {
  it("no rate-vs-k panel when only one point is linear", () => {
    const agg = aggregateSweep(kDir);
    // k = r is linear; k > r is sublinear (a long c/(t + t₀) transient may still be called linear by the rate rule)
    expect(agg.points[0].classification).toBe("linear");
    expect(agg.points.filter((p) => p.classification === "linear").length).toBeLessThan(MIN_LINEAR_POINTS);
    expect(defaultSweepFigures(agg).map((f) => f.type)).toEqual(["error"]);
  });

  it("overlays keep each folder's config summary in the caption", async () => {
    const run = path.join(kDir, "model.k=2__seed=0");
    const out = tmp("overlay");
    const r = await cli("plot", kDir, run, "--labels", "sweep,run", "--out", out);
    expect(r.code).toBe(0);
    const svg = fs.readFileSync(path.join(out, "overlay.svg"), "utf8");
    const caption = [...svg.matchAll(/<text x="16" y="[\d.]+" font-size="11" fill="#444">(.*?)<\/text>/g)].map((m) => m[1]).join(" ");
    expect(caption).toContain("sweep: sweep");
    expect(caption).toContain("k=varied");
    expect(caption).toContain("run: run");
    expect(caption).toContain("k=2; init=small-random");
    expect(caption).toContain("operator=identity");
  });
});

describe("gradient flow on a time axis", () => {
  it("a figure mixing GD and the gradient flow puts both on t = η·iteration (the flow: its integrated time), and says method=varied", async () => {
    const dir = tmp("flow");
    await runSweep(
      {
        base: {
          problem: { n: 6, rank: 1, truth: "general" },
          operator: { type: "identity" },
          model: { type: "asymmetric", k: 1 },
          init: { alpha: 1e-3, ratio: 1 },
          method: { name: "gd", stepSize: 0.2 },
          stop: { maxIterations: 300 },
          record: { schedule: "log", perDecade: 10, singularValues: 1 },
        },
        variants: [
          { name: "GD", set: {} },
          { name: "flow", set: { "method.name": "gradient-flow" } },
        ],
        seeds: 2,
      },
      dir,
      { runner: "inline" },
    );
    const agg = aggregateSweep(dir);
    const spec = errorFigureSpec(agg, { type: "error" });
    const [gd, flow] = spec.panels[0].series;
    expect(spec.panels[0].xLabel).toContain("time t = η·iteration");
    expect(spec.caption).toContain("method=varied");
    // GD: t = 0.2 × iteration
    const gdIters = agg.curves[0].iterations;
    expect(gd.x.slice(0, 5)).toEqual(gdIters.slice(0, 5).map((i) => 0.2 * i));
    // flow: the median over seeds of flow_time at each recorded step
    const runs = agg.runs.filter((r) => r.point === agg.curves[1].point).map((r) => readRunFolder(path.join(dir, String(r.id))).metrics!.data);
    const j = 5;
    const times = runs.map((d) => d.flow_time[j]).sort((a, b) => a - b);
    expect(flow.x[j]).toBeCloseTo((times[0] + times[1]) / 2, 12);
    // at equal time GD (small η) and the flow are close; on the iteration axis the flow's adaptive steps are far longer than η
    const flowSteps = runs[0].flow_time[runs[0].flow_time.length - 1] / last(runs[0].iteration);
    expect(flowSteps).toBeGreaterThan(0.2);
    const sv = sweepFigureSpec(agg, { type: "singular-values" });
    expect(sv.panels.every((p) => p.xLabel.startsWith("time"))).toBe(true);
    // an overlay of a GD run and a flow run: both on the time axis
    const out = tmp("flow-overlay");
    const r = await cli("plot", path.join(dir, "variant=GD__seed=0"), path.join(dir, "variant=flow__seed=0"), "--labels", "GD,flow", "--out", out, "--data");
    expect(r.code).toBe(0);
    const csv = fs
      .readFileSync(path.join(out, "overlay.csv"), "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split(","));
    const flowRun = readRunFolder(path.join(dir, "variant=flow__seed=0")).metrics!.data;
    expect(csv.filter((c) => c[1] === "flow").map((c) => Number(c[2]))).toEqual(flowRun.flow_time);
    expect(
      csv
        .filter((c) => c[1] === "GD")
        .slice(0, 3)
        .map((c) => Number(c[2])),
    ).toEqual(gdIters.slice(0, 3).map((i) => 0.2 * i));
    expect(fs.readFileSync(path.join(out, "overlay.svg"), "utf8")).toContain("time t = η·iteration");
    // without the flow, iterations stay
    expect(errorFigureSpec(aggregateSweep(kDir), { type: "error" }).panels[0].xLabel).toBe("iteration");
  }, 60_000);
});
