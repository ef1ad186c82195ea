/**
 * Scenarios: the paper presets — the same presets/<name>/grid.json files `matsense
 * reproduce` uses — loaded into the explorer in their quick (small) version: the quick
 * base config becomes the explorer's config and each varied point one compare run (the
 * first seed).
 */
import { expandGrid, gridSeeds, quickGrid, variedPaths } from "../../src/core.js";
import { type ExplorerState, defaultState, flattenConfig, unflatten } from "./state.js";

const grids = import.meta.glob("../../presets/*/grid.json", { eager: true, import: "default" }) as Record<string, unknown>;
const expectations = import.meta.glob("../../presets/*/expectations.json", { eager: true, import: "default" }) as Record<string, { title?: string }>;

/** What to look for, two sentences per preset. */
const NOTES: Record<string, string> = {
  "xiong-symmetric":
    "With k = r the error falls on a straight line on the log axis (linear convergence) down to the target. With k > r the curves bend and follow " +
    "the dashed 1/T reference: over-parameterization makes symmetric GD sublinear (switch the iteration axis to log to see slope −1).",
  "xiong-asymmetric-alpha":
    "Asymmetric FGᵀ stays linear even with k > r, but its rate shrinks with the init scale α. The rate-vs-α chart shows the fitted rates of the k " +
    "> r runs on the α² law, while k = r is independent of α.",
  "xiong-imbalance":
    "The eigenvalues of FᵀF − GᵀG barely move during the run: the imbalance set by the init is (nearly) conserved. Its size sets the linear rate " +
    "of the over-parameterized asymmetric run.",
  "xiong-one-step":
    "Without rebalancing the rate depends on α like α². Set method.rebalanceAtIteration (also live, mid-run) and the slow tail becomes fast for every α.",
  "xiong-worst-case":
    "The pure-factorization worst case: the error decays exactly like (1 − η·8α²/9)ᵗ, the dashed theory line beside each curve. Halving α quarters " +
    "the rate, as the rate-vs-α chart shows.",
  "wind-small-init":
    "From a tiny init nothing happens for a while (alignment), then the singular values of FGᵀ are learned one after another, largest first. Watch " +
    "the singular-value view: the steps come in order 1, 0.3, 0.1.",
  "scaledgd-kappa":
    "GD slows down as the condition number κ grows because the small singular values are learned slowly. Switch method.name to scaled-gd: the rate " +
    "no longer depends on κ.",
  "overparam-preconditioning":
    "Over-parameterized symmetric GD on an ill-conditioned truth is slow. Switch method.name to scaled-gd-lambda or precgd to see the " +
    "preconditioned method restore fast convergence.",
  "completion-implicit-bias":
    "Over-parameterized GD on FGᵀ sees only the observed entries, so it can fit them with another low-rank matrix: the loss goes to zero while the " +
    "error freezes, most of it in one rarely observed column. In the full sweep (40 000 iterations) α = 0.3 recovers M* in 9/10 seeds, α = 0.1 " +
    "interpolates in 7/10, and small α is still undecided, its loss falling far faster than its error.",
  "xiong-symmetric-vs-asymmetric":
    "The same PSD instance for XXᵀ and FGᵀ at the same step in the papers' convention: with Gaussian Aᵢ, FGᵀ (k > r) converges linearly while XXᵀ " +
    "follows 1/T. With symmetric Aᵢ the skew part of FGᵀ is invisible and its error stalls; FGᵀ with G₀ = F₀ is then exactly XXᵀ at η/2.",
  "wind-theorem":
    "From a small init the error stays near 1 for a while that grows like ln(1/α): each factor 100 in α adds about ln(100)/ln(1 + ησ_r) " +
    "iterations, more for a larger κ. With k > r the error reached within the budget is proportional to α.",
  "noise-and-measurements":
    "With noisy measurements the exact model (k = r) settles at the noise floor s·√(d·m/(m − d − 1)), d = r(n1 + n2 − r); k = r + 2 ends above it, " +
    "fitting part of the noise. Without noise, more measurements make k = r faster.",
  "fgt-k-eta-kappa":
    "FGᵀ from the (α, α/3) init converges linearly for every k, η and κ, at a rate proportional to η. The exact model slows down 8× at κ = 10; the " +
    "over-parameterized ones hardly do, and more excess columns mean a slower rate.",
  completion:
    "Matrix completion observes a fraction p of the entries. Factorized GD recovers the matrix linearly; compare exact and over-parameterized k, " +
    "or the svt method.",
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
  if (!g)
    throw new Error(
      `unknown scenario "${name}" (available: ${listScenarios()
        .map((s) => s.name)
        .join(", ")})`,
    );
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

/** The scenario the explorer opens with when there is no link. */
export const LANDING_SCENARIO = "xiong-symmetric";

/**
 * The landing page's comparison: the Gaussian runs of {@link LANDING_SCENARIO}'s quick
 * grid — exact (k = r = 2) and over-parameterized (k = 3, 4) symmetric GD on the same data:
 * linear against sublinear convergence, visible within seconds.
 */
export function landingState(): ExplorerState {
  const s = scenarioState(LANDING_SCENARIO);
  const base = s.config.operator as { type?: string } | undefined;
  s.runs = s.runs
    .filter((r) => (r["operator.type"] ?? base?.type ?? "gaussian") === "gaussian")
    .map((r) => Object.fromEntries(Object.entries(r).filter(([p]) => p !== "operator.type")));
  return s;
}
