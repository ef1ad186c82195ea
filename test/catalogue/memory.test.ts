import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { buildOperator } from "../../src/catalogue/instance.js";
import { checkRunMemory, parseBytes, runMemory, workersWithinMemory } from "../../src/catalogue/memory.js";
import { runSweep } from "../../src/sweep/sweep.js";
import { ConfigError, resolveConfig } from "../../src/config/schema.js";
import { configErrorOf } from "../config-error.js";

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "",
    err = "";
  const code = await main(["node", "matsense", ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "matsense-mem-"));
const GB = 1e9;

function refusal(config: unknown, limit: number): ConfigError {
  return configErrorOf(() => checkRunMemory(resolveConfig(config), limit));
}

describe("run memory accounting", () => {
  it("counts the dense n×n arrays of identity: y, A(M*) and the residual are n²·8 bytes each", () => {
    const c = resolveConfig({ problem: { n: 20000 }, operator: { type: "identity" } });
    const mem = runMemory(c);
    expect(mem.items.find((i) => i.what.startsWith("measurements"))!.bytes).toBe(2 * 8 * 20000 ** 2);
    expect(mem.total).toBeGreaterThan(3 * 8 * 20000 ** 2);
  });

  it("refuses identity with n = 20000 under a 3 GB limit with the byte count, blaming problem.n (not operator.m, never written)", () => {
    const e = refusal({ problem: { n: 20000 }, operator: { type: "identity" } }, 3 * GB);
    expect(e.issues[0].path).toBe("problem.n");
    expect(e.message).toMatch(/the run needs \d{10,} bytes/);
    expect(e.message).not.toMatch(/operator\.m/);
  });

  it("refuses completion with p = 1 at n = 20000 (n² observed entries, n² measurements)", () => {
    const e = refusal({ problem: { n: 20000 }, operator: { type: "completion", p: 1 } }, 3 * GB);
    expect(e.issues[0].path).toBe("problem.n");
    expect(e.message).toMatch(/operator \(completion\) 6400000\d+ /); // 16 bytes per capacity entry (indices + the WASM staging vector)
    expect(e.message).toMatch(/or operator\.p/);
  });

  it("identity with n = 100000 is refused by the CLI with exit 2 and a byte count, not a typed-array crash", async () => {
    const out = path.join(tmp(), "big");
    const r = await cli("run", "--set", "operator.type=identity", "--set", "problem.n=100000", "--out", out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/problem\.n: the run needs \d+ bytes/);
    expect(r.err).not.toMatch(/Invalid typed array length/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it("--max-memory sets the limit and names a bad value", async () => {
    const small = await cli("run", "-q", "--max-memory", "1MB", "--set", "problem.n=200", "--out", path.join(tmp(), "x"));
    expect(small.code).toBe(2);
    expect(small.err).toMatch(/more than the limit of 1000000 bytes/);
    expect((await cli("run", "--max-memory", "lots", "--set", "problem.n=5")).err).toMatch(/--max-memory must be a byte count/);
    expect(parseBytes("512MiB")).toBe(512 * 2 ** 20);
    expect(parseBytes("3e9")).toBe(3e9);
  });

  it("suggests only storages that fit, never the one in use, and states regenerate's real size (not m·n1·n2·8)", () => {
    const cfg = { problem: { n: 100 }, operator: { m: 20000, storage: "float32", backend: "ts" } };
    const need = runMemory(resolveConfig(cfg)).total; // ≈ m·n²·4 = 800 MB
    const e = refusal(cfg, need / 1.5);
    expect(e.message).not.toMatch(/operator\.storage = "float32"/);
    expect(e.message).not.toMatch(/operator\.storage = "float64"/); // twice the bytes: does not fit
    const regen = /operator\.storage = "regenerate" \((\d+) bytes/.exec(e.message);
    expect(regen).not.toBeNull();
    const regenBytes = runMemory(resolveConfig({ ...cfg, operator: { ...cfg.operator, storage: "regenerate" } })).total;
    expect(Number(regen![1])).toBe(regenBytes);
    expect(regenBytes).toBeLessThan((20000 * 100 * 100 * 8) / 100);
    // with nothing that fits, no storage is suggested at all
    expect(refusal(cfg, 1000).message).not.toMatch(/, or use/);
  });

  it("names operator.m when the user wrote it and the operator dominates", () => {
    const e = refusal({ problem: { n: 100 }, operator: { m: 100000 } }, GB);
    expect(e.issues[0].path).toBe("operator.m");
    expect(e.issues[0].value).toBe(100000);
  });

  it("matches what the instance allocates for a small run: operator bytes within the total, total well above the operator", () => {
    const c = resolveConfig({ problem: { n: 12 }, operator: { backend: "ts" } });
    const A = buildOperator(c) as { bytes: number; workBytes?: number };
    const mem = runMemory(c);
    expect(mem.items[0].bytes).toBe(A.bytes + (A.workBytes ?? 0));
    expect(mem.total).toBeGreaterThan(mem.items[0].bytes);
  });
});

describe("a sweep's parallel runs share the memory", () => {
  it("runs only as many at once as fit together (at least one)", () => {
    expect(workersWithinMemory([5, 5, 5, 5], 4, 100)).toBe(4);
    expect(workersWithinMemory([40, 30, 30, 10], 4, 65)).toBe(1); // 40 + 30 > 65: the two largest do not fit together
    expect(workersWithinMemory([40, 30, 30, 10], 4, 70)).toBe(2);
    expect(workersWithinMemory([200], 4, 100)).toBe(1);
    expect(workersWithinMemory([10, 10], 8, 100)).toBe(8);
  });

  it("reports when it lowers the number of parallel runs", async () => {
    const grid = { base: { problem: { n: 8 }, operator: { backend: "ts" }, stop: { maxIterations: 3 } }, vary: { "init.alpha": [0.1, 0.2, 0.3] } };
    const one = runMemory(resolveConfig(grid.base)).total;
    let info: { workers: number; memoryLimited?: { wanted: number } } | undefined;
    const res = await runSweep(grid, tmp(), { workers: 3, runner: "inline", maxMemoryBytes: Math.floor(2.5 * one), onStart: (i) => void (info = i) });
    expect(info!.memoryLimited).toEqual({ wanted: 3, limit: Math.floor(2.5 * one) });
    expect(res.entries.every((e) => e.status === "max-iterations")).toBe(true);
  });
});

describe("memory refusal of the recorded rows (issue 25.5)", () => {
  it("stop.maxIterations = 1e9 is refused naming stop.maxIterations and the record settings, not problem.n", () => {
    const config = resolveConfig({ problem: { n: 8, rank: 2 }, stop: { maxIterations: 1e9, targetRelError: 0 } });
    const e = configErrorOf(() => checkRunMemory(config, 2 ** 34));
    expect(e.issues[0].path).toBe("stop.maxIterations");
    expect(e.message).toContain("records up to 1000000001 metrics rows");
    expect(e.message).toMatch(/record\.every.*record\.schedule "log"/);
    expect(e.message).not.toContain("reduce problem.n");
    // a large operator is still blamed on its size
    const big = resolveConfig({ problem: { n: 400, rank: 2 }, operator: { m: 200_000 } });
    expect(configErrorOf(() => checkRunMemory(big, 2 ** 30)).issues[0].path).not.toBe("stop.maxIterations");
  });
});
