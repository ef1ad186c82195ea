#!/usr/bin/env node
// No source line over 160 characters (src, web/src, test, bench, bin): lists the offenders, exit 1 if any.
import * as fs from "node:fs";
import * as path from "node:path";

const MAX = 160;
const roots = ["src", "web/src", "test", "bench", "bin"];
const bad = [];
const walk = (d) => {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (/\.(ts|mjs|js)$/.test(e.name)) {
      fs.readFileSync(p, "utf8").split("\n").forEach((l, i) => {
        if ([...l].length > MAX) bad.push(`${p}:${i + 1}: ${[...l].length} characters`);
      });
    }
  }
};
for (const r of roots) if (fs.existsSync(r)) walk(r);
for (const b of bad) console.log(b);
console.log(`${bad.length} line${bad.length === 1 ? "" : "s"} over ${MAX} characters`);
process.exit(bad.length ? 1 : 0);
