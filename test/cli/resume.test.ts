import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { csvWithoutSeconds as dropSeconds } from "../reliability/helpers.js";

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "",
    err = "";
  const code = await main(["node", "matsense", ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const sets = [
  "--set",
  "seed=2",
  "--set",
  "problem.n=8",
  "--set",
  "operator.m=150",
  "--set",
  "model.k=3",
  "--set",
  "init.alpha=0.01",
  "--set",
  "record.every=3",
];

describe("matsense run --resume", () => {
  it("continues a finished run to a larger stop.maxIterations with the metrics of one long run", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-resume-"));
    const long = path.join(root, "long"),
      short = path.join(root, "short");
    expect((await cli("run", "-q", ...sets, "--set", "stop.maxIterations=40", "--out", long)).code).toBe(0);
    expect((await cli("run", "-q", ...sets, "--set", "stop.maxIterations=17", "--out", short)).code).toBe(0);
    for (const f of ["X.npy", "checkpoint.json"]) expect(fs.existsSync(path.join(short, f))).toBe(true);
    const r = await cli("run", "-q", "--resume", short, "--set", "stop.maxIterations=40");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(dropSeconds(path.join(short, "metrics.csv"))).toBe(dropSeconds(path.join(long, "metrics.csv")));
    expect(JSON.parse(fs.readFileSync(path.join(short, "config.json"), "utf8")).stop.maxIterations).toBe(40);
  });

  for (const method of [
    ["--set", "method.name=gradient-flow", "--set", "method.stepSize=1"],
    ["--set", "method.name=svt", "--set", "method.stepSize=1.2", "--set", "model.type=asymmetric", "--set", "problem.truth=general"],
  ]) {
    it(`${method[1]}: a run stopped at 17 and continued with --resume to 40 has the metrics of one 40-iteration run`, async () => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-resume-"));
      const long = path.join(root, "long"),
        short = path.join(root, "short");
      expect((await cli("run", "-q", ...sets, ...method, "--set", "stop.maxIterations=40", "--out", long)).code).toBe(0);
      expect((await cli("run", "-q", ...sets, ...method, "--set", "stop.maxIterations=17", "--out", short)).code).toBe(0);
      const r = await cli("run", "-q", "--resume", short, "--set", "stop.maxIterations=40");
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      expect(dropSeconds(path.join(short, "metrics.csv"))).toBe(dropSeconds(path.join(long, "metrics.csv")));
    });
  }

  it("refuses, with exit 2 and the reason, to change anything but stop.* or to take --config", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-resume-"));
    await cli("run", "-q", ...sets, "--set", "stop.maxIterations=5", "--out", dir);
    const a = await cli("run", "-q", "--resume", dir, "--set", "method.stepSize=0.2");
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/method\.stepSize would change the run/);
    const b = await cli("run", "-q", "--resume", path.join(dir, "nope"));
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/not a run folder/);
    const c = await cli("run", "--resume", dir, "--checkpoint-every", "-1");
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/--checkpoint-every expects a number of seconds ≥ 0/);
  });
});
