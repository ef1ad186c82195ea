import { flattenRow } from "../../src/algorithms/driver.js";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { executeRun } from "../../src/run/runFolder.js";
import { runConfig } from "../../src/run/run.js";
import { inspectRunFolder } from "../../src/results/validate.js";
import { type ResolvedConfig, ConfigError, applySets, resolveConfig } from "../../src/config/schema.js";
import {
  FIELDS,
  FIELD_PATHS,
  FUZZ_RUNS,
  FUZZ_SEED,
  Tally,
  applyMutation,
  edgeNumber,
  expectConfigError,
  hasStackTrace,
  mutation,
  validConfig,
  validValue,
} from "./arbitraries.js";

/**
 * Property-based fuzzing of configs (issue 15 item 7): generated from the schema, valid and
 * invalid, through the library (`resolveConfig` / `runConfig` / `executeRun`), through
 * `--set` overrides and through the CLI (in-process `main`, and a smaller sample of real
 * processes). Properties: a valid config gives a run or a documented refusal (ConfigError
 * naming a known field); an invalid one gives a ConfigError naming the field that was
 * broken (exit 2 from the CLI); nothing else is ever thrown, nothing hangs or crashes.
 */

const root = path.resolve(__dirname, "../..");
const STATUSES = ["converged", "max-iterations", "time-limit", "diverged"];

/** A resolved config small enough to run in milliseconds. */
function tiny(c: ResolvedConfig): boolean {
  return c.problem.n * c.problem.n2 <= 64 && c.operator.m <= 500 && c.model.k <= 16 && c.stop.maxIterations <= 50;
}

/** Resolve, and run when tiny: returns the outcome label; throws on a property violation. */
function resolveAndRun(config: unknown): string {
  let c: ResolvedConfig;
  try {
    c = resolveConfig(config);
  } catch (e) {
    expectConfigError(e);
    return "refused";
  }
  if (!tiny(c)) return "valid, not run (large)";
  let result;
  try {
    ({ result } = runConfig(c));
  } catch (e) {
    return runFailure(e);
  }
  expect(STATUSES).toContain(result.status);
  expect(result.rows[0].iteration).toBe(0);
  if (result.status !== "diverged") {
    // no NaN behind a success status
    for (const v of Object.values(flattenRow(result.final))) expect(Number.isFinite(v)).toBe(true);
  }
  return `ran: ${result.status}`;
}

const METHODS = FIELDS.find((f) => f.path === "method.name")!.allowed as string[];
const METHOD_FAILURE = new RegExp(`^(${METHODS.join("|")}): `);

/**
 * A run may fail for a numerical reason its method reports, naming itself ("precgd: the
 * k×k preconditioner … is not positive definite …"): a documented outcome (summary status
 * "failed", exit 1). Anything else thrown from a validated config is a bug: a check that
 * belongs in the config validation, or a crash.
 */
function runFailure(e: unknown): string {
  if (e instanceof ConfigError) {
    // refused when the data are built (e.g. measurements that overflow): still names the field
    expectConfigError(e);
    return "refused at build";
  }
  if (e instanceof Error && METHOD_FAILURE.test(e.message)) return `run failed (${e.message.split(":")[0]} reported)`;
  throw e;
}

describe("fuzz: configs through the library", () => {
  it(`valid configs (${FUZZ_RUNS} cases) run or are refused with a ConfigError naming a known field`, () => {
    const tally = new Tally("library configs (valid)");
    fc.assert(
      fc.property(validConfig, (c) => void tally.add(resolveAndRun(c))),
      { seed: FUZZ_SEED, numRuns: FUZZ_RUNS },
    );
    tally.print();
    expect(tally.total()).toBeGreaterThanOrEqual(FUZZ_RUNS);
  });

  it(`broken configs (${FUZZ_RUNS} cases): type errors and unknown keys name the field; edge numbers run or are refused`, () => {
    const tally = new Tally("library configs (invalid)");
    fc.assert(
      fc.property(validConfig, mutation, (c, m) => {
        const broken = applyMutation(c, m);
        if (m.kind === "edge") return void tally.add(`edge: ${resolveAndRun(broken)}`);
        let err: ConfigError | undefined;
        try {
          resolveConfig(broken);
        } catch (e) {
          err = expectConfigError(e);
        }
        if (!err) throw new Error(`${m.kind} mutation ${m.path} = ${JSON.stringify(m.value)} was accepted`);
        const named = err.issues.some((i) => i.path === m.mustName || i.path.startsWith(`${m.mustName}.`) || i.message.includes(m.mustName));
        if (!named) throw new Error(`the error for ${m.path} = ${JSON.stringify(m.value)} does not name ${m.mustName}:\n${err.message}`);
        tally.add(`refused (${m.kind})`);
      }),
      { seed: FUZZ_SEED + 1, numRuns: FUZZ_RUNS },
    );
    tally.print();
  });

  it("runs written by executeRun (200 cases) are read back as done/interrupted by the validating reader", () => {
    const tally = new Tally("executeRun → inspectRunFolder");
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-fuzz-exec-"));
    let n = 0;
    fc.assert(
      fc.property(validConfig, (c) => {
        let r: ResolvedConfig;
        try {
          r = resolveConfig(c);
        } catch {
          return void tally.add("refused");
        }
        if (!tiny(r)) return void tally.add("large");
        const dir = path.join(base, String(n++));
        let summary;
        try {
          ({ summary } = executeRun(r, dir));
        } catch (e) {
          const outcome = runFailure(e);
          tally.add(outcome);
          if (outcome.startsWith("run failed")) expect(inspectRunFolder(dir).state).toBe("failed");
          return;
        }
        const i = inspectRunFolder(dir);
        if (i.state !== "done") throw new Error(`a run just written (${summary.status}) reads back as ${i.state}: ${i.reason}\n${JSON.stringify(c)}`);
        fs.rmSync(dir, { recursive: true });
        tally.add(`done (${summary.status})`);
      }),
      { seed: FUZZ_SEED + 2, numRuns: 200 },
    );
    tally.print();
  });
});

/** `--set` assignments: valid ones, known and garbage paths, JSON and non-JSON values. */
const validSet = fc
  .constantFrom(...FIELD_PATHS)
  .chain((p) => fc.tuple(validValue(p), fc.boolean()).map(([v, bare]) => `${p}=${typeof v === "string" && bare ? v : JSON.stringify(v)}`));
const junkSet = fc
  .tuple(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...FIELD_PATHS) },
      { weight: 1, arbitrary: fc.constantFrom("", ".", "a..b", "__proto__.x", "problem", "problem.n.x", "constructor", "method.stepSize.0", "x".repeat(300)) },
    ),
    fc.oneof(
      edgeNumber.map(String),
      fc.constantFrom(
        "1e309",
        "-1e309",
        "1e-400",
        "NaN",
        "Infinity",
        "null",
        "true",
        "[]",
        "{}",
        "[1,2]",
        '"gd"',
        "gd",
        "asymmetric",
        "",
        "=",
        "[[[[[[",
        '{"a":{"b":1}}',
        "0x10",
        "1_000",
        " 5 ",
      ),
      fc.string({ maxLength: 12 }),
    ),
  )
  .map(([p, v]) => `${p}=${v}`);
const setArg = fc.oneof(validSet, junkSet);

describe("fuzz: --set overrides", () => {
  it(`applySets + resolveConfig (${FUZZ_RUNS} cases): a config or a ConfigError naming a known path`, () => {
    const tally = new Tally("--set (library)");
    fc.assert(
      fc.property(
        fc.array(fc.oneof({ weight: 4, arbitrary: setArg }, { weight: 1, arbitrary: fc.string({ maxLength: 20 }) }), { minLength: 1, maxLength: 3 }),
        (sets) => {
          const raw: Record<string, unknown> = { problem: { n: 4 }, stop: { maxIterations: 5 } };
          try {
            applySets(raw, sets);
            resolveConfig(raw);
            tally.add("valid");
          } catch (e) {
            if (!(e instanceof ConfigError)) throw e;
            // a bad --set path is named as written; a bad value by its field
            tally.add("refused");
          }
        },
      ),
      { seed: FUZZ_SEED + 3, numRuns: FUZZ_RUNS },
    );
    tally.print();
  });

  it(`matsense config --set … in-process (${FUZZ_RUNS} cases): exit 0, or exit 2 with a one-paragraph message`, async () => {
    const tally = new Tally("--set (CLI main)");
    await fc.assert(
      fc.asyncProperty(fc.array(setArg, { minLength: 1, maxLength: 3 }), async (sets) => {
        let out = "",
          err = "";
        const code = await main(["node", "matsense", "config", ...sets.flatMap((s) => ["--set", s])], {
          out: (s) => void (out += s),
          err: (s) => void (err += s),
        });
        if (code !== 0 && code !== 2) throw new Error(`exit ${code} for ${JSON.stringify(sets)}:\n${err}`);
        if (hasStackTrace(err)) throw new Error(`stack trace for ${JSON.stringify(sets)}:\n${err}`);
        if (code === 2 && !err.startsWith("matsense: ")) throw new Error(`exit 2 without a message: ${err}`);
        if (code === 0) JSON.parse(out);
        tally.add(`exit ${code}`);
      }),
      { seed: FUZZ_SEED + 4, numRuns: FUZZ_RUNS },
    );
    tally.print();
  });
});

describe("fuzz: configs through the CLI process", () => {
  const bin = path.join(root, "bin", "matsense.js");
  const built = fs.existsSync(path.join(root, "dist", "cli", "main.js"));

  it.skipIf(!built)(
    "30 config files through `matsense run` processes: exit 0 (4 if diverged) with a valid run folder, 1 with a failed one, or 2 naming the field",
    () => {
      const tally = new Tally("CLI processes (run --config)");
      const base = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-fuzz-cli-"));
      const cases = fc.sample(fc.tuple(validConfig, fc.option(mutation, { freq: 2 })), { seed: FUZZ_SEED + 5, numRuns: 30 });
      cases.forEach(([c, m], i) => {
        const config = m ? applyMutation(c, m) : c;
        const file = path.join(base, `c${i}.json`);
        fs.writeFileSync(file, JSON.stringify(config));
        const out = path.join(base, `r${i}`);
        const r = spawnSync(process.execPath, [bin, "run", "--config", file, "--out", out, "-q"], { encoding: "utf8", timeout: 60_000 });
        const what = `${JSON.stringify(config)} → exit ${r.status} (signal ${r.signal}):\n${r.stderr}`;
        if (r.status === null) throw new Error(`hang or crash: ${what}`);
        if (hasStackTrace(r.stderr)) throw new Error(`stack trace: ${what}`);
        if (r.status === 0 || r.status === 4) {
          // 4: the documented exit code of a run that ended "diverged" (0 before it existed)
          const s = inspectRunFolder(out);
          if (s.state !== "done") throw new Error(`exit ${r.status} but the folder is ${s.state} (${s.reason}): ${what}`);
          if (r.status === 4 && s.summary!.status !== "diverged") throw new Error(`exit 4 for status ${s.summary!.status}: ${what}`);
        } else if (r.status === 2) {
          if (!r.stderr.startsWith("matsense: ")) throw new Error(`exit 2 without a message: ${what}`);
          if (m?.kind === "type" && !r.stderr.includes(m.mustName)) throw new Error(`the message does not name ${m.mustName}: ${what}`);
        } else if (r.status === 1) {
          // a run that failed for a reported numerical reason: summary.json says so
          const s = inspectRunFolder(out);
          if (s.state !== "failed" || !r.stderr.startsWith("matsense: ")) throw new Error(`exit 1 without a failed run folder (${s.state}): ${what}`);
        } else throw new Error(`unexpected exit: ${what}`);
        tally.add(`exit ${r.status}`);
      });
      tally.print();
    },
  );
});
