import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { METHODS } from "../../src/catalogue/methods.js";
import { OPERATORS } from "../../src/catalogue/operators.js";

const root = path.resolve(import.meta.dirname, "../..");
const TABLES = ["src/catalogue/methods.ts", "src/catalogue/operators.ts"];

function srcFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? srcFiles(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
}

/** The code of a file without its comments (block comments and whole-line // comments). */
function code(file: string): string {
  return fs
    .readFileSync(file, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "");
}

/** Source files (besides the catalogue tables) whose code names `id` as a string: "id", 'id' or `id`. */
function filesNaming(id: string): string[] {
  const re = new RegExp(`["'\`]${id.replace(/[-]/g, "\\-")}["'\`]`);
  return srcFiles(path.join(root, "src"))
    .map((f) => path.relative(root, f).split(path.sep).join("/"))
    .filter((f) => !TABLES.includes(f) && re.test(code(path.join(root, f))));
}

/**
 * Where a method or operator is still named outside its own file, and why (each a fact the
 * descriptor does not carry yet, or text about another entry). The test fails when a name
 * appears anywhere else, and when an exception is no longer needed.
 */
const EXCEPTIONS: Record<string, string[]> = {
  // the self-check battery and the headline demo run these on purpose; the theory curves of the
  // plots (plot/theory.ts) hold for these methods and operators only; the deep model's stepper
  // is gradient descent (algorithms/deep.ts); the noise floor's formula is per operator family
  // (metrics/noiseFloor.ts); the batched operator stream is the Gaussian operator's
  // (sweep/batch-runs.ts); the flow's time axis (plot/time.ts, results/run-rate.ts); the
  // coherence diagnostic is completion's (metrics/diagnostics.ts); the doctor's second-order
  // checks name GN / LM (cli/doctor-methods.ts); problem.truth "none" names the operators that
  // bring their y (config/schema.ts, io/config-fields.ts). Merged from main (issue 22, noise,
  // plot, perf) after the catalogue refactor (issue 21): each one is a fact a descriptor could carry.
  gaussian: ["src/cli/doctor.ts", "src/cli/demo.ts", "src/metrics/noiseFloor.ts", "src/sweep/batch-runs.ts"],
  "symmetric-gaussian": ["src/metrics/noiseFloor.ts"],
  gd: ["src/cli/doctor.ts", "src/cli/demo.ts", "src/algorithms/deep.ts", "src/plot/theory.ts"],
  "gradient-flow": ["src/plot/time.ts", "src/results/run-rate.ts"],
  "gauss-newton": ["src/cli/doctor-methods.ts"],
  "levenberg-marquardt": ["src/cli/doctor-methods.ts"],
  identity: ["src/cli/doctor.ts", "src/metrics/noiseFloor.ts", "src/plot/theory.ts"],
  completion: ["src/metrics/diagnostics.ts"],
  "dense-file": ["src/config/schema.ts"],
  "completion-file": ["src/config/schema.ts", "src/io/config-fields.ts"],
  // advice in an error message of the preconditioned methods names the alternatives
  "scaled-gd-lambda": ["src/algorithms/precondition.ts"],
  precgd: ["src/algorithms/precondition.ts"],
};

describe("each method and operator is named in one source file besides the catalogue table", () => {
  const entries = [...METHODS.map((m) => ({ id: m.name as string, what: "method" })), ...OPERATORS.map((o) => ({ id: o.type as string, what: "operator" }))];
  for (const { id, what } of entries) {
    it(`${what} "${id}"`, () => {
      const files = filesNaming(id);
      const own = files.filter((f) => !(EXCEPTIONS[id] ?? []).includes(f));
      expect(own, `files naming "${id}" (besides its own and the listed exceptions)`).toHaveLength(1);
      expect(own[0]).toMatch(/^src\/(algorithms|operators)\//);
      for (const e of EXCEPTIONS[id] ?? []) expect(files, `exception ${e} for "${id}" is no longer needed`).toContain(e);
    });
  }

  it("counts: files naming each entry (the target is 1 each)", () => {
    const counts = Object.fromEntries(entries.map(({ id }) => [id, filesNaming(id).length]));
    const over = Object.entries(counts).filter(([, n]) => n > 1).length;
    process.stderr.write(`catalogue names: ${JSON.stringify(counts)}; ${over} of ${entries.length} named in more than one file\n`);
    expect(Object.values(counts).every((n) => n >= 1)).toBe(true);
  });
});
