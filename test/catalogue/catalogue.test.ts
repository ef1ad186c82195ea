import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { main } from "../../src/cli/main.js";
import { METHODS } from "../../src/catalogue/methods.js";
import { OPERATORS } from "../../src/catalogue/operators.js";
import { buildOperator, operatorBytes } from "../../src/catalogue/instance.js";
import { runSweep } from "../../src/sweep/sweep.js";
import { configJsonSchema, describeConfig, foldOptions, resolveConfig } from "../../src/config/schema.js";
import { writeNpyAtomic } from "../../src/io/files.js";

const root = path.resolve(import.meta.dirname, "../..");

/** A CSV of the entries (i, j) with i + j even of an n1×n2 matrix, 0-based, for the completion-file operator. */
function entriesFile(n1: number, n2: number): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "matsense-entries-")), "e.csv");
  const lines = [];
  for (let i = 0; i < n1; i++) for (let j = 0; j < n2; j++) if ((i + j) % 2 === 0) lines.push(`${i},${j},${i - j}`);
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

/** A .npy of m random n1×n2 matrices for the dense-file operator. */
function denseFile(m: number, n1: number, n2: number): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "matsense-dense-")), "A.npy");
  const data = Float64Array.from({ length: m * n1 * n2 }, (_, i) => Math.sin(i + 1));
  writeNpyAtomic(file, [m, n1, n2], data);
  return file;
}

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "",
    err = "";
  const code = await main(["node", "matsense", ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

function srcFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? srcFiles(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
}

describe("the method catalogue", () => {
  it("a method is one file plus one table line: only heavyBall.ts and the table mention the toy method", () => {
    const mentions = srcFiles(path.join(root, "src"))
      .filter((f) => /heavy-ball|heavyBall|HeavyBall/.test(fs.readFileSync(f, "utf8")))
      .map((f) => path.relative(root, f).split(path.sep).join("/"));
    expect(mentions.sort()).toEqual(["src/algorithms/heavyBall.ts", "src/catalogue/methods.ts"]);
    const table = fs.readFileSync(path.join(root, "src/catalogue/methods.ts"), "utf8");
    expect(table.split("\n").filter((l) => /heavyBall/.test(l))).toHaveLength(2); // its import and its line
  });

  it("the toy method runs through the CLI, appears in --schema and in the JSON Schema, and runs in a sweep", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-cat-"));
    const r = await cli(
      "run",
      "-q",
      "--out",
      path.join(dir, "run"),
      "--set",
      "method.name=heavy-ball",
      "--set",
      "method.momentum=0.5",
      "--set",
      "problem.n=10",
      "--set",
      "stop.targetRelError=1e-8",
      "--set",
      "stop.maxIterations=5000",
      "--set",
      "init.alpha=0.01",
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const summary = JSON.parse(fs.readFileSync(path.join(dir, "run", "summary.json"), "utf8"));
    expect(summary.status).toBe("converged");
    const config = JSON.parse(fs.readFileSync(path.join(dir, "run", "config.json"), "utf8"));
    expect(config.method).toMatchObject({ name: "heavy-ball", momentum: 0.5 });

    const schema = await cli("config", "--schema");
    expect(schema.out).toMatch(/^method\.momentum +heavy-ball: momentum β.*\(default 0\.5; only with method\.name "heavy-ball"\)$/m);
    expect(schema.out).toMatch(/"heavy-ball"/);
    const json = configJsonSchema() as { properties: { method: { anyOf: { properties: Record<string, { const?: string }> }[] } } };
    const member = json.properties.method.anyOf.find((m) => m.properties.name.const === "heavy-ball");
    expect(Object.keys(member!.properties).sort()).toEqual(["momentum", "name", "stepSize"]);

    const sweep = await runSweep(
      {
        base: { problem: { n: 8 }, operator: { backend: "ts" }, method: { name: "heavy-ball" }, stop: { maxIterations: 50 } },
        vary: { "method.momentum": [0, 0.5] },
      },
      path.join(dir, "sweep"),
      { runner: "inline" },
    );
    expect(sweep.entries.map((e) => e.status)).toEqual(["max-iterations", "max-iterations"]);
  });

  it("folds every method's options into the method section, with a default and a meaning for each", () => {
    const fields = describeConfig().filter((f) => f.path.startsWith("method."));
    for (const m of METHODS) {
      for (const key of Object.keys(m.options)) {
        const f = fields.find((x) => x.path === `method.${key}`);
        expect(f, `method.${key}`).toBeDefined();
        expect(f!.description.length).toBeGreaterThan(10);
      }
    }
    expect(fields.find((f) => f.path === "method.name")!.allowed).toEqual(METHODS.map((m) => m.name));
  });

  it("refuses two entries that declare one option with different schemas (the fold can fail)", () => {
    const a = { options: { x: z.number().default(1) } },
      b = { options: { x: z.number().default(2) } };
    expect(() => foldOptions([a, b], "method", [])).toThrow(/method\.x is declared by two entries/);
    expect(() => foldOptions([a], "method", ["x"])).toThrow(/method\.x is a common field/);
    expect(Object.keys(foldOptions([a, { options: a.options }], "method", []))).toEqual(["x"]);
  });
});

describe("the operator catalogue", () => {
  const base = { seed: 4, problem: { n: 6, rank: 2 }, stop: { maxIterations: 5 } };
  const cases: Record<string, unknown>[] = [
    { type: "gaussian", m: 50, backend: "ts" },
    { type: "gaussian", m: 50, backend: "ts", storage: "float32" },
    { type: "gaussian", m: 50, storage: "regenerate" },
    { type: "symmetric-gaussian", m: 50, backend: "ts" },
    { type: "symmetric-gaussian", m: 50, backend: "ts", storage: "packed" },
    { type: "identity" },
    { type: "rank-one", m: 40 },
    { type: "srht", m: 30 },
    { type: "dense-file", m: 20, file: denseFile(20, 6, 6), backend: "ts" },
    { type: "dense-file", m: 20, file: denseFile(20, 6, 6), storage: "float32", backend: "ts" },
    { type: "completion-file", file: entriesFile(6, 6), indexBase: 0, backend: "ts", testFraction: 0.1 },
  ];

  it("covers every operator type", () => {
    expect(new Set(cases.map((c) => c.type))).toEqual(new Set([...OPERATORS.map((o) => o.type)].filter((t) => t !== "completion")));
  });

  for (const op of cases) {
    it(`states exactly the bytes the built operator holds: ${JSON.stringify(op)}`, () => {
      for (const model of [{ type: "symmetric" }, { type: "asymmetric" }]) {
        // completion-file brings its own y: no generated truth
        const cfg = resolveConfig({ ...base, ...(op.type === "completion-file" ? { problem: { ...base.problem, truth: "none" } } : {}), operator: op, model });
        const A = buildOperator(cfg) as { bytes: number; workBytes?: number; dispose(): void };
        expect(operatorBytes(cfg)).toBe(A.bytes + (A.workBytes ?? 0));
        A.dispose();
      }
    });
  }

  it("completion: the bytes bound the index arrays held (|Ω| is random; the bound is the capacity allocated)", () => {
    for (const p of [0.1, 0.5, 1]) {
      const cfg = resolveConfig({ ...base, problem: { n: 30, rank: 2 }, operator: { type: "completion", p } });
      const A = buildOperator(cfg);
      expect(A.bytes).toBeLessThanOrEqual(operatorBytes(cfg));
      expect(A.bytes).toBe((A.backend === "ts" ? 8 : 16) * A.m); // indices (and the WASM kernels' staging vector)
    }
  });
});
