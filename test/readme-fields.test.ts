import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { describeConfig } from "../src/config/schema.js";

const readme = fs.readFileSync(path.resolve(__dirname, "..", "README.md"), "utf8");

describe("README documents the config values and metric columns (issue 14 item 7)", () => {
  it("the operator.type row lists every operator type of the schema", () => {
    const row = readme.split("\n").find((l) => l.startsWith("| `operator.type`"))!;
    const types = describeConfig().find((f) => f.path === "operator.type")!.allowed as string[];
    expect(types.length).toBeGreaterThanOrEqual(6);
    for (const t of types) expect(row).toContain(`\`"${t}"\``);
  });

  it("imbalance_norm is defined with its norm", () => {
    expect(readme).toMatch(/`imbalance_norm`[^.]*Frobenius[\s\S]{0,40}‖FᵀF − GᵀG‖_F/);
  });
});
