import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { executeRun } from "../../src/run/runFolder.js";
import { runConfig } from "../../src/run/run.js";
import { writeNpyAtomic } from "../../src/io/files.js";
import { ConfigError } from "../../src/config/schema.js";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "matsense-files-"));

/** The recorded rows without the wall-clock column. */
function rows(dir: string): string[] {
  const lines = fs.readFileSync(path.join(dir, "metrics.csv"), "utf8").trim().split("\n");
  const cols = lines[0].split(",");
  const drop = cols.indexOf("seconds");
  return lines.map((l) =>
    l
      .split(",")
      .filter((_, i) => i !== drop)
      .join(","),
  );
}

/** A config as these tests write it: the sections they read and edit are plain objects. */
type TestConfig = { problem?: object; operator: Record<string, unknown>; [section: string]: unknown };

/** The config that reads everything --save-instance wrote in `dir` back in. */
function fromFiles(dir: string, base: TestConfig, m: number): TestConfig {
  return {
    ...base,
    problem: { ...base.problem, truth: "file", file: path.join(dir, "M_star.npy"), noise: 0 }, // y.npy holds the noisy y
    operator: {
      type: "dense-file",
      m,
      file: path.join(dir, "A.npy"),
      yFile: path.join(dir, "y.npy"),
      backend: base.operator.backend,
      storage: base.operator.storage,
    },
    init: { type: "file", dir },
  };
}

describe("inputs from files: a run from its exported instance equals the original bit for bit", () => {
  it.each([
    [
      "asymmetric FGᵀ, general truth, gaussian, noisy y",
      {
        problem: { n: 7, n2: 5, rank: 2, truth: "general", kappa: 3, noise: 0.01 },
        model: { type: "asymmetric", k: 3 },
        operator: { type: "gaussian", m: 90, backend: "ts" },
      },
    ],
    [
      "symmetric XXᵀ, PSD truth, symmetric-gaussian float64",
      { problem: { n: 6, rank: 2 }, model: { type: "symmetric", k: 3 }, operator: { type: "symmetric-gaussian", m: 70, storage: "float64" } },
    ],
    [
      'deep W_3W_2W_1 (W2_0.npy read back by init.type "file")',
      { problem: { n: 6, n2: 5, rank: 2, truth: "general" }, model: { type: "deep", depth: 3, k: 3 }, operator: { type: "gaussian", m: 80 } },
    ],
    [
      "asymmetric, wasm backend, float32 storage",
      { problem: { n: 6, rank: 1, truth: "general" }, model: { type: "asymmetric" }, operator: { type: "gaussian", m: 50, storage: "float32" } },
    ],
  ])("%s", (_name, cfg: TestConfig) => {
    const base = { seed: 5, ...cfg, operator: { backend: "auto", storage: "auto", ...cfg.operator }, method: { stepSize: 0.1 }, stop: { maxIterations: 60 } };
    const a = path.join(tmp(), "a"),
      b = path.join(tmp(), "b");
    executeRun(base, a, { saveInstance: true });
    const again = executeRun(fromFiles(a, base, cfg.operator.m as number), b, {});
    expect(rows(b)).toEqual(rows(a));
    expect(again.summary.status).toBe("max-iterations");
  });

  it("without y.npy, y = A(M*) is measured from the file's operator and truth (noise-free runs agree bitwise too)", () => {
    const base = {
      seed: 2,
      problem: { n: 5, rank: 1, truth: "general" },
      model: { type: "asymmetric" },
      operator: { type: "gaussian", m: 40 },
      stop: { maxIterations: 30 },
    };
    const a = path.join(tmp(), "a"),
      b = path.join(tmp(), "b");
    executeRun(base, a, { saveInstance: true });
    const cfg = fromFiles(a, { ...base, operator: { backend: "auto", storage: "auto" } }, 40);
    delete cfg.operator.yFile;
    executeRun(cfg, b, {});
    expect(rows(b)).toEqual(rows(a));
  });
});

describe("inputs from files: errors name the field, the file and the shape expected", () => {
  const dir = tmp();
  writeNpyAtomic(path.join(dir, "M.npy"), [4, 3], new Float64Array(12).fill(1));
  it("a truth of the wrong shape", () => {
    expect(() =>
      runConfig({ problem: { n: 4, n2: 4, rank: 1, truth: "file", file: path.join(dir, "M.npy") }, model: { type: "asymmetric" }, stop: { maxIterations: 1 } }),
    ).toThrow(/problem\.file: .*M\.npy: holds a 4×3 array; expected 4×4 \(M\*, problem\.n × problem\.n2 = 4×4\)/);
  });
  it("a missing file", () => {
    expect(() => runConfig({ problem: { n: 4, rank: 1, truth: "file", file: path.join(dir, "nope.npy") }, model: { type: "asymmetric" } })).toThrow(
      /problem\.file: .*nope\.npy: cannot be read/,
    );
  });
  it("an operator file of the wrong m", () => {
    const A = path.join(dir, "A.npy");
    writeNpyAtomic(A, [10, 4, 3], new Float64Array(120));
    expect(() =>
      runConfig({ problem: { n: 4, n2: 3, rank: 1, truth: "general" }, model: { type: "asymmetric" }, operator: { type: "dense-file", m: 12, file: A } }),
    ).toThrow(/operator\.file: .*A\.npy: holds a 10×4×3 array; expected 12×4×3/);
  });
  it("dense-file without operator.m or operator.file, init file without init.dir, truth file without problem.file", () => {
    let err: unknown;
    try {
      runConfig({ problem: { truth: "file" }, model: { type: "asymmetric" }, operator: { type: "dense-file" }, init: { type: "file" } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const paths = (err as ConfigError).issues.map((i) => i.path).sort();
    expect(paths).toEqual(["init.dir", "operator.file", "operator.m", "problem.file"]);
  });
  it("a truth whose numerical rank differs from problem.rank runs with a warning that gives both", () => {
    // rank 2: two orthogonal directions with σ = 3 and 1e-3 (well above n·ε·σ₁)
    const M = new Float64Array(12);
    M[0] = 3;
    M[1 * 3 + 1] = 1e-3;
    writeNpyAtomic(path.join(dir, "M2.npy"), [4, 3], M);
    const out = runConfig({
      problem: { n: 4, n2: 3, rank: 1, truth: "file", file: path.join(dir, "M2.npy") },
      model: { type: "asymmetric" },
      operator: { m: 40 },
      stop: { maxIterations: 2 },
    });
    expect(out.warnings.join("\n")).toMatch(/numerical rank 2 .*problem\.rank = 1.*σ_2 = 0\.00100/);
    expect(out.instance.truth.Mstar.data).toEqual(M);
  });
});
