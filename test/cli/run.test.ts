import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { decodeNpy } from "../../src/io/npy.js";

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "",
    err = "";
  const code = await main(["node", "matsense", ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "matsense-test-"));
}

function readCsv(file: string): { header: string[]; rows: number[][] } {
  const lines = fs.readFileSync(file, "utf8").trim().split("\n");
  return { header: lines[0].split(","), rows: lines.slice(1).map((l) => l.split(",").map(Number)) };
}

const hasNumpy = spawnSync("python3", ["-c", "import numpy"], { stdio: "ignore" }).status === 0;

describe("matsense run", () => {
  let dir: string;
  beforeAll(async () => {
    dir = path.join(tmpdir(), "run");
    const r = await cli(
      "run",
      "-q",
      "--out",
      dir,
      "--save-instance",
      "--set",
      "seed=5",
      "--set",
      "problem.n=6",
      "--set",
      "problem.n2=5",
      "--set",
      "problem.truth=general",
      "--set",
      "problem.rank=2",
      "--set",
      "model.type=asymmetric",
      "--set",
      "model.k=3",
      "--set",
      "operator.m=120",
      "--set",
      "init.alpha=0.1",
      "--set",
      "stop.maxIterations=50",
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
  });

  it("writes config.json with the resolved config, version and backend", () => {
    const c = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8"));
    expect(c.seed).toBe(5);
    expect(c.problem.n2).toBe(5);
    expect(c.operator.m).toBe(120);
    expect(c.model.k).toBe(3);
    expect(c.matsense.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(typeof c.matsense.backend).toBe("string");
    expect(c.matsense.backend).not.toBe("auto");
  });

  it("writes metrics.csv from iteration 0 with the contract columns", () => {
    const { header, rows } = readCsv(path.join(dir, "metrics.csv"));
    for (const col of ["iteration", "seconds", "loss", "abs_error", "rel_error", "imbalance_norm"]) expect(header).toContain(col);
    expect(header.slice(0, 5)).toEqual(["iteration", "seconds", "loss", "abs_error", "rel_error"]);
    expect(rows[0][0]).toBe(0);
    expect(rows[rows.length - 1][0]).toBe(50);
    expect(rows.length).toBe(51);
    expect(fs.existsSync(path.join(dir, "metrics.csv.partial"))).toBe(false);
  });

  it("writes summary.json with status, iterations, final metrics and warnings", () => {
    const s = JSON.parse(fs.readFileSync(path.join(dir, "summary.json"), "utf8"));
    expect(s.status).toBe("max-iterations");
    expect(s.iterations).toBe(50);
    expect(s.final.iteration).toBe(50);
    expect(s.warnings).toEqual([]);
  });

  it("--save-instance writes the exact instance: y = A(M*) with A(Z)_i = ⟨A_i, Z⟩/√m", () => {
    const A = decodeNpy(fs.readFileSync(path.join(dir, "A.npy")));
    const M = decodeNpy(fs.readFileSync(path.join(dir, "M_star.npy")));
    const y = decodeNpy(fs.readFileSync(path.join(dir, "y.npy")));
    const F0 = decodeNpy(fs.readFileSync(path.join(dir, "F0.npy")));
    const G0 = decodeNpy(fs.readFileSync(path.join(dir, "G0.npy")));
    expect(A.shape).toEqual([120, 6, 5]);
    expect(M.shape).toEqual([6, 5]);
    expect(F0.shape).toEqual([6, 3]);
    expect(G0.shape).toEqual([5, 3]);
    for (let i = 0; i < 120; i++) {
      let s = 0;
      for (let j = 0; j < 30; j++) s += A.data[i * 30 + j] * M.data[j];
      expect(Math.abs(s / Math.sqrt(120) - y.data[i])).toBeLessThan(1e-14 * 10);
    }
    // the init scales: F₀ ~ N(0, α²), G₀ ~ N(0, (α/3)²) — sample std within 30% (18 and 15 draws)
    const std = (d: ArrayLike<number>) => Math.sqrt(Array.from(d).reduce((a, v) => a + v * v, 0) / d.length);
    expect(std(F0.data) / 0.1).toBeGreaterThan(0.6);
    expect(std(F0.data) / 0.1).toBeLessThan(1.4);
    expect(std(G0.data) / (0.1 / 3)).toBeGreaterThan(0.6);
    expect(std(G0.data) / (0.1 / 3)).toBeLessThan(1.4);
  });

  it.skipIf(!hasNumpy)("--save-instance files load in NumPy and reproduce the first GD step (skipped without python3+numpy)", () => {
    const script = `
import json, numpy as np, sys, csv
d = sys.argv[1]
A = np.load(d + "/A.npy"); M = np.load(d + "/M_star.npy"); y = np.load(d + "/y.npy")
F = np.load(d + "/F0.npy"); G = np.load(d + "/G0.npy")
cfg = json.load(open(d + "/config.json")); m = A.shape[0]; eta = cfg["method"]["stepSize"]
Am = A.reshape(m, -1)
assert np.allclose(Am @ M.ravel() / np.sqrt(m), y, rtol=0, atol=1e-13)
def step(F, G):
    r = Am @ (F @ G.T).ravel() / np.sqrt(m) - y
    S = (Am.T @ r).reshape(M.shape) / np.sqrt(m)
    return F - eta * S @ G, G - eta * S.T @ F
for _ in range(50): F, G = step(F, G)
P = F @ G.T
rows = list(csv.DictReader(open(d + "/metrics.csv")))
rel = float(rows[-1]["rel_error"])
print(abs(np.linalg.norm(P - M) / np.linalg.norm(M) - rel) / rel)
`;
    const r = spawnSync("python3", ["-c", script, dir], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    // 50 iterations of the same arithmetic in a different summation order: agreement to ~1e-12
    expect(Number(r.stdout.trim())).toBeLessThan(1e-10);
  });
});

describe("matsense run errors", () => {
  it("an invalid config gives a one-paragraph error with field, value and allowed values, exit 2, no stack", async () => {
    const r = await cli("run", "--set", "init.alpha=-2", "--set", "operator.type=fourier", "--out", path.join(tmpdir(), "x"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/init\.alpha: must be > 0 \(got -2\)/);
    expect(r.err).toMatch(/operator\.type: must be one of "gaussian", "symmetric-gaussian", "identity"(, "[a-z-]+")* \(got "fourier"\)/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it("a config file that is not JSON is named in the error", async () => {
    const f = path.join(tmpdir(), "bad.json");
    fs.writeFileSync(f, "{ seed: 1 ");
    const r = await cli("run", "--config", f);
    expect(r.code).toBe(2);
    expect(r.err).toContain(f);
    expect(r.err).toMatch(/not valid JSON/);
  });

  it("refuses, before allocating, an operator that does not fit in memory, saying how many bytes it needs", async () => {
    const out = path.join(tmpdir(), "huge");
    const r = await cli("run", "--set", "problem.n=2000", "--set", "operator.m=1000000", "--out", out);
    expect(r.code).toBe(2);
    // the operator: m·n1·n2·8 = 32·10¹² bytes plus its two n1×n2 float64 work matrices (2·8·n1·n2 = 64·10⁶)
    expect(r.err).toMatch(/operator\.m: the run needs \d+ bytes .*operator \(gaussian\) 32000064000000 /);
    // float32 (16·10¹² bytes) would not fit either, so it is not suggested; regenerate would
    expect(r.err).not.toMatch(/float32/);
    expect(r.err).toMatch(/operator\.storage = "regenerate"/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it("unknown subcommands and options exit non-zero", async () => {
    expect((await cli("frobnicate")).code).not.toBe(0);
    expect((await cli("run", "--no-such-flag")).code).not.toBe(0);
  });
});

describe("matsense run with no config (the built-in demo)", () => {
  it("shows k = r converging linearly and k > r sublinearly on the same data", async () => {
    const dir = path.join(tmpdir(), "demo");
    const r = await cli("run", "--out", dir);
    expect(r.code).toBe(0);
    const rows = r.out
      .split("\n")
      .filter((l) => /^\d\s/.test(l))
      .map((l) => l.trim().split(/\s{2,}/));
    expect(rows.map((x) => x[0])).toEqual(["2", "3", "4"]);
    const errEnd = (row: string[]) => Number(row[5]);
    const slope = (row: string[]) => Number(row[6]);
    expect(errEnd(rows[0])).toBeLessThan(1e-12);
    for (const row of rows.slice(1)) {
      expect(errEnd(row)).toBeGreaterThan(1e-5);
      // the 1/T law: log-log slope near −1 (finite-T corrections make it slightly shallower)
      expect(slope(row)).toBeGreaterThan(-1.3);
      expect(slope(row)).toBeLessThan(-0.7);
    }
    for (const k of [2, 3, 4]) expect(fs.existsSync(path.join(dir, `k=${k}`, "summary.json"))).toBe(true);
  });
});

describe("interrupting a run", () => {
  const bin = path.resolve(import.meta.dirname, "..", "..", "bin", "matsense.js");
  const built = fs.existsSync(path.resolve(import.meta.dirname, "..", "..", "dist", "cli", "main.js"));

  it.skipIf(!built)("Ctrl-C (SIGINT) ends the run with status interrupted, exit 130 and every file written (needs `npm run build`)", async () => {
    const dir = path.join(tmpdir(), "int");
    const { spawn } = await import("node:child_process");
    const child = spawn(process.execPath, [bin, "run", "-q", "--out", dir, "--set", "problem.n=30", "--set", "stop.maxIterations=10000000"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    // wait until the run is under way (metrics being streamed), then interrupt
    const t0 = Date.now();
    const partial = path.join(dir, "metrics.csv.partial");
    const partialRows = () => (fs.existsSync(partial) ? fs.readFileSync(partial, "utf8").split("\n").length - 2 : -1);
    while (partialRows() < 20 && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    expect(stderr).toMatch(/interrupt received/);
    expect(code).toBe(130);
    const s = JSON.parse(fs.readFileSync(path.join(dir, "summary.json"), "utf8"));
    expect(s.status).toBe("interrupted");
    expect(s.iterations).toBeGreaterThan(0);
    const { rows } = readCsv(path.join(dir, "metrics.csv"));
    expect(rows[rows.length - 1][0]).toBe(s.iterations);
  });
});

describe("--save-instance for operators without a dense tensor", () => {
  it("completion writes omega.npy, the observed (row, col) pairs, and y = P_Ω(M*)/√p on them", async () => {
    const dir = path.join(tmpdir(), "omega");
    const r = await cli(
      "run",
      "-q",
      "--out",
      dir,
      "--save-instance",
      "--set",
      "operator.type=completion",
      "--set",
      "operator.p=0.5",
      "--set",
      "problem.n=12",
      "--set",
      "model.k=2",
      "--set",
      "stop.maxIterations=2",
    );
    expect(r.code).toBe(0);
    const omega = decodeNpy(fs.readFileSync(path.join(dir, "omega.npy")));
    const M = decodeNpy(fs.readFileSync(path.join(dir, "M_star.npy")));
    const y = decodeNpy(fs.readFileSync(path.join(dir, "y.npy")));
    expect(omega.data).toBeInstanceOf(Int32Array);
    expect(omega.shape).toEqual([y.data.length, 2]);
    // Bernoulli(0.5) over 144 entries: |Ω| ~ 72 ± 6; allow 5 sd
    expect(Math.abs(y.data.length - 72)).toBeLessThan(30);
    for (let i = 0; i < y.data.length; i++) {
      const [a, b] = [omega.data[2 * i], omega.data[2 * i + 1]];
      expect(y.data[i]).toBeCloseTo(M.data[a * 12 + b] / Math.sqrt(0.5), 14);
    }
    expect(fs.existsSync(path.join(dir, "A.npy"))).toBe(false);
  });

  it("one-step rebalancing is reported in the terminal as well as in summary.json", async () => {
    const dir = path.join(tmpdir(), "rebal");
    const r = await cli(
      "run",
      "--out",
      dir,
      "--set",
      "model.type=asymmetric",
      "--set",
      "model.k=3",
      "--set",
      "init.alpha=0.1",
      "--set",
      "method.rebalanceAtIteration=5",
      "--set",
      "stop.maxIterations=10",
    );
    expect(r.code).toBe(0);
    const s = JSON.parse(fs.readFileSync(path.join(dir, "summary.json"), "utf8"));
    expect(s.events.length).toBe(1);
    expect(r.out).toContain(`iteration ${s.events[0].iteration}: ${s.events[0].message}`);
  });
});
