import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { aggregateSweep } from "../../src/results/aggregate.js";
import { runSweep } from "../../src/sweep/sweep.js";
import { type RunFolderState, inspectRunFolder } from "../../src/results/validate.js";
import { decodeNpy, encodeNpy } from "../../src/io/npy.js";
import { ResumeError, readCheckpoint } from "../../src/run/checkpoint.js";
import { FUZZ_RUNS, FUZZ_SEED, Tally } from "./arbitraries.js";

/**
 * Fuzzing of every file matsense reads back (issue 15 item 7): run folders whose
 * metrics.csv, summary.json and config.json are damaged in many ways go through the
 * validating reader and through `aggregate`; .npy bytes through the decoder.
 * Properties: never an exception; an untouched folder is "done"; any change to
 * metrics.csv or summary.json that alters its content is noticed (or leaves a
 * consistent, valid folder); damaged runs are counted and excluded, never misclassified.
 */

const STATES: RunFolderState[] = ["done", "failed", "interrupted", "incomplete", "damaged", "missing"];
const FILES = ["metrics.csv", "summary.json", "config.json"] as const;

/** Two runs, one of them asymmetric with extra columns; record schedules linear and log. */
const grid = {
  base: {
    problem: { n: 6, rank: 1 },
    operator: { m: 80, backend: "ts" },
    init: { alpha: 0.05 },
    stop: { maxIterations: 60, targetRelError: 1e-10 },
  },
  variants: [
    { name: "sym", set: { "record.every": 3 } },
    { name: "asym", set: { "model.type": "asymmetric", "record.schedule": "log", "record.singularValues": 2, "record.imbalanceEigenvalues": true } },
  ],
  seeds: 1,
};

let pristine: string;
let ids: string[];
let originals: Record<string, Record<string, Buffer>>;

beforeAll(async () => {
  pristine = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-fuzz-files-"));
  const r = await runSweep(grid, pristine, { runner: "inline" });
  ids = r.runs.map((s) => s.id);
  originals = Object.fromEntries(ids.map((id) => [id, Object.fromEntries(FILES.map((f) => [f, fs.readFileSync(path.join(pristine, id, f))]))]));
});

/** One damage to one file of one run. */
type Damage =
  | { op: "truncate"; at: number }
  | { op: "flip"; at: number; byte: number }
  | { op: "delete-line" | "duplicate-line" | "swap-lines"; line: number }
  | { op: "replace"; text: string }
  | { op: "append"; text: string }
  | { op: "remove" }
  | { op: "edit-json"; key: string; value: unknown };

const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.nat().map((at) => ({ op: "truncate" as const, at })),
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => ({ op: "flip" as const, at, byte })),
  fc.tuple(fc.constantFrom("delete-line" as const, "duplicate-line" as const, "swap-lines" as const), fc.nat()).map(([op, line]) => ({ op, line })),
  fc
    .oneof(
      fc.constantFrom("", "{}", "[]", "null", "\u0000\u0001", "nan\n", "iteration\n", '{"status":"converged"}'),
      fc.string({ maxLength: 50 }),
      fc.json({ maxDepth: 3 }),
    )
    .map((text) => ({ op: "replace" as const, text })),
  fc.constantFrom("0,0,0,0,0\n", "garbage", "\n", ",,,\n").map((text) => ({ op: "append" as const, text })),
  fc.constant({ op: "remove" as const }),
  fc
    .tuple(
      fc.constantFrom("status", "iterations", "final", "seconds", "warnings", "events", "record", "divergedAt"),
      fc.oneof(fc.constantFrom("converged", "diverged", "failed", "interrupted", "pending", null, -1, 1e9, 0, 5, []), fc.json({ maxDepth: 1 })),
    )
    .map(([key, value]) => ({ op: "edit-json" as const, key, value })),
);

function applyDamage(file: string, original: Buffer, d: Damage): void {
  const text = original.toString("latin1");
  const lines = text.split("\n");
  let out: string | undefined;
  switch (d.op) {
    case "truncate":
      out = text.slice(0, d.at % (text.length + 1));
      break;
    case "flip": {
      const b = Buffer.from(original);
      b[d.at % b.length] = d.byte;
      fs.writeFileSync(file, b);
      return;
    }
    case "delete-line":
      lines.splice(d.line % lines.length, 1);
      out = lines.join("\n");
      break;
    case "duplicate-line": {
      const i = d.line % lines.length;
      lines.splice(i, 0, lines[i]);
      out = lines.join("\n");
      break;
    }
    case "swap-lines": {
      const i = d.line % Math.max(1, lines.length - 1);
      [lines[i], lines[i + 1]] = [lines[i + 1], lines[i]];
      out = lines.join("\n");
      break;
    }
    case "replace":
      out = d.text;
      break;
    case "append":
      out = text + d.text;
      break;
    case "remove":
      fs.rmSync(file);
      return;
    case "edit-json": {
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch {
        return;
      }
      if (v && typeof v === "object") (v as Record<string, unknown>)[d.key] = d.value;
      out = JSON.stringify(v);
      break;
    }
  }
  fs.writeFileSync(file, Buffer.from(out!, "latin1"));
}

describe("fuzz: run folders read back", () => {
  it("the untouched runs are done", () => {
    for (const id of ids) expect(inspectRunFolder(path.join(pristine, id)).state).toBe("done");
  });

  it(`${FUZZ_RUNS} damaged folders: inspectRunFolder never throws, notices every change to metrics.csv/summary.json, and aggregate never aborts`, () => {
    const tally = new Tally("run folders");
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-fuzz-damaged-"));
    fs.cpSync(pristine, work, { recursive: true });
    const restore = () => {
      for (const id of ids) for (const f of FILES) fs.writeFileSync(path.join(work, id, f), originals[id][f]);
    };
    fc.assert(
      fc.property(fc.nat(ids.length - 1), fc.constantFrom(...FILES), damage, fc.boolean(), (ri, f, d, aggregate) => {
        restore();
        const id = ids[ri];
        const file = path.join(work, id, f);
        applyDamage(file, originals[id][f], d);
        const changed = !fs.existsSync(file) || !fs.readFileSync(file).equals(originals[id][f]);
        const i = inspectRunFolder(path.join(work, id));
        expect(STATES).toContain(i.state);
        if (i.state === "damaged") expect(i.reason).toMatch(/^(metrics\.csv|summary\.json|config\.json)/);
        // the other run is never affected
        expect(inspectRunFolder(path.join(work, ids[1 - ri])).state).toBe("done");
        if (!changed) expect(i.state).toBe("done");
        // summary.json vouches for metrics.csv and config.json by their SHA-256: any change is noticed (issue 25)
        else if (f !== "summary.json") expect(i.state).not.toBe("done");
        else if (f === "metrics.csv" && i.state === "done") {
          // accepted only if the numbers are still exactly those of the run
          expect(i.metrics!.data.iteration).toEqual(inspectRunFolder(path.join(pristine, id)).metrics!.data.iteration);
        }
        if (aggregate) {
          const agg = aggregateSweep(work);
          expect(agg.damaged.length).toBe(i.state === "damaged" ? 1 : 0);
          for (const r of agg.runs) if (r.status === "damaged") expect(r.rate_class).toBe("");
        }
        tally.add(`${f} ${d.op} → ${i.state}`);
      }),
      { seed: FUZZ_SEED + 20, numRuns: FUZZ_RUNS },
    );
    tally.print();
  });
});

describe("fuzz: .npy bytes", () => {
  const good = Uint8Array.from(Buffer.concat(encodeNpy([3, 2], new Float64Array([1, 2, 3, 4, 5, 6]))));
  const header = Buffer.from(good).toString("latin1");
  it(`${FUZZ_RUNS} byte strings: decodeNpy returns an array matching its shape or throws an Error naming the problem`, () => {
    const tally = new Tally(".npy");
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, b]) => {
        const c = Uint8Array.from(good);
        c[i] = b;
        return c;
      }),
      fc.nat(good.length).map((n) => good.slice(0, n)),
      fc
        .constantFrom("(3, 2)", "(-3, 2)", "(1e9, 1e9)", "(x,)", "(3,, 2)", "()", "(9007199254740993,)", "(2.5,)")
        .map((shape) => Uint8Array.from(Buffer.from(header.replace("(3, 2)", shape.padEnd(6).slice(0, Math.max(6, shape.length))), "latin1"))),
    );
    fc.assert(
      fc.property(bytes, (b) => {
        let a;
        try {
          a = decodeNpy(b);
        } catch (e) {
          if (!(e instanceof Error) || e instanceof TypeError || e instanceof RangeError) throw e;
          expect(e.message.length).toBeGreaterThan(0);
          return void tally.add("refused");
        }
        expect(a.data.length).toBe(a.shape.reduce((x, y) => x * y, 1));
        for (const d of a.shape) expect(Number.isSafeInteger(d) && d >= 0).toBe(true);
        tally.add("decoded");
      }),
      { seed: FUZZ_SEED + 21, numRuns: FUZZ_RUNS },
    );
    tally.print();
  });
});

describe("fuzz: damaged checkpoints (issue 25)", () => {
  it(`${FUZZ_RUNS} damaged checkpoint.json files: the same state back, or a ResumeError naming the problem — never another error`, () => {
    const tally = new Tally("checkpoints");
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-fuzz-checkpoint-"));
    const sources = ids.map((id) => fs.readFileSync(path.join(pristine, id, "checkpoint.json")));
    const states = ids.map((id) => readCheckpoint(path.join(pristine, id)));
    fc.assert(
      fc.property(fc.nat(ids.length - 1), damage, (ri, d) => {
        const file = path.join(work, "checkpoint.json");
        fs.writeFileSync(file, sources[ri]);
        applyDamage(file, sources[ri], d);
        let outcome: string;
        try {
          const got = readCheckpoint(work);
          // accepted only if it is the checkpoint that was written
          expect(got.state.iteration).toBe(states[ri].state.iteration);
          for (const [k, a] of Object.entries(states[ri].state.arrays)) expect(got.state.arrays[k].data).toEqual(a.data);
          outcome = "same state";
        } catch (e) {
          expect(e).toBeInstanceOf(ResumeError);
          outcome = "ResumeError";
        }
        tally.add(`${d.op} → ${outcome}`);
      }),
      { seed: FUZZ_SEED + 21, numRuns: FUZZ_RUNS },
    );
    tally.print();
  });
});
