/**
 * What the explorer refuses beyond the config schema: exactly what the CLI refuses, with
 * the CLI's message. The CLI refuses a run that would allocate more than its memory limit
 * (`checkRunMemory`, naming the field the user wrote and the bytes of each item); the
 * explorer does the same with the browser's limit. What the CLI only warns about
 * (k > min(n1, n2), m below the degrees of freedom, a step above the stable estimate) the
 * explorer shows as warnings and runs. Pure module.
 */
import { checkRunMemory, ConfigError, type ResolvedConfig } from "../../src/core.js";

export interface FieldProblem {
  path: string;
  message: string;
}

/**
 * Most bytes a run may allocate in the explorer (the CLI's limit is 75 % of the machine's
 * RAM): a browser tab's typed arrays and wasm32 memory stop well below the machine's RAM.
 */
export const EXPLORER_MEMORY_LIMIT = 1024 * 1024 * 1024;

/**
 * Explorer-level problems of a resolved config (empty when it may run): the CLI's memory refusal, at the
 * explorer's limit — first the CLI's own plan (the CLI streams its rows to metrics.csv), so that the
 * message is the CLI's; then the same plan with every recorded row kept, as the explorer keeps them for
 * its charts (a long `stop.maxIterations` the CLI runs may not fit a browser tab).
 */
export function explorerProblems(c: ResolvedConfig, input?: unknown, limit = EXPLORER_MEMORY_LIMIT): FieldProblem[] {
  for (const keepRows of [false, true]) {
    try {
      checkRunMemory(c, limit, input, { keepRows });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      return e.issues.map((i) => ({ path: i.path, message: `${i.message} (the explorer's limit; \`npx matsense run\` allows up to 75 % of the RAM)` }));
    }
  }
  return [];
}
