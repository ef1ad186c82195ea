// Type-level test of the library API, checked by `tsc -p test/types` (test/types/types.test.ts).
// Each `@ts-expect-error` line must be a type error: if the API accepted it, tsc reports the
// directive as unused and the test fails.
import { type ConfigInput, type TraceRow, buildInstance, defineConfig, resolveConfig, runConfig } from "../../src/index.js";

const config: ConfigInput = { problem: { n: 10, rank: 2 }, method: { name: "gd", stepSize: 0.1 }, stop: { maxIterations: 1 } };
const out = runConfig(config);
const row: TraceRow = out.result.final;
export const rel: number = row.rel_error;
export const imbalance: number | undefined = row.imbalance_norm;
export const sv1: number | undefined = row.extra.sv_1;

// @ts-expect-error a misspelled method name is not a ConfigInput
runConfig({ method: { name: "gdd" } });
// @ts-expect-error a misspelled section is not a ConfigInput
runConfig({ methd: { name: "gd" } });
// @ts-expect-error a misspelled field inside a section
runConfig({ stop: { maxIteration: 10 } });
// @ts-expect-error the known trace columns are typed, so a misspelled one is an error
export const typo = row.rel_eror;

// The README example's pattern: a base config in a variable, spread into several runs.
const base = defineConfig({ seed: 1, problem: { n: 30, rank: 3 }, operator: { type: "gaussian", m: 900 }, method: { name: "gd", stepSize: 0.1 } });
const instance = buildInstance(resolveConfig(base));
for (const k of [3, 5]) runConfig({ ...base, model: { type: "symmetric", k } }, {}, instance);
// @ts-expect-error defineConfig checks where the config is written
defineConfig({ method: { name: "gdd" } });
