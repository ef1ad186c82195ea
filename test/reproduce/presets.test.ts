import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { listPresets } from "../../src/reproduce/presets.js";
import { PresetUnavailableError, checkPresetRunnable, reproducePreset } from "../../src/reproduce/report.js";
import { loadPreset } from "../../src/reproduce/presets.js";

/**
 * Every preset's --quick version runs here and must pass its expectations (the claims
 * and margins are in presets/<name>/expectations.json, with the reason for each margin).
 * Presets that need a feature this build lacks must fail with a clear message instead;
 * they are listed here so that the list is kept honest: once the feature lands the test
 * fails until the preset is removed from the list (and then has to pass).
 */
const NEEDS_MISSING_FEATURE: Record<string, RegExp> = {};

const SHIPPED = [
  "completion",
  "completion-implicit-bias",
  "deep-completion-depth",
  "fgt-k-eta-kappa",
  "mirror-descent-vs-gd",
  "noise-and-measurements",
  "overparam-asymmetric-second-order",
  "overparam-preconditioning",
  "scaledgd-kappa",
  "wind-small-init",
  "wind-theorem",
  "xiong-asymmetric-alpha",
  "xiong-imbalance",
  "xiong-one-step",
  "xiong-symmetric",
  "xiong-symmetric-vs-asymmetric",
  "xiong-worst-case",
];

describe("presets", () => {
  it("lists the shipped presets (reproduce --list)", async () => {
    expect(listPresets()).toEqual(SHIPPED);
    let out = "";
    expect(await main(["node", "matsense", "reproduce", "--list"], { out: (s) => (out += s), err: () => {} })).toBe(0);
    for (const n of SHIPPED) expect(out).toContain(n);
  });

  for (const name of SHIPPED) {
    it(`${name} --quick passes its expectations`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `matsense-${name}-`));
      if (NEEDS_MISSING_FEATURE[name]) {
        const err = await reproducePreset(name, dir, { quick: true, sweepOptions: { runner: "inline" } }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(PresetUnavailableError);
        expect((err as Error).message).toMatch(NEEDS_MISSING_FEATURE[name]);
        return;
      }
      const res = await reproducePreset(name, dir, { quick: true, sweepOptions: { runner: "inline" } });
      const failed = res.claims.filter((c) => c.verdict !== "pass").map((c) => `${c.claim}: measured ${c.measured}; expected ${c.expected}`);
      expect(failed).toEqual([]);
      const report = fs.readFileSync(res.reportFile, "utf8");
      expect(report).toContain("## Claims and verdicts");
      for (const f of res.figures) {
        expect(fs.existsSync(f.png)).toBe(true);
        expect(report).toContain(`figures/${path.basename(f.png)}`);
      }
    });
  }

  it("every preset says what it is: a paper-setting line, and no reference to files outside the repository", () => {
    // the line is the expectations' paperSetting (shown as "Paper setting vs ours") or part of the source text
    for (const n of listPresets()) {
      const e = loadPreset(n).expectations;
      if (e.paperSetting) expect(e.paperSetting, n).toMatch(/ours/i);
      else expect(e.source, n).toMatch(/paper setting.*ours/i);
    }
    for (const n of listPresets()) expect(JSON.stringify(loadPreset(n).expectations), n).not.toMatch(/DESIGN/);
  });

  it("a preset whose method this build lacks fails with a message naming it (never a stub)", () => {
    const p = loadPreset("xiong-symmetric");
    const broken = { ...p, grid: { ...p.grid, base: { ...p.grid.base, method: { name: "not-a-method" } } } };
    expect(() => checkPresetRunnable(broken, true)).toThrow(PresetUnavailableError);
    expect(() => checkPresetRunnable(broken, true)).toThrow(/preset "xiong-symmetric" cannot run with this build.*method\.name.*not-a-method/);
  });

  it("an unknown preset gets a clear error", async () => {
    let err = "";
    expect(await main(["node", "matsense", "reproduce", "nope", "-q"], { out: () => {}, err: (s) => (err += s) })).toBe(2);
    expect(err).toMatch(/unknown preset "nope".*available: completion/);
  });
});
