import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { expandRange, parseGrid } from "../../src/config/grid.js";
import { ConfigError, resolveConfig } from "../../src/config/schema.js";
import { suggestPath } from "../../src/config/suggest.js";
import { matsenseVersion } from "../../src/io/version.js";
import { EXIT_DAMAGED_RUNS } from "../../src/cli/sweep.js";

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "",
    err = "";
  const code = await main(["node", "matsense", ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const tmp = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `matsense-${name}-`));
const configError = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error("no ConfigError");
};

/** Symmetric GD, identity operator, k = r = 1, σ = 1: the slowest mode is the cross term, e_t ∝ (1 − 2η)ᵗ. */
const exactRank = ["operator.type=identity", "problem.n=8", "problem.rank=1", "model.type=symmetric", "stop.maxIterations=3000"].flatMap((s) => ["--set", s]);

describe("run: the fitted rate of a single run", () => {
  it("prints and stores the rate class and λ; for k = r on the identity operator λ = −ln(1 − 2ησ_r)", async () => {
    // X = a·u + b·w (w ⊥ u): b ← b(1 − 2η(a² + b²)) → b(1 − 2η) at a = 1, so the cross term ab decays like (1 − 2η)ᵗ,
    // slower than a² − 1 (∝ (1 − 4η)ᵗ): the error's late rate is −ln(1 − 2η)
    for (const eta of [0.1, 0.05]) {
      const dir = tmp("rate");
      const r = await cli("run", ...exactRank, "--set", `method.stepSize=${eta}`, "--out", dir, "--force");
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/rate \(rel_error\): linear, λ = [\d.]+e-1 per iteration/);
      const rate = JSON.parse(fs.readFileSync(path.join(dir, "summary.json"), "utf8")).rate;
      expect(rate.classification).toBe("linear");
      expect(rate.axis).toBe("iteration");
      expect(Math.abs(rate.linear_rate / -Math.log(1 - 2 * eta) - 1)).toBeLessThan(0.01);
      expect(rate.loglog_slope).toBeUndefined(); // meaningless for a linear run
    }
  });

  it("a sublinear run gets its log-log slope and no λ; `aggregate RUN_DIR` prints the same", async () => {
    const dir = tmp("rate-sub");
    const sets = ["model.k=3", "init.alpha=0.1", "stop.maxIterations=20000", "method.stepSize=0.1"].flatMap((s) => ["--set", s]);
    await cli("run", ...exactRank, ...sets, "--out", dir, "--force", "-q");
    const rate = JSON.parse(fs.readFileSync(path.join(dir, "summary.json"), "utf8")).rate;
    expect(rate.classification).toBe("sublinear");
    expect(rate.linear_rate).toBeUndefined();
    // population 1/T law e ∝ 1/(t + t₀): the local slope −t/(t + t₀) is above −1 and, with t₀ ≪ T = 20 000, near it
    expect(rate.loglog_slope).toBeLessThan(-0.95);
    expect(rate.loglog_slope).toBeGreaterThan(-1);
    const a = await cli("aggregate", dir);
    expect(a.code).toBe(0);
    expect(a.out).toContain(`sublinear, log-log slope ${rate.loglog_slope.toFixed(2)}`);
    expect(a.out).toContain("max-iterations after 20000 iterations");
  }, 30_000);
});

describe("grids and sweeps", () => {
  it('grids accept {"logspace": [a, b, n]} (endpoints) and {"linspace": [a, b, n]}', () => {
    expect(expandRange({ logspace: [1e-4, 1e-1, 7] }, "x")).toEqual([1e-4, 3.16227766017e-4, 1e-3, 3.16227766017e-3, 1e-2, 3.16227766017e-2, 1e-1]);
    expect(expandRange({ linspace: [0.1, 0.5, 5] }, "x")).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(expandRange({ linspace: [2, 2, 1] }, "x")).toEqual([2]);
    const g = parseGrid({
      vary: { "init.alpha": { logspace: [1e-3, 1e-1, 3] } },
      zip: [{ "model.k": { linspace: [2, 4, 3] }, "method.stepSize": [0.1, 0.1, 0.1] }],
    });
    expect(g.vary["init.alpha"]).toEqual([1e-3, 1e-2, 1e-1]);
    expect(g.zip[0]["model.k"]).toEqual([2, 3, 4]);
    expect(configError(() => parseGrid({ vary: { "init.alpha": { logspace: [0, 1, 3] } } }))).toMatch(
      /grid\.vary\.init\.alpha.*needs a, b > 0 \(they are the endpoints, not exponents\)/,
    );
    expect(configError(() => parseGrid({ vary: { "init.alpha": { linspace: [0, 1, 2.5] } } }))).toMatch(/integer count/);
  });

  it("sweep --set overrides the grid's base and refuses a varied path", async () => {
    const grid = path.join(tmp("grid"), "grid.json");
    const base = { problem: { n: 6, rank: 1 }, operator: { type: "identity" }, stop: { maxIterations: 1000 } };
    fs.writeFileSync(grid, JSON.stringify({ base, vary: { "init.alpha": [0.01, 0.1] } }));
    const out = tmp("sweep-set");
    const r = await cli("sweep", "--grid", grid, "--out", out, "--set", "stop.maxIterations=40", "--workers", "1", "-q");
    expect(r.code).toBe(0);
    const cfg = JSON.parse(fs.readFileSync(path.join(out, "init.alpha=0.01__seed=0", "config.json"), "utf8"));
    expect(cfg.stop.maxIterations).toBe(40);
    expect(JSON.parse(fs.readFileSync(path.join(out, "grid.json"), "utf8")).base.stop.maxIterations).toBe(40);
    const bad = await cli("sweep", "--grid", grid, "--out", tmp("sweep-set2"), "--set", "init.alpha=0.5", "-q");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--set init\.alpha: the grid varies init\.alpha/);
  }, 30_000);

  it("aggregate --strict exits with a distinct code when runs are damaged (without it: reported, exit 0)", async () => {
    const grid = { base: { problem: { n: 6, rank: 1 }, operator: { type: "identity" }, stop: { maxIterations: 30 } }, vary: { "init.alpha": [0.01, 0.1] } };
    const gridFile = path.join(tmp("grid"), "grid.json");
    fs.writeFileSync(gridFile, JSON.stringify(grid));
    const out = tmp("strict");
    expect((await cli("sweep", "--grid", gridFile, "--out", out, "--workers", "1", "-q")).code).toBe(0);
    fs.writeFileSync(path.join(out, "init.alpha=0.1__seed=0", "metrics.csv"), "iteration,loss\n0,oops\n");
    const lax = await cli("aggregate", out, "-q");
    expect(lax.code).toBe(0);
    expect(lax.err).toMatch(/damaged run/);
    const strict = await cli("aggregate", out, "--strict", "-q");
    expect(strict.code).toBe(EXIT_DAMAGED_RUNS);
    expect(strict.err).toMatch(/--strict: 1 damaged run folder/);
    const run = await cli("aggregate", path.join(out, "init.alpha=0.1__seed=0"));
    expect(run.code).toBe(EXIT_DAMAGED_RUNS);
  }, 30_000);
});

describe("config errors and small commands", () => {
  it('misspelled fields get "did you mean" from the schema\'s paths', () => {
    expect(configError(() => resolveConfig({ init: { alpah: 0.1 } }))).toMatch(/unknown field init\.alpah .* did you mean init\.alpha\?/);
    expect(configError(() => resolveConfig({ method: { stepsize: 0.1 } }))).toMatch(/did you mean method\.stepSize\?/);
    expect(configError(() => resolveConfig({ problme: { n: 5 } }))).toMatch(/did you mean problem\?/);
    expect(configError(() => resolveConfig({ alpha: 0.1 }))).toMatch(/did you mean init\.alpha\?/);
    expect(configError(() => resolveConfig({ init: { zzzzzzzz: 1 } }))).not.toMatch(/did you mean/);
    expect(configError(() => parseGrid({ varry: {} }))).toMatch(/did you mean vary\?/);
    expect(suggestPath("model.kk", ["model.k", "model.type"])).toBe("model.k");
  });

  it("--set with a typo names the field and the suggestion on the command line", async () => {
    const r = await cli("config", "--set", "init.alpah=0.1");
    expect(r.code).toBe(2);
    expect(r.err).toContain("did you mean init.alpha?");
  });

  it("instance without --rip prints sizes, norms, the operator gain and memory", async () => {
    const r = await cli("instance", "--set", "operator.type=identity", "--set", "problem.n=8", "--set", "problem.kappa=4", "--json");
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    // identity: A(M*) = M*, gain exactly 1; σ = linspace(1, 1/4, 2): ‖M*‖_F = √(1 + 1/16)
    expect(s.gain).toBeCloseTo(1, 12);
    expect(s.truthFrobenius).toBeCloseTo(Math.sqrt(1 + 1 / 16), 12);
    expect(s.kappa).toBeCloseTo(4, 12);
    expect(s.m).toBe(64);
    expect(s.memory.total).toBeGreaterThan(0);
    const g = await cli("instance", "--set", "problem.n=10", "--set", "operator.m=2000", "--set", "problem.noise=0.01");
    expect(g.code).toBe(0);
    expect(g.out).toMatch(/operator gain on M\*: ‖A\(M\*\)‖²\/‖M\*‖²_F = [\d.]+/);
    // Gaussian: ‖A(M*)‖²/‖M*‖² ~ χ²_m/m, within 5·√(2/m) = 0.16 of 1; noise ‖·‖ ≈ 0.01·√m = 0.45
    const gain = Number(/= ([\d.]+) \(1 in expectation\)/.exec(g.out)![1]);
    expect(Math.abs(gain - 1)).toBeLessThan(0.16);
    const noise = Number(/noise ‖y − A\(M\*\)‖ = ([\d.]+)/.exec(g.out)![1]);
    expect(Math.abs(noise / 0.447 - 1)).toBeLessThan(0.1);
    expect(g.out).toMatch(/memory of a run: /);
  });

  it("-v prints the version", async () => {
    const r = await cli("-v");
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(matsenseVersion());
  });
});
