import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { expandGrid, gridRunCount, parseGrid } from "../../src/config/grid.js";
import { ConfigError } from "../../src/config/schema.js";
import { JsonInputError, MAX_JSON_DEPTH, parseJsonText } from "../../src/io/json.js";
import { FIELD_PATHS, FUZZ_RUNS, FUZZ_SEED, Tally, edgeNumber, hasStackTrace, isKnownPath, typeJunk, validConfig, validValue } from "./arbitraries.js";

/**
 * Fuzzing of the JSON files a user hands to matsense (issue 15 item 7): arbitrary and
 * mutated JSON text through the strict reader, differentially against JSON.parse; grid
 * files (valid and broken) through parseGrid/expandGrid and a sample through
 * `matsense sweep`.
 */

/** Depth of nesting of a JSON value. */
function depth(v: unknown): number {
  if (v === null || typeof v !== "object") return 0;
  const kids = Array.isArray(v) ? v : Object.values(v);
  return 1 + kids.reduce((m: number, k) => Math.max(m, depth(k)), 0);
}

/** Text edits that break JSON in the ways files break: cut, insert, delete, duplicate. */
const mutatedText = fc
  .tuple(
    fc.json({ maxDepth: 4 }),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.constantFrom("cut", "insert", "delete", "dup"),
        fc.constantFrom("{", "}", "[", "]", ",", ":", '"', "\\", "1e999", "-", "\ufeff", "\n", "\u0000", " ", "e", "NaN"),
      ),
      { maxLength: 3 },
    ),
  )
  .map(([text, edits]) => {
    let t = text;
    for (const [pos, op, s] of edits) {
      const i = t.length ? pos % (t.length + 1) : 0;
      if (op === "cut") t = t.slice(0, i);
      else if (op === "insert") t = t.slice(0, i) + s + t.slice(i);
      else if (op === "delete") t = t.slice(0, i) + t.slice(i + 1);
      else t = t.slice(0, i) + t.slice(i, i + 8) + t.slice(i);
    }
    return t;
  });

describe("fuzz: JSON text", () => {
  it(`${FUZZ_RUNS} texts: the strict reader returns JSON.parse's value or a JsonInputError, never anything else`, () => {
    const tally = new Tally("JSON text");
    const text = fc.oneof(
      fc.json({ maxDepth: 5 }),
      mutatedText,
      fc.string({ maxLength: 40 }),
      fc.json().map((j) => `\ufeff{"a": ${j}}`),
      fc
        .tuple(fc.json({ maxDepth: 2 }), fc.json({ maxDepth: 2 }), fc.boolean())
        .map(([a, b, nest]) => (nest ? `{"p": {"k": ${a}, "k": ${b}}}` : `{"k": ${a}, "k": ${b}}`)),
      fc.tuple(fc.integer({ min: 300, max: 400 }), fc.boolean(), fc.integer({ min: 1, max: 9 })).map(([e, neg, d]) => `{"x": [${d}e${neg ? "-" : ""}${e}]}`),
      fc.integer({ min: 1, max: 3 * MAX_JSON_DEPTH }).map((d) => `${"[".repeat(d)}1${"]".repeat(d)}`),
    );
    fc.assert(
      fc.property(text, (t) => {
        let mine: unknown, err: unknown;
        try {
          mine = parseJsonText(t, { object: false });
        } catch (e) {
          err = e;
        }
        if (err !== undefined && !(err instanceof JsonInputError)) throw err;
        let reference: unknown,
          refOk = true;
        try {
          reference = JSON.parse(t.replace(/^\ufeff/, ""));
        } catch {
          refOk = false;
        }
        if (err === undefined) {
          // accepted ⇒ JSON.parse agrees exactly
          expect(refOk).toBe(true);
          expect(mine).toStrictEqual(reference);
          tally.add("accepted");
        } else {
          // refused although JSON.parse takes it ⇒ one of the documented stricter rules
          if (refOk) {
            const m = (err as Error).message;
            const documented = /duplicate key|not a finite number|underflows to 0|nested more than|is empty/.test(m);
            if (!documented) throw new Error(`refused valid JSON ${JSON.stringify(t)}: ${m}`);
            if (/nested more than/.test(m)) expect(depth(reference)).toBeGreaterThan(MAX_JSON_DEPTH);
            tally.add("refused by a strict rule");
          } else tally.add("refused (invalid JSON)");
          expect((err as JsonInputError).message.length).toBeGreaterThan(0);
        }
      }),
      { seed: FUZZ_SEED + 10, numRuns: FUZZ_RUNS },
    );
    tally.print();
  });
});

/** Grid files: mostly valid tiny grids, and grids broken in every field. */
const fieldValues = (p: string, junk: boolean) => {
  const known = FIELD_PATHS.includes(p);
  const good = known ? validValue(p) : fc.constant(1);
  if (!junk) return fc.array(good, { minLength: 1, maxLength: 3 });
  return fc.array(
    fc.oneof({ weight: 3, arbitrary: good }, { weight: 1, arbitrary: known ? typeJunk(p) : fc.constant(null) }, { weight: 1, arbitrary: edgeNumber }),
    { minLength: 0, maxLength: 3 },
  );
};
const validGrid = fc.record(
  {
    name: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
    base: validConfig,
    vary: fc
      .uniqueArray(fc.constantFrom("init.alpha", "model.k", "method.stepSize", "problem.rank", "init.type", "method.name", "record.every"), { maxLength: 2 })
      .chain((ps) => fc.tuple(...ps.map((p) => fieldValues(p, false).map((v) => [p, v] as const))).map((e) => Object.fromEntries(e))),
    seeds: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.uniqueArray(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 3 })),
  },
  { requiredKeys: ["base", "vary", "seeds"] },
);
const brokenGrid = fc.record(
  {
    name: fc.option(fc.oneof(fc.string({ maxLength: 10 }), fc.constant(5)), { nil: undefined }),
    base: fc.oneof({ weight: 6, arbitrary: validConfig }, { weight: 1, arbitrary: fc.constantFrom(null, 3, "x", [], { nope: 1 }) }),
    vary: fc.oneof(
      fc
        .uniqueArray(fc.constantFrom(...FIELD_PATHS, "seed", "no.such", "problem"), { maxLength: 3 })
        .chain((ps) => fc.tuple(...ps.map((p) => fieldValues(p, true).map((v) => [p, v] as const))).map((e) => Object.fromEntries(e))),
      fc.constantFrom(undefined, [], { "init.alpha": 0.1 }, { "init.alpha": [] }),
    ),
    zip: fc.option(
      fc.array(
        fc.dictionary(fc.constantFrom("method.stepSize", "model.k", "init.ratio"), fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 }), { maxKeys: 2 }),
        { maxLength: 2 },
      ),
      { nil: undefined },
    ),
    variants: fc.option(
      fc.array(fc.record({ name: fc.constantFrom("A", "B", "", "A"), set: fc.constantFrom({}, { "method.name": "precgd" }, { "x.y": 1 }) }), { maxLength: 3 }),
      { nil: undefined },
    ),
    seeds: fc.oneof(
      fc.integer({ min: -2, max: 4 }),
      fc.constantFrom(1e9, 2 ** 53, 1.5, NaN, "3", null),
      fc.array(fc.integer({ min: -1, max: 5 }), { maxLength: 4 }),
    ),
  },
  { requiredKeys: ["base"] },
);
const gridArb = fc.oneof({ weight: 2, arbitrary: validGrid }, { weight: 1, arbitrary: brokenGrid });

describe("fuzz: grid files", () => {
  it(`${FUZZ_RUNS} grids: runs (as many as counted) or a ConfigError/JsonInputError naming a grid or config field`, () => {
    const tally = new Tally("grid files");
    fc.assert(
      fc.property(gridArb, (g) => {
        const text = JSON.stringify(g);
        let runs;
        try {
          const parsed = parseJsonText(text, { source: "grid file g.json" });
          runs = expandGrid(parsed);
          expect(runs.length).toBe(gridRunCount(parseGrid(parsed)).runs);
          expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
          tally.add("expanded");
        } catch (e) {
          if (e instanceof JsonInputError) return void tally.add("refused (JSON)");
          if (!(e instanceof ConfigError)) throw e;
          // a grid problem names the grid field; a run's config problem names the config field
          if (e.issues.some((i) => !i.path.startsWith("grid") && !isKnownPath(i.path))) throw e;
          tally.add("refused (grid or config)");
        }
      }),
      { seed: FUZZ_SEED + 11, numRuns: FUZZ_RUNS },
    );
    tally.print();
  });

  it("40 grid files through `matsense sweep` in-process: exit 0, 1 with failed runs reported, or 2 with a message", async () => {
    const tally = new Tally("grid files (CLI sweep)");
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-fuzz-grid-"));
    const cases = fc.sample(gridArb, { seed: FUZZ_SEED + 12, numRuns: 40 });
    for (const [i, g] of cases.entries()) {
      const file = path.join(base, `g${i}.json`);
      fs.writeFileSync(file, JSON.stringify(g));
      let err = "";
      const code = await main(["node", "matsense", "sweep", "--grid", file, "--out", path.join(base, `s${i}`), "--workers", "1", "-q"], {
        out: () => {},
        err: (s) => void (err += s),
      });
      const what = `${JSON.stringify(g)} → exit ${code}:\n${err}`;
      if (hasStackTrace(err)) throw new Error(`stack trace: ${what}`);
      if (code === 2 && !err.startsWith("matsense: ")) throw new Error(`exit 2 without a message: ${what}`);
      if (code === 1 && !/runs? .*failed/.test(err)) throw new Error(`exit 1 without failed runs reported: ${what}`);
      if (![0, 1, 2].includes(code)) throw new Error(`unexpected exit: ${what}`);
      tally.add(`exit ${code}`);
    }
    tally.print();
  });
});
