import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { startExploreServer } from "../../src/cli/explore.js";
import { ensureSite, repoRoot, siteDir } from "./browser.js";

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "",
    err = "";
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

  it("answers links far over Node's 16 KiB header limit (a long share link got HTTP 431)", async () => {
    const { server, url } = await startExploreServer({ dir: siteDir });
    try {
      const runs = Array.from({ length: 2000 }, (_, i) => `run=${encodeURIComponent(`init.alpha=${(i + 1) * 1e-5}`)}`).join("&");
      const long = `${url}?${runs}`;
      expect(long.length).toBeGreaterThan(40_000);
      const r = await fetch(long);
      expect(r.status).toBe(200);
    } finally {
      server.close();
    }
  });

  it("explore DIR serves the folder's result files read-only under /data/ and nothing else", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-explore-dir-"));
    try {
      const run = path.join(tmp, "run1");
      fs.mkdirSync(run);
      fs.writeFileSync(path.join(run, "config.json"), "{}");
      fs.writeFileSync(path.join(run, "metrics.csv"), "iteration,rel_error\n0,1\n");
      fs.writeFileSync(path.join(run, "secret.txt"), "private");
      fs.mkdirSync(path.join(tmp, ".git"));
      fs.writeFileSync(path.join(tmp, ".git", "config.json"), "{}");
      const { server, url } = await startExploreServer({ dir: siteDir, data: tmp });
      try {
        expect(url).toMatch(/\/\?open=data$/);
        const root = url.replace(/\?open=data$/, "");
        const index = await (await fetch(`${root}data/index.json`)).json();
        expect(index).toEqual({ name: path.basename(tmp), files: ["run1/config.json", "run1/metrics.csv"] });
        expect(await (await fetch(`${root}data/run1/metrics.csv`)).text()).toBe("iteration,rel_error\n0,1\n");
        expect((await fetch(`${root}data/run1/secret.txt`)).status).toBe(404);
        expect((await fetch(`${root}data/..%2f..%2fetc%2fpasswd`)).status).toBe(404);
        expect((await fetch(`${root}data/.git/config.json`)).status).toBe(404);
      } finally {
        server.close();
      }
      const bad = await cli("explore", path.join(tmp, "run1", "secret.txt"));
      expect([bad.code, bad.err]).toEqual([2, expect.stringMatching(/is not a folder \(give a run or sweep folder\)/)]);
      const empty = await cli("explore", path.join(tmp, ".git"));
      expect([empty.code, empty.err]).toEqual([2, expect.stringMatching(/holds no run \(no metrics\.csv next to a config\.json\)/)]);
      const missing = await cli("explore", path.join(tmp, "nope"));
      expect([missing.code, missing.err]).toEqual([2, expect.stringMatching(/does not exist/)]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
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
