import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "vitest";
import { main } from "../../src/cli/main.js";

/** Runs the CLI in process; returns the exit code and what it wrote. */
export async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "",
    err = "";
  const code = await main(["node", "matsense", ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

/** A scratch folder holding the grid as g.json and a finished one-worker sweep of it in `S`. */
export async function sweptGrid(grid: unknown): Promise<{ root: string; g: string; dir: string }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-cli-"));
  const g = path.join(root, "g.json");
  fs.writeFileSync(g, JSON.stringify(grid));
  const dir = path.join(root, "S");
  expect((await cli("sweep", "-q", "-w", "1", "-g", g, "--out", dir)).code).toBe(0);
  return { root, g, dir };
}
