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

const { main } = await import("../dist/cli/main.js");

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`matsense: internal error: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 70;
  },
);
