import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

describe("library typing and packaging", () => {
  it("runConfig takes a typed ConfigInput and returns typed trace rows (tsc on test/types/library-usage.ts)", () => {
    const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
    const r = spawnSync(process.execPath, [tsc, "-p", path.join(root, "test", "types", "tsconfig.json")], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("package.json exports resolve for require() and other non-import resolvers (a `default` condition)", () => {
    const require = createRequire(path.join(root, "package.json"));
    expect(require.resolve("matsense")).toBe(path.join(root, "dist", "index.js"));
  });
});
