import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { startExploreServer } from "../../src/cli/explore.js";
import { ensureSite, repoRoot, siteDir } from "./browser.js";

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "", err = "";
  const code = await main(["node", "matsense", ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

describe("matsense explore", () => {
  beforeAll(() => ensureSite());

  it("serves the built site with the cross-origin-isolation headers and the right types", async () => {
    const { server, url } = await startExploreServer({ dir: siteDir });
    try {
      const index = await fetch(url);
      expect(index.status).toBe(200);
      expect(index.headers.get("cross-origin-opener-policy")).toBe("same-origin");
      expect(index.headers.get("cross-origin-embedder-policy")).toBe("require-corp");
      expect(index.headers.get("content-type")).toMatch(/^text\/html/);
      const html = await index.text();
      const script = /src="\.\/(assets\/index-[^"]+\.js)"/.exec(html)![1];
      const js = await fetch(url + script);
      expect(js.headers.get("content-type")).toMatch(/^text\/javascript/);
      // the compiled kernels ship with the site, served as application/wasm
      const wasm = fs.readdirSync(path.join(siteDir, "assets")).find((f) => /^kernels-.*\.wasm$/.test(f))!;
      expect((await fetch(`${url}assets/${wasm}`)).headers.get("content-type")).toBe("application/wasm");
      expect((await fetch(url + "nope.js")).status).toBe(404);
      expect((await fetch(url + "..%2f..%2fpackage.json")).status).toBe(403);
      expect((await fetch(url, { method: "POST" })).status).toBe(405);
    } finally {
      server.close();
    }
  });

  it("--no-isolation leaves the headers out", async () => {
    const { server, url } = await startExploreServer({ dir: siteDir, isolation: false });
    try {
      const r = await fetch(url);
      expect(r.status).toBe(200);
      expect(r.headers.get("cross-origin-opener-policy")).toBeNull();
    } finally {
      server.close();
    }
  });

  it("refuses a bad port and a missing site with exit code 2 and a message", async () => {
    const bad = await cli("explore", "--port", "http");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--port must be an integer from 0 to 65535 \(got "http"\)/);
    const missing = await cli("explore", "--dir", path.join(repoRoot, "no-such-site"));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/the explorer is not built .*npm run build:web/);
  });

  it("`npx matsense explore` (bin/matsense.js) prints its address, serves, and stops on SIGINT", async () => {
    const child = spawn(process.execPath, [path.join(repoRoot, "bin", "matsense.js"), "explore", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d) => {
          out += d;
          const m = /explorer at (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]);
        });
        child.on("exit", (code) => reject(new Error(`exited with ${code}: ${out}`)));
      });
      const r = await fetch(url);
      expect(r.status).toBe(200);
      expect(await r.text()).toMatch(/matsense explorer/);
      const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      child.kill("SIGINT");
      expect(await exit).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
