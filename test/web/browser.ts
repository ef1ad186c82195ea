/**
 * Test helpers for the explorer: the built site, Debian's Chromium (installed with apt
 * when missing and we are root — CI runs as root on a fresh machine), a headless browser
 * with a fresh profile and no background networking.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { BrowserContext } from "playwright-core";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const siteDir = path.join(repoRoot, "dist", "web");
export const CHROMIUM = "/usr/bin/chromium";

/** Builds dist/web when it is missing (`npm test` builds it already through `npm run build`). */
export function ensureSite(): void {
  if (fs.existsSync(path.join(siteDir, "index.html")) && fs.existsSync(path.join(repoRoot, "dist", "wasm", "kernels.wasm"))) return;
  if (!fs.existsSync(path.join(repoRoot, "dist", "wasm", "kernels.wasm"))) run("npm", ["run", "build:wasm"]);
  run("npm", ["run", "build:web"]);
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", timeout: 600_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
}

/**
 * Path of the Chromium binary, installing Debian's package when it is missing and this
 * process may (root, apt-get present). Returns a reason string instead when that is impossible.
 */
export function ensureChromium(): { path: string } | { skip: string } {
  if (fs.existsSync(CHROMIUM)) return { path: CHROMIUM };
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  const hasApt = spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status === 0;
  if (!root || !hasApt) {
    return { skip: `${CHROMIUM} is missing and cannot be installed here (${!hasApt ? "no apt-get" : "not root"}); install Debian's chromium package to run the explorer's browser tests` };
  }
  process.stderr.write(`explorer e2e: ${CHROMIUM} missing, installing Debian's chromium with apt-get (once)…\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  let r = spawnSync("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", env, timeout: 900_000 });
  if (r.status !== 0) {
    spawnSync("apt-get", ["update"], { stdio: "ignore", env, timeout: 600_000 });
    r = spawnSync("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", env, timeout: 900_000 });
  }
  if (r.status !== 0 || !fs.existsSync(CHROMIUM)) return { skip: `apt-get install chromium failed (exit ${r.status}): ${(r.stderr ?? "").trim().split("\n").slice(-3).join(" ")}` };
  return { path: CHROMIUM };
}

/** Headless Chromium with a fresh profile (removed by the returned close) and no background traffic. */
export async function launchBrowser(executablePath: string): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const { chromium } = await import("playwright-core");
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1400, height: 1000 },
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
