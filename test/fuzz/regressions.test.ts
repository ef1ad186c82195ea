import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { expandGrid } from "../../src/config/grid.js";
import { executeRun } from "../../src/run/runFolder.js";
import { runConfig } from "../../src/run/run.js";
import { inspectRunFolder } from "../../src/results/validate.js";
import { ConfigError, resolveConfig } from "../../src/config/schema.js";
import { decodeNpy, npyHeader } from "../../src/io/npy.js";
import { configErrorOf } from "../config-error.js";

/**
 * Every bug the fuzzers of test/fuzz found, as a fixed case (each failed on the main
 * branch before the fix): the counterexample fast-check shrank to, and what must happen.
 */

const configError = configErrorOf;

describe("bugs found by the fuzzers", () => {
  it('storage "regenerate" with backend "wasm" is refused by the validation (was a RangeError when building, exit 1)', () => {
    const e = configError(() => resolveConfig({ problem: { n: 4 }, operator: { storage: "regenerate", backend: "wasm" } }));
    expect(e.issues[0].path).toBe("operator.backend");
  });

  it("method.tolerance = 5e-324 is refused (was a gradient-flow 'step size underflow' RangeError at the first step)", () => {
    expect(configError(() => resolveConfig({ method: { name: "gradient-flow", tolerance: 5e-324 } })).issues[0].path).toBe("method.tolerance");
    expect(resolveConfig({ method: { name: "gradient-flow", tolerance: 1e-14 } }).method).toMatchObject({ tolerance: 1e-14 });
  });

  it("an iterate that overflows with record.singularValues ends diverged (was a RangeError from the eigen solver)", () => {
    const r = runConfig({ problem: { n: 4 }, init: { alpha: 5.988886265029479e153 }, record: { singularValues: 1 }, stop: { maxIterations: 10 } }).result;
    expect(r.status).toBe("diverged");
    expect(r.divergedAt).toBe(0);
    const a = runConfig({
      problem: { n: 4 },
      model: { type: "asymmetric" },
      init: { alpha: 1e200, ratio: 1e300 },
      record: { imbalanceEigenvalues: true },
      stop: { maxIterations: 10 },
    }).result;
    expect(a.status).toBe("diverged");
  });

  it("measurements whose ‖y‖² overflows are refused naming problem.noise (was a RangeError from the spectral init)", () => {
    const e = configError(() =>
      runConfig({ problem: { n: 4, noise: 8.467075795520752e306 }, init: { type: "spectral" }, record: { perDecade: 1 }, stop: { maxIterations: 10 } }),
    );
    expect(e.issues[0].path).toBe("problem.noise");
    expect(e.message).toContain("overflow");
  });

  it("completion whose random Ω is empty is refused naming operator.p (was a RangeError)", () => {
    const e = configError(() =>
      runConfig({ seed: 453, problem: { n: 4 }, operator: { type: "completion", p: 0.05 }, init: { alpha: 1e-6 }, stop: { maxIterations: 10 } }),
    );
    expect(e.issues[0].path).toBe("operator.p");
  });

  it('a grid with "variants": [] and "seeds": 1e9 is refused (0 points × 1e9 seeds passed the count check and ran out of memory)', () => {
    expect(() => expandGrid({ base: {}, variants: [], seeds: 1_000_000_000 })).toThrow(ConfigError);
    expect(() => expandGrid({ base: {}, vary: { "init.alpha": [0.1] }, variants: [{ name: "a" }], seeds: 1_000_000_000 }, { allowLarge: true })).toThrow(
      /more than the limit/,
    );
  });

  it(".npy headers with a shape like (x,) or (2.5,) are refused (were decoded as an empty or mis-shaped array)", () => {
    for (const shape of ["(x,)", "(2.5,)", "(3,, 2)", "(-1,)"]) {
      const h = Buffer.from(npyHeader([3, 2]))
        .toString("latin1")
        .replace("(3, 2)", shape.padEnd(6));
      const bytes = Uint8Array.from(Buffer.concat([Buffer.from(h, "latin1"), Buffer.from(new Float64Array(6).buffer)]));
      expect(() => decodeNpy(bytes)).toThrow(/invalid shape/);
    }
  });

  it("a summary.json whose status contradicts the stop rules is damaged (an edited status was accepted)", () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "matsense-reg-")), "run");
    executeRun({ problem: { n: 4 }, operator: { backend: "ts" }, stop: { maxIterations: 12 } }, dir);
    expect(inspectRunFolder(dir).state).toBe("done");
    const s = JSON.parse(fs.readFileSync(path.join(dir, "summary.json"), "utf8"));
    for (const status of ["converged", "diverged", "time-limit"]) {
      fs.writeFileSync(path.join(dir, "summary.json"), JSON.stringify({ ...s, status }));
      const i = inspectRunFolder(dir);
      expect(i.state).toBe("damaged");
      expect(i.reason).toMatch(new RegExp(`^summary\\.json says ${status}`));
    }
  });
});
