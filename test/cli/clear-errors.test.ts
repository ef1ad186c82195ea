/**
 * No stack traces and clear messages (issue 25, defects 6 and 11): every case below threw
 * an uncaught error or printed a misleading message on main c166446.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { ConfigError, resolveConfig } from "../../src/config/schema.js";
import { parseGrid } from "../../src/config/grid.js";

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "", err = "";
  const code = await main(["node", "matsense", ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const scratch = () => fs.mkdtempSync(path.join(os.tmpdir(), "matsense-errors-"));
const grid = { base: { problem: { n: 6, rank: 1 }, operator: { m: 60, backend: "ts" }, stop: { maxIterations: 20 } }, vary: { "model.k": [1, 2] }, seeds: 1 };

describe("no stack traces", () => {
  it("a BigInt in a library config is a ConfigError naming the field", () => {
    for (const [input, field, shown] of [[{ seed: 10n }, "seed", "10n"], [{ problem: { n: 8n } }, "problem.n", "8n"]] as const) {
      let e: unknown;
      try {
        resolveConfig(input);
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as Error).message).toContain(`${field}: must be a number (got "${shown}")`);
    }
    expect(() => parseGrid({ base: {}, seeds: 2n })).toThrow(ConfigError);
  });

  it("sweep with a file where a run folder goes: exit 2 naming it, the file kept (was an uncaught EEXIST)", async () => {
    const root = scratch();
    const g = path.join(root, "g.json");
    fs.writeFileSync(g, JSON.stringify(grid));
    const P = path.join(root, "P");
    expect((await cli("sweep", "-q", "-w", "1", "-g", g, "--out", P)).code).toBe(0);
    fs.rmSync(path.join(P, "model.k=2__seed=0"), { recursive: true });
    fs.writeFileSync(path.join(P, "model.k=2__seed=0"), "mine");
    for (const w of ["1", "2"]) {
      const r = await cli("sweep", "-q", "-w", w, "-g", g, "--out", P);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^matsense: \S+ holds files matsense did not write \(model\.k=2__seed=0\)[^\n]*\n$/);
      expect(fs.readFileSync(path.join(P, "model.k=2__seed=0"), "utf8")).toBe("mine");
    }
  });
});
