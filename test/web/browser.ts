/**
 * Test helpers for the explorer: the built site, a Chromium binary (MATSENSE_CHROMIUM, default
 * Debian's /usr/bin/chromium; never installed by the tests — `.ci/run` installs it), a headless
 * browser with a fresh profile and no background networking.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { BrowserContext } from "playwright-core";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const siteDir = path.join(repoRoot, "dist", "web");
/** The browser the e2e tests drive: $MATSENSE_CHROMIUM, or Debian's chromium package. */
export const CHROMIUM = process.env.MATSENSE_CHROMIUM || "/usr/bin/chromium";

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

/** Path of the Chromium binary, or the one-line reason to skip (it is never installed here). */
export function ensureChromium(): { path: string } | { skip: string } {
  if (fs.existsSync(CHROMIUM)) return { path: CHROMIUM };
  return { skip: `${CHROMIUM} not found: set MATSENSE_CHROMIUM to a Chromium binary, or install Debian's chromium (sudo apt-get install chromium)` };
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
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-default-apps",
      "--disable-extensions",
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
