import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { METHODS } from "../../src/catalogue/methods.js";
import { OPERATORS } from "../../src/catalogue/operators.js";
import { ConfigError, configSchema, entriesWithOption, resolveConfig, upgradeConfigJson } from "../../src/config/schema.js";

const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "../fixtures", name), "utf8")) as Record<string, unknown>;

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "",
    err = "";
  const code = await main(["node", "matsense", ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

/** metrics.csv of a run folder without its seconds column. */
function metricsWithoutSeconds(dir: string): string[] {
  const lines = fs.readFileSync(path.join(dir, "metrics.csv"), "utf8").trimEnd().split("\n");
  const drop = lines[0].split(",").indexOf("seconds");
  return lines.map((l) =>
    l
      .split(",")
      .filter((_, i) => i !== drop)
      .join(","),
  );
}

describe("per-method and per-operator option sections", () => {
  // an entry whose own rules need more than the defaults (agn: FGᵀ; dense-file: its file) is checked on the parsed config
  const sectionOf = (input: Record<string, unknown>) => {
    try {
      return resolveConfig(input) as { method: object; operator: object };
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      return configSchema.parse(input) as { method: object; operator: object };
    }
  };

  it("a resolved method section holds name, stepSize and the chosen method's options only", () => {
    for (const m of METHODS) {
      const keys = Object.keys(sectionOf({ method: { name: m.name } }).method);
      for (const k of keys) expect(["name", "stepSize", ...Object.keys(m.options)], `${m.name}: ${k}`).toContain(k);
    }
  });

  it("a resolved operator section holds type, m and the chosen operator's options only", () => {
    for (const o of OPERATORS) {
      const square = { problem: { n: 16, rank: 1 }, operator: { type: o.type } };
      const keys = Object.keys(sectionOf(square).operator);
      for (const k of keys) expect(["type", "m", ...Object.keys(o.options)], `${o.type}: ${k}`).toContain(k);
    }
  });

  it("an option of another entry is an error naming every entry that has it", () => {
    let e: unknown;
    try {
      resolveConfig({ operator: { type: "identity", threads: 2, p: 0.5 }, method: { name: "gd", momentum: 0.9 } });
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(ConfigError);
    const issues = (e as ConfigError).issues;
    expect(issues.map((i) => i.path)).toEqual(["operator.threads", "operator.p", "method.momentum"]);
    const threadOwners = entriesWithOption("operator", "threads");
    expect(threadOwners.length).toBeGreaterThan(1);
    for (const t of threadOwners) expect(issues[0].message).toContain(`"${t}"`);
    expect(issues[2].message).toBe('is an option of method.name "heavy-ball", not of "gd"');
  });

  it("an unknown field is still reported as unknown, and a wrong discriminator lists the allowed values", () => {
    expect(() => resolveConfig({ method: { name: "gd", momentom: 0.9 } })).toThrow(/unknown field method\.momentom/);
    expect(() => resolveConfig({ method: { name: "nope" } })).toThrow(/method\.name: must be one of "gd", /);
  });

  it("the default entries are gaussian and gd when the discriminator is omitted", () => {
    const c = resolveConfig({ operator: { storage: "float32" }, method: { stepSize: 0.2 } });
    expect(c.operator).toMatchObject({ type: "gaussian", storage: "float32" });
    expect(c.method).toMatchObject({ name: "gd", stepSize: 0.2 });
  });

  for (const name of ["config-flat-identity-0.1.0.json", "config-flat-heavy-ball-0.1.0.json"]) {
    it(`a config.json written by version 0.1.0 (every entry's options side by side) still loads: ${name}`, () => {
      const old = fixture(name);
      const notices: string[] = [];
      const config = resolveConfig(old, { onNotice: (m) => notices.push(m) });
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(/^config\.json from an earlier version: dropped \d+ options of other methods\/operators/);
      // the dropped options are exactly the foreign ones; what remains resolves to itself
      const up = upgradeConfigJson(old).config as Record<string, Record<string, unknown>>;
      expect(resolveConfig(JSON.parse(JSON.stringify(config)))).toEqual(config);
      for (const section of ["operator", "method"] as const) {
        for (const [k, v] of Object.entries(old[section] as Record<string, unknown>)) {
          if (k in up[section]) expect(up[section][k]).toEqual(v);
          else expect(entriesWithOption(section, k)).not.toContain(section === "method" ? config.method.name : config.operator.type);
        }
      }
    });
  }

  it("the run an old config.json describes is unchanged: `run --config old/config.json` gives the metrics of the clean config", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-sections-"));
    const oldFile = path.join(import.meta.dirname, "../fixtures/config-flat-heavy-ball-0.1.0.json");
    const a = await cli("run", "-q", "--config", oldFile, "--out", path.join(dir, "old"));
    expect(a.code).toBe(0);
    expect(a.err.trim().split("\n")).toHaveLength(1);
    expect(a.err).toMatch(/dropped .*method\.lambda/);
    const clean = JSON.parse(fs.readFileSync(path.join(dir, "old", "config.json"), "utf8")) as Record<string, unknown>;
    delete clean.matsense;
    fs.writeFileSync(path.join(dir, "clean.json"), JSON.stringify(clean));
    const b = await cli("run", "-q", "--config", path.join(dir, "clean.json"), "--out", path.join(dir, "clean"));
    expect(b.err).toBe("");
    expect(metricsWithoutSeconds(path.join(dir, "clean"))).toEqual(metricsWithoutSeconds(path.join(dir, "old")));
    expect(metricsWithoutSeconds(path.join(dir, "old")).length).toBeGreaterThan(10);
  });
});
