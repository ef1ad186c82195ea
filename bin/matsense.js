#!/usr/bin/env node
// Until a command installs its own signal handlers (src/cli/signals.ts) — while the modules
// load, the options are parsed, and between a command's phases — a signal ends matsense at
// once with one line and exit code 128 + its number, never by the default action. The
// handlers are kept on `process` under a registered symbol so that signals.ts removes them
// while its own handlers are installed and puts them back after.
const NUMBERS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1, SIGUSR1: 10 };
const base = new Map();
for (const [sig, n] of Object.entries(NUMBERS)) {
  const h = () => {
    process.stderr.write(`\nmatsense: ${sig} received, exiting (no run in progress)\n`);
    process.exit(128 + n);
  };
  base.set(sig, h);
  process.on(sig, h);
}
process[Symbol.for("matsense.baseSignalHandlers")] = base;

// (imported after the handlers are on, like everything else)
const { readFileSync, statSync } = await import("node:fs");
const { default: module } = await import("node:module");
const { fileURLToPath } = await import("node:url");

// Node ≥ 22.1 keeps V8's compiled code of the modules on disk (os.tmpdir()/node-compile-cache) for
// the next start; Node 20 has no such API (feature-detected, nothing happens there).
module.enableCompileCache?.();

// The start-up bundle (scripts/bundle-cli.mjs: the same modules in a dozen files instead of ~200)
// while every dist/ file it was made from is unchanged; else (e.g. after `tsc` alone, or with
// MATSENSE_NO_BUNDLE=1) the modules of dist/ themselves.
const { main } = await import(bundleFresh() ? "../dist/cli-bundle/main.js" : "../dist/cli/main.js");

function bundleFresh() {
  if (process.env.MATSENSE_NO_BUNDLE) return false;
  try {
    const dist = fileURLToPath(new URL("../dist/", import.meta.url));
    const { files } = JSON.parse(readFileSync(`${dist}cli-bundle/inputs.json`, "utf8"));
    for (const [file, size, mtimeMs] of files) {
      const st = statSync(dist + file);
      if (st.size !== size || st.mtimeMs !== mtimeMs) return false;
    }
    return files.length > 0;
  } catch {
    return false;
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`matsense: internal error: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 70;
  },
);
