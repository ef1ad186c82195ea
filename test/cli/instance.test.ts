import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "",
    err = "";
  const code = await main(["node", "matsense", ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe("matsense instance --rip", () => {
  it("prints a Monte-Carlo RIP estimate: exactly an isometry for the identity operator", async () => {
    const r = await cli(["instance", "--rip", "2", "--set", "operator.type=identity", "--set", "problem.n=8", "--samples", "30", "--json"]);
    expect(r.code).toBe(0);
    const est = JSON.parse(r.out) as { max: number; samples: number; rank: number };
    expect(est.samples).toBe(30);
    expect(est.rank).toBe(2);
    expect(est.max).toBeLessThan(1e-13);
  });

  it("for Gaussian sensing the deviations are of the size √(2/m)", async () => {
    const r = await cli(["instance", "--rip", "2", "--set", "problem.n=10", "--set", "operator.m=800", "--samples", "200", "--json"]);
    const est = JSON.parse(r.out) as { median: number; max: number };
    // |χ²_m/m − 1| has median ≈ 0.674·√(2/m) = 0.034 at m = 800; a factor 2 either way is far outside sampling noise
    expect(est.median).toBeGreaterThan(0.017);
    expect(est.median).toBeLessThan(0.068);
    expect(est.max).toBeLessThan(0.5);
  });

  it("refuses a bad rank with exit code 2 and a message naming the option", async () => {
    const r = await cli(["instance", "--rip", "0"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--rip must be an integer ≥ 1, got "0"/);
    const big = await cli(["instance", "--rip", "50", "--set", "problem.n=10"]);
    expect(big.code).toBe(2);
    expect(big.err).toMatch(/--rip must be ≤ min\(n1, n2\) = 10/);
  });
});
