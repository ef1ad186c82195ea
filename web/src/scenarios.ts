/**
 * Scenarios: the paper presets — the same presets/<name>/grid.json files `matsense
 * reproduce` uses — loaded into the explorer in their quick (small) version: the quick
 * base config becomes the explorer's config and each varied point one compare run (the
 * first seed).
 */
import { expandGrid, gridSeeds, quickGrid, variedPaths } from "../../src/config/grid.js";
import { type ExplorerState, defaultState, flattenConfig, unflatten } from "./state.js";

const grids = import.meta.glob("../../presets/*/grid.json", { eager: true, import: "default" }) as Record<string, unknown>;
const expectations = import.meta.glob("../../presets/*/expectations.json", { eager: true, import: "default" }) as Record<string, { title?: string }>;

/** What to look for, two sentences per preset. */
const NOTES: Record<string, string> = {
  "xiong-symmetric":
    "With k = r the error falls on a straight line on the log axis (linear convergence) down to the target. With k > r the curves bend and follow the dashed 1/T reference: over-parameterization makes symmetric GD sublinear (switch the iteration axis to log to see slope −1).",
  "xiong-asymmetric-alpha":
    "Asymmetric FGᵀ stays linear even with k > r, but its rate shrinks with the init scale α. The rate-vs-α chart shows the fitted rates of the k > r runs on the α² law, while k = r is independent of α.",
  "xiong-imbalance":
    "The eigenvalues of FᵀF − GᵀG barely move during the run: the imbalance set by the init is (nearly) conserved. Its size sets the linear rate of the over-parameterized asymmetric run.",
  "xiong-one-step":
    "Without rebalancing the rate depends on α like α². Set method.rebalanceAtIteration (also live, mid-run) and the slow tail becomes fast for every α.",
  "xiong-worst-case":
    "The pure-factorization worst case: the error decays exactly like (1 − η·8α²/9)ᵗ, the dashed theory line beside each curve. Halving α quarters the rate, as the rate-vs-α chart shows.",
  "wind-small-init":
    "From a tiny init nothing happens for a while (alignment), then the singular values of FGᵀ are learned one after another, largest first. Watch the singular-value view: the steps come in order 1, 0.3, 0.1.",
  "scaledgd-kappa":
    "GD slows down as the condition number κ grows because the small singular values are learned slowly. Switch method.name to scaled-gd: the rate no longer depends on κ.",
  "overparam-preconditioning":
    "Over-parameterized symmetric GD on an ill-conditioned truth is slow. Switch method.name to scaled-gd-lambda or precgd to see the preconditioned method restore fast convergence.",
  "completion-implicit-bias":
    "Over-parameterized GD on FGᵀ sees only the observed entries, so it can also fit them with a different low-rank matrix. Compare the α values: from a small init the error falls to the target, from a large one it can stall while the loss still goes to zero.",
  completion:
    "Matrix completion observes a fraction p of the entries. Factorized GD recovers the matrix linearly; compare exact and over-parameterized k, or the svt method.",
};

export interface Scenario {
  name: string;
  title: string;
  note: string;
}

const nameOf = (file: string) => file.split("/").slice(-2, -1)[0];

/** The available scenarios, in name order. */
export function listScenarios(): Scenario[] {
  return Object.keys(grids)
    .map(nameOf)
    .sort()
    .map((name) => ({ name, title: expectations[`../../presets/${name}/expectations.json`]?.title ?? name, note: NOTES[name] ?? fallbackNote(name) }));
}

/** For a preset without a hand-written note: its grid's description and where to look. */
function fallbackNote(name: string): string {
  const d = (grids[`../../presets/${name}/grid.json`] as { description?: string } | undefined)?.description?.trim();
  return `${d ? (d.endsWith(".") ? d : `${d}.`) : `The ${name} preset.`} Compare the runs' error curves and the fitted rates in the table.`;
}

/** The explorer state of a scenario: quick base config, one compare run per varied point, seed = first seed. */
export function scenarioState(name: string): ExplorerState {
  const g = grids[`../../presets/${name}/grid.json`];
  if (!g) throw new Error(`unknown scenario "${name}" (available: ${listScenarios().map((s) => s.name).join(", ")})`);
  const grid = quickGrid(g);
  const seed = gridSeeds(grid)[0];
  const specs = expandGrid({ ...grid, seeds: [seed] });
  const paths = variedPaths(grid);
  const state = defaultState();
  state.scenario = name;
  // the 1/T law is a straight line on log-log axes
  if (name === "xiong-symmetric") state.xScale = "log";
  state.config = unflatten([...flattenConfig(grid.base), ["seed", seed]]);
  // variants set several paths: a compare run holds every path its variant sets
  state.runs = paths.length ? specs.map((s) => runOverrides(grid, s.params)) : [];
  return state;
}

function runOverrides(grid: ReturnType<typeof quickGrid>, params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [p, v] of Object.entries(params)) {
    if (p === "variant") {
      const variant = grid.variants?.find((x) => x.name === v);
      for (const [vp, vv] of Object.entries(variant?.set ?? {})) out[vp] = vv;
    } else out[p] = v;
  }
  return out;
}
