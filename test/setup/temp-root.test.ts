import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

// test/setup/temp-root.ts (a vitest setup file): this file's temp folders live in its own root
describe("the tests' temp folders", () => {
  it("are made inside one root per test file (a fresh matsense-tests-* folder in the real temp folder), which CLI children inherit", () => {
    const root = os.tmpdir();
    expect(path.basename(root)).toMatch(/^matsense-tests-/);
    expect(path.dirname(root)).toBe(process.env.MATSENSE_TEST_TMP_BASE);
    const made = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-x-"));
    expect(path.dirname(made)).toBe(root);
    const child = spawnSync(process.execPath, ["-e", "process.stdout.write(require('node:os').tmpdir())"], { encoding: "utf8" });
    expect(child.stdout).toBe(root);
  });
});
