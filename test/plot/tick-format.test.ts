import { describe, expect, it } from "vitest";
import { formatTick, renderPanel } from "../../src/plot/figure.js";
import { figureLabel, figureValue } from "../../src/plot/request.js";

describe("tick labels", () => {
  it("write 0.001 ≤ |v| < 10⁶ in decimals and the others in exponent form, with at most `digits` significant digits", () => {
    expect(formatTick(1e-6)).toBe("1e-6");
    expect(formatTick(1e-8)).toBe("1e-8");
    expect(formatTick(2.5e-7)).toBe("2.5e-7");
    expect(formatTick(-3e-5)).toBe("-3e-5");
    expect(formatTick(1e8)).toBe("1e8");
    expect(formatTick(1234567)).toBe("1.23e6");
    expect(formatTick(0.001)).toBe("0.001");
    expect(formatTick(0.05)).toBe("0.05");
    expect(formatTick(2500)).toBe("2500");
    expect(formatTick(0)).toBe("0");
    expect(formatTick(0.123456, 2)).toBe("0.12");
    expect(formatTick(0.00099999)).toBe("0.001"); // rounded first, then the form chosen
    // every label reads back as the value to `digits` significant digits
    for (const v of [3.7e-9, 1.05e-4, 0.0123, 7, 123456, 9.87e11]) expect(Number(formatTick(v)) / Number(v.toPrecision(3))).toBe(1);
  });

  it("of a log parameter axis (the iterations-vs figures' α ticks) read 1e-6, not 0.000001", () => {
    const x = [1e-8, 1e-6, 1e-4, 1e-2];
    const svg = renderPanel({ xLabel: "α", yLabel: "iterations", xLog: true, series: [{ label: "a", x, y: [140, 120, 90, 70] }], xTicks: x }, 500, 300);
    for (const t of ["1e-8", "1e-6", "1e-4", "0.01"]) expect(svg).toContain(`>${t}<`);
    expect(svg).not.toContain("0.000001");
    expect(svg).not.toContain("0.0001<");
  });

  it("of a log axis spanning less than a decade and of a linear axis use the same form", () => {
    const svg = renderPanel({ xLabel: "x", yLabel: "y", yLog: true, series: [{ label: "a", x: [1, 2, 3], y: [2e-6, 3e-6, 5e-6] }] }, 500, 300);
    expect(svg).toMatch(/>[2-5]e-6</);
    expect(svg).not.toMatch(/>0\.00000\d/);
    const lin = renderPanel({ xLabel: "x", yLabel: "y", series: [{ label: "a", x: [1, 2, 3], y: [1e-4, 2e-4, 3e-4] }] }, 500, 300);
    expect(lin).toMatch(/>1e-4</);
    expect(lin).not.toMatch(/>1\.0e-4</);
  });

  it("of legends and panel titles write parameter values below 0.001 in exponent form, exactly (α=1e-6, not α=0.000001)", () => {
    expect(figureValue(1e-6)).toBe("1e-6");
    expect(figureValue(2.5e-4)).toBe("2.5e-4");
    expect(figureValue(0.0001234567)).toBe("1.234567e-4"); // not rounded: a legend names the run's exact value
    expect(figureValue(0.05)).toBe("0.05");
    expect(figureValue(1000000)).toBe("1000000");
    expect(figureValue(0)).toBe("0");
    expect(figureValue("20 × 40")).toBe("20 × 40");
    expect(figureLabel({ "init.alpha": 0.000001, "model.k": 2 })).toBe("α=1e-6, k=2");
    for (const v of [1e-6, 3.3e-5, 7e-9]) expect(Number(figureValue(v))).toBe(v);
  });
});
