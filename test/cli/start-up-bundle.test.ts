/**
 * The CLI's start-up bundle (scripts/bundle-cli.mjs, dist/cli-bundle/): bin/matsense.js runs
 * it while every dist/ file it was made from is unchanged, loading a dozen files instead of
 * ~200 modules, with bitwise the metrics of the unbundled modules; a stale bundle (a dist/
 * file changed since, e.g. `tsc` run alone) or MATSENSE_NO_BUNDLE=1 falls back to dist/cli/.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { metricsWithoutTime as metrics } from "../reliability/helpers.js";

const root = path.resolve(import.meta.dirname, "..", "..");
const inputs = path.join(root, "dist", "cli-bundle", "inputs.json");
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "matsense-bundle-"));

/** A module-loading hook that prints every loaded URL to stderr (`LOADED <url>`). */
function hookFiles(dir: string): string {
  fs.writeFileSync(
    path.join(dir, "hooks.mjs"),
    "export async function load(url, c, next) { process.stderr.write(`LOADED ${url}\\n`); return next(url, c); }\n",
  );
  fs.writeFileSync(path.join(dir, "register.mjs"), 'import { register } from "node:module";\nregister("./hooks.mjs", import.meta.url);\n');
  return path.join(dir, "register.mjs");
}

/** Runs `bin` with the hook; returns the loaded file URLs (stdout/stderr otherwise ignored). */
function loaded(bin: string, args: string[], hook: string, env: Record<string, string> = {}): string[] {
  const r = spawnSync(process.execPath, ["--import", hook, bin, ...args], { encoding: "utf8", env: { ...process.env, ...env } });
  expect(r.status, r.stderr).toBe(0);
  return r.stderr.split("\n").flatMap((l) => (l.startsWith("LOADED file://") ? [l.slice("LOADED ".length)] : []));
}

/** The bundle exists and every dist/ file it was made from is unchanged (else `npm run build:cli` remakes it). */
function bundleFresh(): boolean {
  if (!fs.existsSync(inputs)) return false;
  const { files } = JSON.parse(fs.readFileSync(inputs, "utf8")) as { files: [string, number, number][] };
  return files.every(([f, size, mtime]) => {
    const st = fs.statSync(path.join(root, "dist", f), { throwIfNoEntry: false });
    return st?.size === size && st.mtimeMs === mtime;
  });
}

describe.skipIf(!bundleFresh())("the CLI's start-up bundle (needs `npm run build`, or `npm run build:cli` after tsc)", () => {
  const bin = path.join(root, "bin", "matsense.js");
  const run = (out: string) => ["run", "-q", "--set", "problem.n=10", "--set", "stop.maxIterations=20", "--out", out];

  it("is used while fresh (no module of dist/ outside it is loaded) and gives the unbundled run's metrics bit for bit", () => {
    const dir = tmp();
    const hook = hookFiles(dir);
    const bundled = loaded(bin, run(path.join(dir, "a")), hook).filter((u) => u.includes("/dist/"));
    expect(bundled.length).toBeGreaterThan(0);
    expect(bundled.filter((u) => !u.includes("/dist/cli-bundle/"))).toEqual([]);
    expect(bundled.length).toBeLessThan(25);
    const plain = loaded(bin, run(path.join(dir, "b")), hook, { MATSENSE_NO_BUNDLE: "1" }).filter((u) => u.includes("/dist/"));
    expect(plain.some((u) => u.endsWith("/dist/cli/main.js"))).toBe(true);
    expect(plain.some((u) => u.includes("/dist/cli-bundle/"))).toBe(false);
    expect(plain.length).toBeGreaterThan(60);
    expect(metrics(path.join(dir, "a"))).toBe(metrics(path.join(dir, "b")));
  }, 60_000);

  it("is not used when a dist/ file it was made from changed since (the checkout falls back to dist/cli/main.js)", () => {
    // a copy of the package whose dist/ entries link to the real ones, except a cli-bundle whose record of one input differs
    const pkg = tmp();
    fs.mkdirSync(path.join(pkg, "bin"));
    fs.copyFileSync(bin, path.join(pkg, "bin", "matsense.js"));
    fs.symlinkSync(path.join(root, "package.json"), path.join(pkg, "package.json"));
    fs.symlinkSync(path.join(root, "node_modules"), path.join(pkg, "node_modules"));
    fs.mkdirSync(path.join(pkg, "dist"));
    for (const e of fs.readdirSync(path.join(root, "dist"))) if (e !== "cli-bundle") fs.symlinkSync(path.join(root, "dist", e), path.join(pkg, "dist", e));
    fs.cpSync(path.join(root, "dist", "cli-bundle"), path.join(pkg, "dist", "cli-bundle"), { recursive: true });
    const hook = hookFiles(pkg);
    const copyBin = path.join(pkg, "bin", "matsense.js");
    expect(loaded(copyBin, ["--version"], hook).some((u) => u.includes("/dist/cli-bundle/main.js"))).toBe(true); // the copy uses its fresh bundle
    const record = JSON.parse(fs.readFileSync(path.join(pkg, "dist", "cli-bundle", "inputs.json"), "utf8")) as { files: [string, number, number][] };
    record.files[0][2] -= 1000; // "modified" a second after the bundle was made
    fs.writeFileSync(path.join(pkg, "dist", "cli-bundle", "inputs.json"), JSON.stringify(record));
    const urls = loaded(copyBin, ["--version"], hook);
    expect(urls.some((u) => u.includes("/dist/cli-bundle/"))).toBe(false);
    expect(urls.some((u) => u.endsWith("/dist/cli/main.js"))).toBe(true);
  }, 60_000);
});
