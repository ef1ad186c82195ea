/**
 * `--max-memory` above the default limit is honoured once (issue 25, defect 11): on main
 * c166446 the run was accepted by the caller's check and then refused by a second check
 * with the default limit after the folder was claimed, leaving a `failed` summary.json.
 * The default limit is min(75 % of RAM, free memory): free memory is made small here.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it, vi } from "vitest";

// the library reads node:os through process.getBuiltinModule (io/node-builtins.ts): the spy goes on that module object
vi.spyOn(process.getBuiltinModule("node:os"), "freemem").mockReturnValue(1 << 20);

const { executeRun } = await import("../../src/run/runFolder.js");
const { defaultMemoryLimit, runMemory } = await import("../../src/catalogue/memory.js");
const { resolveConfig } = await import("../../src/config/schema.js");

describe("a memory limit above the default", () => {
  it("is the run's limit: the run is not refused again by the default after the folder is claimed", () => {
    const cfg = resolveConfig({ problem: { n: 20, rank: 2 }, operator: { m: 2000, backend: "ts" }, stop: { maxIterations: 5 } });
    expect(runMemory(cfg).total).toBeGreaterThan(defaultMemoryLimit());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-mem-"));
    // the default refuses it, naming the bytes
    expect(() => executeRun(cfg, path.join(dir, "a"))).toThrow(/bytes/);
    const { summary } = executeRun(cfg, path.join(dir, "b"), { maxOperatorBytes: 1 << 30 });
    expect(summary.status).toBe("max-iterations");
    expect(JSON.parse(fs.readFileSync(path.join(dir, "b", "summary.json"), "utf8")).status).toBe("max-iterations");
  });
});
