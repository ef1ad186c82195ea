import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { runMemory } from "../../src/catalogue/memory.js";
import { resolveConfig } from "../../src/config/schema.js";
import { prepareRun, runConfig } from "../../src/run/run.js";
import { configErrorOf } from "../config-error.js";

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "",
    err = "";
  const code = await main(["node", "matsense", ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

// a tiny problem that converges in a few hundred iterations, with a huge iteration budget: the recorded rows dominate the memory plan
const longBudget = {
  problem: { n: 4, rank: 1 },
  operator: { type: "identity" },
  init: { alpha: 0.1 },
  method: { name: "gd", stepSize: 0.2 },
  stop: { maxIterations: 2e9, targetRelError: 1e-6 },
};

describe("one run preparation (prepareRun)", () => {
  it("plans the memory of the run and refuses it against the caller's limit, naming the item that costs the bytes", () => {
    const plan = runMemory(resolveConfig(longBudget));
    const rows = plan.items.find((i) => i.what === "recorded metrics rows")!;
    expect(rows.bytes).toBe(plan.items.reduce((a, i) => Math.max(a, i.bytes), 0));
    const e = configErrorOf(() => prepareRun(longBudget, { memoryLimit: rows.bytes - 1 }));
    expect(e.issues[0].path).toBe("stop.maxIterations");
    expect(e.issues[0].value).toBe(2e9);
    expect(e.issues[0].message).toMatch(/recorded metrics rows/);
    // the same run fits a limit above its plan
    const p = prepareRun(longBudget, { memoryLimit: plan.total });
    expect(p.memory.total).toBe(plan.total);
    expect(p.config.stop.maxIterations).toBe(2e9);
  });

  it("the run and its preparation agree: runConfig converges on the instance prepareRun builds", () => {
    const p = prepareRun(longBudget, { memoryLimit: 1e15 });
    const r = runConfig(p.config, { memoryLimit: 1e15 }, p.instance);
    expect(r.result.status).toBe("converged");
    expect(r.instance).toBe(p.instance);
  });

  it("`run` streams its rows: the 2e9-iteration budget the library's kept rows cannot hold runs, and --max-memory is honoured", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-prepare-"));
    const file = path.join(dir, "c.json");
    fs.writeFileSync(file, JSON.stringify(longBudget));
    // kept in memory (the library's default), the rows alone exceed the machine (issue 25.5: the CLI refused this run)
    expect(runMemory(resolveConfig(longBudget)).total).toBeGreaterThan(os.totalmem());
    const streamed = runMemory(resolveConfig(longBudget), { keepRows: false }).total;
    expect(streamed).toBeLessThan(1 << 20);
    const ran = await cli("run", "-q", "--config", file, "--out", path.join(dir, "a"));
    expect(ran.err).toBe("");
    expect(ran.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "a", "summary.json"), "utf8")).status).toBe("converged");
    // a limit below the streamed plan is the run's limit: refused before anything is written, naming the bytes
    const refused = await cli("run", "-q", "--config", file, "--out", path.join(dir, "b"), "--max-memory", String(streamed - 1));
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(new RegExp(`the run needs ${streamed} bytes`));
  });
});
