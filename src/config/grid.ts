import { z } from "zod";
import { ConfigError, type ConfigInput, type ResolvedConfig, getPath, resolveConfig, setPath } from "./schema.js";
import { MAX_JSON_DEPTH, nestedDeeperThan } from "../io/json.js";
import { fnv1a32 } from "../random/rng.js";
import { didYouMean } from "./suggest.js";
import { eachWithTurns } from "../io/turns.js";

/**
 * The sweep grid format (a contract, like the config field names):
 *
 * ```json
 * { "base": { "problem": { "n": 50, "rank": 3 }, "method": { "name": "gd", "stepSize": 0.2 } },
 *   "vary": { "init.alpha": [0.1, 0.05, 0.02], "model.k": [3, 4] },
 *   "seeds": 4 }
 * ```
 *
 * - `base`: a config (every field optional, as for `matsense run`);
 * - `vary`: config paths → lists of values; runs are the Cartesian product;
 * - `zip` (extension): a list of groups; inside a group all lists have the same length
 *   and are taken together (the i-th values form one choice); the groups multiply with
 *   `vary` and with each other. Use it for e.g. a method with its own step size;
 * - `variants` (extension): named sets of config values, e.g.
 *   `[{ "name": "GD", "set": {} }, { "name": "ScaledGD", "set": { "method.name": "scaled-gd" } }]`;
 *   the parameter `variant` takes the names (first in folder names and legends);
 * - `seeds`: a count N (seeds 0…N−1) or an explicit list of seeds.
 *
 * Every run's config is `base` with the varied values set and `seed` set.
 */
const scalar = z.union([z.number(), z.string(), z.boolean(), z.null()]);
const value = z.union([scalar, z.array(z.unknown()), z.record(z.string(), z.unknown())]);

export const gridSchema = z
  .object({
    name: z.string().optional().describe("a label for the sweep (tables, plot titles)"),
    description: z.string().optional().describe("what the sweep shows"),
    base: z.record(z.string(), z.unknown()).prefault({}).describe("base config"),
    vary: z
      .record(z.string(), z.array(value).min(1, "each vary list needs at least one value"))
      .prefault({})
      .describe("config path → values (Cartesian product)"),
    zip: z
      .array(z.record(z.string(), z.array(value).min(1, "each zip list needs at least one value")))
      .prefault([])
      .describe("groups of config paths whose lists are taken together (same length within a group)"),
    variants: z
      .array(z.object({ name: z.string().min(1), set: z.record(z.string(), z.unknown()).prefault({}) }).strict())
      .min(1, "variants needs at least one variant (or leave it out)")
      .optional()
      .describe(
        'named variants (e.g. methods with their own options): each sets config paths; the parameter "variant" takes the names; multiplies with vary and zip',
      ),
    seeds: z
      .union([
        z.number().int("seeds must be an integer count or a list").positive("seeds must be ≥ 1"),
        z.array(z.number().int().min(0)).min(1, "seeds needs at least one seed"),
      ])
      .default(1)
      .describe("a count N (seeds 0…N−1) or a list of seeds"),
    quick: z
      .object({
        set: z.record(z.string(), z.unknown()).optional().describe("config path → value set in base (smaller sizes, fewer iterations)"),
        vary: z.record(z.string(), z.array(value).min(1)).optional().describe("replaces vary lists of the same paths"),
        zip: z
          .array(z.record(z.string(), z.array(value).min(1)))
          .optional()
          .describe("replaces all zip groups"),
        seeds: z.union([z.number().int().positive(), z.array(z.number().int().min(0)).min(1)]).optional(),
      })
      .strict()
      .optional()
      .describe("overrides applied by --quick (a small version for CI)"),
  })
  .strict();

/**
 * The quick version of a grid: `quick.set` values written into `base`, `quick.vary`
 * lists replacing the lists of the same paths, `quick.zip` replacing the zip groups and
 * `quick.seeds` the seeds. The result has no `quick` section.
 */
export function quickGrid(gridInput: unknown): Grid {
  const g = parseGrid(gridInput);
  const { quick, ...rest } = g;
  if (!quick) return rest as Grid;
  const base = structuredClone(rest.base);
  for (const [p, v] of Object.entries(quick.set ?? {})) setPath(base, p, structuredClone(v));
  const vary = { ...rest.vary };
  for (const [p, v] of Object.entries(quick.vary ?? {})) vary[p] = v;
  return parseGrid({ ...rest, base, vary, zip: quick.zip ?? rest.zip, seeds: quick.seeds ?? rest.seeds });
}

/** A grid as written (fields optional). */
export type GridInput = z.input<typeof gridSchema>;
/** A validated grid. */
export type Grid = z.output<typeof gridSchema>;

/** One run of a sweep. */
export interface RunSpec {
  /** Folder name (relative to the sweep folder), derived from the varied values and the seed. */
  id: string;
  /** Key of the parameter point (the id without the seed); runs of one point differ only in seed. */
  point: string;
  /** The varied values of this run (path → value), in grid order (vary first, then zip groups). */
  params: Record<string, unknown>;
  seed: number;
  /** The run's config (base + params + seed). */
  config: ConfigInput;
  /** The same config resolved (when the grid was expanded with validation): the run does not validate it again. */
  resolved?: ResolvedConfig;
}

/** Largest count of a `{"logspace": …}` / `{"linspace": …}` list. */
export const MAX_RANGE_COUNT = 10_000;

/** Rounds to 12 significant digits, so generated values print (and name folders) cleanly: 0.30000000000000004 → 0.3. */
const clean = (v: number) => Number(v.toPrecision(12));

/**
 * The values of a range written in a grid: `{"linspace": [a, b, n]}` is n equally spaced
 * values a … b; `{"logspace": [a, b, n]}` is n values a … b equally spaced in log (endpoints,
 * like numpy.geomspace, not exponents: [1e-4, 1e-1, 7] is 1e-4, 3.16e-4, 1e-3, …, 1e-1).
 * Values are rounded to 12 significant digits; the endpoints are exact. Anything else is
 * returned unchanged; a malformed range throws ConfigError naming `where`.
 */
export function expandRange(value: unknown, where: string): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (keys.length !== 1 || (keys[0] !== "logspace" && keys[0] !== "linspace")) return value;
  const kind = keys[0];
  const spec = (value as Record<string, unknown>)[kind];
  const fail = (why: string) => new ConfigError([{ path: where, value, message: `{"${kind}": [a, b, n]} ${why}` }]);
  if (!Array.isArray(spec) || spec.length !== 3 || !spec.every((v) => typeof v === "number" && Number.isFinite(v))) throw fail("needs three finite numbers");
  const [a, b, n] = spec as number[];
  if (!Number.isInteger(n) || n < 1 || n > MAX_RANGE_COUNT) throw fail(`needs an integer count n from 1 to ${MAX_RANGE_COUNT}, got ${n}`);
  if (kind === "logspace" && !(a > 0 && b > 0)) throw fail(`needs a, b > 0 (they are the endpoints, not exponents), got ${a}, ${b}`);
  if (n === 1) return [a];
  return Array.from({ length: n }, (_, i) => {
    if (i === 0) return a;
    if (i === n - 1) return b;
    return clean(kind === "linspace" ? a + ((b - a) * i) / (n - 1) : Math.pow(10, Math.log10(a) + ((Math.log10(b) - Math.log10(a)) * i) / (n - 1)));
  });
}

/** A grid with its `{"logspace"}` / `{"linspace"}` lists (vary, zip, quick.vary, quick.zip) expanded ({@link expandRange}). */
export function expandGridRanges(input: unknown): unknown {
  if (input === null || typeof input !== "object" || Array.isArray(input)) return input;
  const g = { ...(input as Record<string, unknown>) };
  const lists = (o: unknown, where: string) =>
    o !== null && typeof o === "object" && !Array.isArray(o) ? Object.fromEntries(Object.entries(o).map(([p, v]) => [p, expandRange(v, `${where}.${p}`)])) : o;
  const zips = (z: unknown, where: string) => (Array.isArray(z) ? z.map((group, i) => lists(group, `${where}.${i}`)) : z);
  if ("vary" in g) g.vary = lists(g.vary, "grid.vary");
  if ("zip" in g) g.zip = zips(g.zip, "grid.zip");
  if (g.quick !== null && typeof g.quick === "object" && !Array.isArray(g.quick)) {
    const q = { ...(g.quick as Record<string, unknown>) };
    if ("vary" in q) q.vary = lists(q.vary, "grid.quick.vary");
    if ("zip" in q) q.zip = zips(q.zip, "grid.quick.zip");
    g.quick = q;
  }
  return g;
}

/** Validates a grid (throws ConfigError naming the field); `{"logspace"}` / `{"linspace"}` lists are expanded first. */
export function parseGrid(gridInput: unknown): Grid {
  if (nestedDeeperThan(gridInput)) throw new ConfigError([{ path: "grid", value: undefined, message: `is nested more than ${MAX_JSON_DEPTH} levels deep` }]);
  const input = expandGridRanges(gridInput);
  const parsed = gridSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => ({
        path: `grid.${i.path.map(String).join(".")}`,
        value: getPath(input, i.path.map(String).join(".")),
        message: i.message + (i.code === "unrecognized_keys" ? didYouMean(i.keys, Object.keys(gridSchema.shape)) : ""),
      })),
    );
  }
  const g = parsed.data;
  const seen = new Set<string>();
  const check = (p: string) => {
    if (p === "seed") throw new ConfigError([{ path: `grid.vary.${p}`, value: p, message: 'vary the seed with "seeds", not as a parameter' }]);
    if (seen.has(p)) throw new ConfigError([{ path: `grid.${p}`, value: p, message: "is varied twice (in vary and/or several zip groups)" }]);
    seen.add(p);
  };
  if (g.variants) {
    check("variant");
    const names = g.variants.map((v) => v.name);
    if (new Set(names).size !== names.length) throw new ConfigError([{ path: "grid.variants", value: names, message: "variant names must be distinct" }]);
  }
  for (const p of Object.keys(g.vary)) check(p);
  g.zip.forEach((group, gi) => {
    const lens = Object.values(group).map((v) => v.length);
    if (lens.length === 0) throw new ConfigError([{ path: `grid.zip.${gi}`, value: group, message: "is an empty group" }]);
    if (lens.some((l) => l !== lens[0])) {
      throw new ConfigError([
        {
          path: `grid.zip.${gi}`,
          value: Object.fromEntries(Object.entries(group).map(([k, v]) => [k, v.length])),
          message: "lists of one zip group must have the same length",
        },
      ]);
    }
    for (const p of Object.keys(group)) check(p);
  });
  return g;
}

/** The list of seeds of a grid. */
export function gridSeeds(grid: Grid): number[] {
  return typeof grid.seeds === "number" ? Array.from({ length: grid.seeds }, (_, i) => i) : [...grid.seeds];
}

/** The varied paths of a grid, in order (vary, then zip groups). */
export function variedPaths(grid: Grid): string[] {
  return [...(grid.variants ? ["variant"] : []), ...Object.keys(grid.vary), ...grid.zip.flatMap((g) => Object.keys(g))];
}

/** A short, filesystem-safe, stable text for a value (numbers as their shortest decimal). */
export function valueToken(v: unknown): string {
  let s: string;
  if (typeof v === "number") s = Number.isFinite(v) ? String(v) : String(v).toLowerCase();
  else if (typeof v === "string") s = v;
  else if (typeof v === "boolean" || v === null) s = String(v);
  else s = `h${stableHash(JSON.stringify(v))}`;
  s = s.replace(/[^A-Za-z0-9.+-]/g, "-");
  return s.length > 40 ? `${s.slice(0, 30)}-h${stableHash(s)}` : s;
}

/** 32-bit FNV-1a hash as 8 hex digits (stable across platforms and versions). */
export function stableHash(s: string): string {
  return fnv1a32(s).toString(16).padStart(8, "0");
}

/**
 * The folder name of a parameter point: `path=value` pairs joined by `__`, e.g.
 * `init.alpha=0.05__model.k=4`, or `base` when nothing is varied. Paths and values are
 * made filesystem-safe (letters, digits, `.+-=_`); a name longer than 150 characters is
 * shortened with a hash so it stays unique.
 */
export function pointName(params: Record<string, unknown>): string {
  const parts = Object.entries(params).map(([p, v]) => `${p.replace(/[^A-Za-z0-9.]/g, "-")}=${valueToken(v)}`);
  const name = parts.length ? parts.join("__") : "base";
  return name.length > 150 ? `${name.slice(0, 130)}__h${stableHash(name)}` : name;
}

/** The folder name of a run: `<point>__seed=<seed>`. */
export function runName(params: Record<string, unknown>, seed: number): string {
  return `${pointName(params)}__seed=${seed}`;
}

/** All parameter choices of a grid (vary product × zip groups), in a stable order. */
export function gridPoints(grid: Grid): Record<string, unknown>[] {
  let points: Record<string, unknown>[] = grid.variants ? grid.variants.map((v) => ({ variant: v.name })) : [{}];
  for (const [p, values] of Object.entries(grid.vary)) {
    points = points.flatMap((pt) => values.map((v) => ({ ...pt, [p]: v })));
  }
  for (const group of grid.zip) {
    const paths = Object.keys(group);
    const len = group[paths[0]].length;
    points = points.flatMap((pt) =>
      Array.from({ length: len }, (_, i) => {
        const o = { ...pt };
        for (const p of paths) o[p] = group[p][i];
        return o;
      }),
    );
  }
  return points;
}

/**
 * The run folder names (ids) of a grid, without building the configs: points × seeds,
 * as {@link expandGrid} names them. The grid's size is checked first ({@link checkGridSize}).
 */
export function gridRunIds(grid: Grid, allowLarge = true): Set<string> {
  checkGridSize(grid, allowLarge);
  const seeds = gridSeeds(grid);
  const ids = new Set<string>();
  for (const params of gridPoints(grid)) for (const seed of seeds) ids.add(runName(params, seed));
  return ids;
}

/** Largest number of runs a grid may have without `--allow-large` (`allowLarge`). */
export const MAX_GRID_RUNS = 100_000;
/** Largest number of runs a grid may have at all (the run list is held in memory). */
export const HARD_MAX_GRID_RUNS = 10_000_000;

/**
 * The number of runs of a grid (points × seeds), computed from the list lengths without
 * expanding anything (so `"seeds": 1000000000` costs nothing to count).
 */
export function gridRunCount(grid: Grid): { runs: number; points: number; seeds: number } {
  let points = grid.variants ? grid.variants.length : 1;
  for (const values of Object.values(grid.vary)) points *= values.length;
  for (const group of grid.zip) points *= Object.values(group)[0]?.length ?? 1;
  const seeds = typeof grid.seeds === "number" ? grid.seeds : grid.seeds.length;
  return { runs: points * seeds, points, seeds };
}

/**
 * Throws a ConfigError when a grid has more than {@link MAX_GRID_RUNS} runs (unless
 * `allowLarge`) or more than {@link HARD_MAX_GRID_RUNS} (always).
 */
export function checkGridSize(grid: Grid, allowLarge = false): void {
  const { runs, points, seeds } = gridRunCount(grid);
  const limit = allowLarge ? HARD_MAX_GRID_RUNS : MAX_GRID_RUNS;
  // the seed list is built even when there are no points, so it is bounded on its own
  if (runs <= limit && seeds <= limit) return;
  throw new ConfigError([
    {
      path: "grid",
      value: undefined,
      message:
        `has ${runs} runs (${points} parameter point${points === 1 ? "" : "s"} × ${seeds} seed${seeds === 1 ? "" : "s"}), more than the limit of ${limit}` +
        (allowLarge
          ? " runs a sweep can hold in memory; split it into several grids"
          : `; check the grid (seeds and list lengths), or pass --allow-large to accept up to ${HARD_MAX_GRID_RUNS} runs`),
    },
  ]);
}

/**
 * Expands a grid into its runs (points × seeds, point-major). The run count is checked
 * first ({@link checkGridSize}); every run's config is validated (throws ConfigError naming
 * the run and the field), and run folder names are checked to be distinct.
 */
export function expandGrid(gridInput: unknown, opts: { validate?: boolean; allowLarge?: boolean } = {}): RunSpec[] {
  const grid = parseGrid(gridInput);
  checkGridSize(grid, opts.allowLarge);
  return [...gridRuns(grid, opts.validate !== false)];
}

/**
 * {@link expandGrid} that gives the event loop a turn every ~50 ms of expansion, so that a
 * signal handler can ask it to stop (10⁶ runs take tens of seconds): returns undefined
 * when `shouldStop` turned true.
 */
export async function expandGridAsync(
  gridInput: unknown,
  opts: { validate?: boolean; allowLarge?: boolean },
  shouldStop: () => boolean,
): Promise<RunSpec[] | undefined> {
  const grid = parseGrid(gridInput);
  checkGridSize(grid, opts.allowLarge);
  const runs: RunSpec[] = [];
  return (await eachWithTurns(gridRuns(grid, opts.validate !== false), (r) => void runs.push(r), shouldStop)) ? runs : undefined;
}

/** The runs of a checked grid, one at a time (see {@link expandGrid}). */
function* gridRuns(grid: Grid, validate: boolean): Generator<RunSpec> {
  const seeds = gridSeeds(grid);
  const ids = new Map<string, Record<string, unknown>>();
  for (const params of gridPoints(grid)) {
    const point = pointName(params);
    for (const seed of seeds) {
      const config = structuredClone(grid.base) as Record<string, unknown>;
      for (const [p, v] of Object.entries(params)) {
        if (p === "variant") {
          for (const [vp, vv] of Object.entries(grid.variants!.find((x) => x.name === v)!.set)) setPath(config, vp, structuredClone(vv));
        } else setPath(config, p, structuredClone(v));
      }
      config.seed = seed;
      const id = runName(params, seed);
      if (ids.has(id)) {
        throw new ConfigError([
          { path: "grid", value: params, message: `two runs get the same folder name ${id} (values that differ only in characters a file name cannot hold?)` },
        ]);
      }
      ids.set(id, params);
      let resolved: ResolvedConfig | undefined;
      if (validate) {
        try {
          resolved = resolveConfig(config);
        } catch (e) {
          if (e instanceof ConfigError) {
            throw new ConfigError(e.issues.map((i) => ({ ...i, message: `${i.message} [in run ${id}]` })));
          }
          throw e;
        }
      }
      yield { id, point, params, seed, config: config as ConfigInput, ...(resolved ? { resolved } : {}) };
    }
  }
}

/** Parses `--shard i/N` (0 ≤ i < N). */
export function parseShard(s: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  if (!m) throw new ConfigError([{ path: "--shard", value: s, message: "must be i/N with integers 0 ≤ i < N, e.g. 0/4" }]);
  const index = Number(m[1]),
    count = Number(m[2]);
  if (count < 1 || index >= count) throw new ConfigError([{ path: "--shard", value: s, message: "must be i/N with 0 ≤ i < N and N ≥ 1" }]);
  return { index, count };
}

/**
 * The runs of shard i of N: every N-th run starting at i (round-robin over the
 * point-major run list, so each shard gets a similar mix of points). Deterministic:
 * depends only on the grid, so machines need no coordination; the shards are disjoint
 * and together cover the sweep.
 */
export function shardRuns<T>(runs: T[], shard: { index: number; count: number } | undefined): T[] {
  if (!shard || shard.count === 1) return runs;
  return runs.filter((_, i) => i % shard.count === shard.index);
}
