import * as fs from "node:fs";
import { builtinModules } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { type Plugin, build } from "vite";
import { describe, expect, it } from "vitest";
import * as core from "../src/core.js";

/**
 * matsense/core (src/core.ts) bundles for a browser: Vite (Rolldown) builds it as a browser
 * library with every dependency inlined, and a plugin fails the build on any import of a
 * Node built-in (node:fs, fs, worker_threads, …), naming the importer.
 */
const root = path.resolve(import.meta.dirname, "..");
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

const noNodeBuiltins: Plugin = {
  name: "no-node-builtins",
  enforce: "pre",
  resolveId(id, importer) {
    if (id.startsWith("node:") || builtins.has(id)) throw new Error(`${path.relative(root, importer ?? "?")} imports the Node built-in ${id}`);
    return null;
  },
};

/** Builds `entry` for the browser; the output chunks' code. */
async function bundle(entry: string): Promise<string[]> {
  const out = await build({
    configFile: false,
    logLevel: "silent",
    root,
    plugins: [noNodeBuiltins],
    build: { write: false, minify: false, target: "es2022", lib: { entry, formats: ["es"], fileName: "core" } },
  });
  const outputs = (Array.isArray(out) ? out : [out]) as { output: { type: string; code?: string }[] }[];
  return outputs.flatMap((o) => o.output.filter((c) => c.type === "chunk").map((c) => c.code ?? ""));
}

describe("matsense/core in a browser bundle", () => {
  it("builds with no Node built-in, as one module that exports the whole of matsense/core", async () => {
    const chunks = await bundle(path.join(root, "src", "core.ts"));
    expect(chunks).toHaveLength(1);
    const code = chunks[0];
    const exported = /export \{([^}]*)\};?\s*$/
      .exec(code)?.[1]
      .split(",")
      .map((e) =>
        e
          .trim()
          .split(/\s+as\s+/)
          .pop(),
      );
    expect(exported?.sort()).toEqual(Object.keys(core).sort());
    expect(code).toMatch(/function runConfig\b/);
    expect(code).not.toMatch(/from ["'](node:)?(fs|os|v8|worker_threads|child_process|path)["']/);
  });

  it("fails when a module imports a Node built-in (the check can fail)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-bundle-"));
    const entry = path.join(dir, "entry.ts");
    fs.writeFileSync(entry, 'import { readFileSync } from "node:fs";\nexport const read = readFileSync;\n');
    try {
      await expect(bundle(entry)).rejects.toThrow(/imports the Node built-in node:fs/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
