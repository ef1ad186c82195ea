// Regenerates examples/completion/ (docs/inputs.md): a 40×30 rank-3 matrix M = U diag(3, 2, 1) Vᵀ
// (U, V the Q factors of Gaussian matrices from matsense's "example" stream of seed 2026), written
// as M.npy, and 35 % of its entries (each kept independently, the same stream) as entries.csv
// with 1-based indices and the values in shortest round-trip decimal. Run after `npm run build`:
//   node scripts/example-completion.mjs
import * as fs from "node:fs";
import * as path from "node:path";
import { streamRng } from "../dist/random/rng.js";
import { generalTruth } from "../dist/problem/truth.js";
import { writeNpyAtomic } from "../dist/io/files.js";

const dir = path.join(import.meta.dirname, "..", "examples", "completion");
const rng = streamRng(2026, "example");
const n1 = 40, n2 = 30;
const t = generalTruth(n1, n2, Float64Array.from([3, 2, 1]), rng);
fs.mkdirSync(dir, { recursive: true });
writeNpyAtomic(path.join(dir, "M.npy"), [n1, n2], t.Mstar.data);
const lines = ["i,j,value"];
for (let i = 0; i < n1; i++) for (let j = 0; j < n2; j++) if (rng.uniform() < 0.35) lines.push(`${i + 1},${j + 1},${t.Mstar.data[i * n2 + j]}`);
fs.writeFileSync(path.join(dir, "entries.csv"), lines.join("\n") + "\n");
console.log(`${lines.length - 1} of ${n1 * n2} entries written to ${dir}`);
