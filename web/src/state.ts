/**
 * The explorer's state and its URL form. The whole state lives in the query string, so
 * the address bar always links to the current run: opening it replays the same seeded run
 * (including the live edits made while it ran) and stops at the same iteration.
 *
 * Query parameters (all optional; anything else is an error):
 * - `seed`, and every config path with a dot (`problem.n=30`, `method.name=gd`): the base
 *   config, only the fields that differ from the defaults. Values are JSON (numbers,
 *   booleans, arrays, quoted strings) or a bare string.
 * - `run` (repeatable): one compare run, `path=value;path=value` overrides of the base.
 * - `edit` (repeatable): a live edit, `<iteration>:<path>=<value>` — applied to every run
 *   right after that many iterations.
 * - `t`: the iteration the run was paused at (the page runs to it and pauses), or `end`: every
 *   run had stopped (the page runs until each run stops again, so the final rows — measured
 *   when a run stops — are the same as in the original).
 * - `scenario`: the preset the config came from (for the explanation shown).
 * - `x`: `log` for a log iteration axis.
 * - `v`: the matsense version of the page that wrote the link (fields the link leaves out
 *   take that version's defaults).
 *
 * Pure module (no DOM): decoding validates with the library's config resolution, and a
 * bad URL gives the defaults plus a notice naming the bad parameter.
 */
import { ConfigError, entriesWithOption, getPath, parseSetValue, resolveConfig, setPath } from "../../src/config/schema.js";
import { liveMethodPaths } from "../../src/catalogue/registry.js";
import { refuseFileInputs } from "./fileInputs.js";

/** A change made while the run was going: `path` set to `value` after `at` iterations. */
export interface LiveEdit {
  at: number;
  path: string;
  value: unknown;
}

export interface ExplorerState {
  /** The base config as a sparse config input (nested JSON; only fields that differ from the defaults). */
  config: Record<string, unknown>;
  /** Compare runs: each is a set of `path → value` overrides of the base ([] = one run, the base). */
  runs: Record<string, unknown>[];
  /** Live edits in the order they were made. */
  edits: LiveEdit[];
  /** Iteration to run to and pause at (undefined: run freely; Infinity: until every run has stopped). */
  until?: number;
  /** Name of the scenario (preset) the config came from. */
  scenario?: string;
  /** Iteration axis of the error chart. */
  xScale: "linear" | "log";
  /** The matsense version that wrote the link (undefined: not recorded). */
  version?: string;
}

/** Config fields that may change while a run is going (applied from the next iteration on): the catalogue's live method options and the stop rules. */
export const LIVE_PATHS: readonly string[] = [...liveMethodPaths(), "stop.maxIterations", "stop.targetRelError", "stop.divergenceRelError"];

/** The discriminator of each section whose fields depend on a catalogue entry, with its default. */
const DISCRIMINATORS = { operator: ["type", "gaussian"], method: ["name", "gd"] } as const;

/**
 * Removes from a sparse config input the options that the chosen operator type / method
 * does not have (after the type or method changed in the form), so it stays valid: a
 * config holds only the chosen entry's options.
 */
export function dropInapplicableOptions(config: Record<string, unknown>): void {
  for (const [section, [key, dflt]] of Object.entries(DISCRIMINATORS) as [keyof typeof DISCRIMINATORS, readonly [string, string]][]) {
    const sec = config[section] as Record<string, unknown> | undefined;
    if (!sec || typeof sec !== "object") continue;
    const chosen = String(sec[key] ?? dflt);
    for (const k of Object.keys(sec)) {
      const owners = entriesWithOption(section, k);
      if (owners.length > 0 && !owners.includes(chosen)) delete sec[k];
    }
  }
}

export function defaultState(): ExplorerState {
  return { config: {}, runs: [], edits: [], xScale: "linear" };
}

/** Parameters that are not config paths. */
const STATE_PARAMS = new Set(["run", "edit", "t", "scenario", "x", "v"]);

/** True for a key of the query string that names a config field. */
export function isConfigParam(key: string): boolean {
  return key === "seed" || key.includes(".");
}

/** The text of a value in the URL: a bare string when that reads back as the same string, else JSON. */
export function encodeValue(v: unknown): string {
  if (typeof v === "string") {
    const back = parseSetValue(v);
    return back === v && !/[;=]/.test(v) ? v : JSON.stringify(v);
  }
  return JSON.stringify(v);
}

/** Flattens a nested config input into `path → value` leaves (arrays are leaves), in key order. */
export function flattenConfig(obj: Record<string, unknown>, prefix = ""): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(obj)) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) out.push(...flattenConfig(v as Record<string, unknown>, p));
    else if (v !== undefined) out.push([p, v]);
  }
  return out;
}

/** A fresh nested object from `path → value` pairs. */
export function unflatten(pairs: Iterable<[string, unknown]>): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  for (const [p, v] of pairs) setPath(obj, p, v);
  return obj;
}

/** The base config with one compare run's overrides. */
export function runConfigInput(state: Pick<ExplorerState, "config">, overrides: Record<string, unknown>): Record<string, unknown> {
  const c = structuredClone(state.config);
  for (const [p, v] of Object.entries(overrides)) setPath(c, p, structuredClone(v));
  return c;
}

/** A compare run as text: `path=value; path=value`. */
export function formatRun(run: Record<string, unknown>): string {
  return Object.entries(run)
    .map(([p, v]) => `${p}=${encodeValue(v)}`)
    .join("; ");
}

/** Short names of common fields in run labels. */
const SHORT_NAMES: Record<string, string> = {
  "init.alpha": "α",
  "method.stepSize": "η",
  "problem.kappa": "κ",
  "model.k": "k",
  "problem.n": "n",
  "problem.n2": "n2",
  "problem.rank": "r",
  "operator.m": "m",
  "operator.p": "p",
  "problem.noise": "noise",
};

/**
 * Readable labels of compare runs: each run's overrides shortened — `k = 3` for model.k,
 * `α = 0.01` for init.alpha, the value alone for a `.type` or `.name` (`identity`,
 * `scaled-gd`), else the field's last name — joined by ", "; "base" for no overrides.
 * When two runs would get the same label the full `path=value` form is used for all.
 */
export function runLabels(runs: Record<string, unknown>[]): string[] {
  const short = runs.map((r) => {
    const parts = Object.entries(r).map(([p, v]) => {
      const value = encodeValue(v);
      if (/\.(type|name)$/.test(p) && typeof v === "string") return value;
      return `${SHORT_NAMES[p] ?? p.split(".").pop()} = ${value}`;
    });
    return parts.length ? parts.join(", ") : "base";
  });
  if (new Set(short).size === short.length) return short;
  return runs.map((r) =>
    Object.keys(r).length
      ? Object.entries(r)
          .map(([p, v]) => `${p}=${encodeValue(v)}`)
          .join(", ")
      : "base",
  );
}

/** Parses `path=value; path=value` (throws an Error naming the bad part). */
export function parseRun(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const part of text
    .split(";")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw new Error(`"${part}" is not path=value`);
    const path = part.slice(0, eq).trim();
    if (!isConfigParam(path)) throw new Error(`"${path}" is not a config path`);
    out[path] = parseSetValue(part.slice(eq + 1).trim());
  }
  return out;
}

/** The query string of a state (without "?"). Stable: the same state gives the same text. */
export function stateToQuery(state: ExplorerState): string {
  const q = new URLSearchParams();
  if (state.version) q.append("v", state.version);
  if (state.scenario) q.append("scenario", state.scenario);
  for (const [p, v] of flattenConfig(state.config)) q.append(p, encodeValue(v));
  for (const r of state.runs) q.append("run", formatRun(r));
  for (const e of state.edits) q.append("edit", `${e.at}:${e.path}=${encodeValue(e.value)}`);
  if (state.until !== undefined) q.append("t", state.until === Infinity ? "end" : String(state.until));
  if (state.xScale !== "linear") q.append("x", state.xScale);
  return q.toString();
}

export interface DecodeResult {
  state: ExplorerState;
  /** Set when the URL was malformed: what was wrong, naming the parameter (the state is then the defaults). */
  notice?: string;
}

class BadParam extends Error {}

const nonNegInt = (s: string) => /^\d+$/.test(s) && Number.isSafeInteger(Number(s));

/**
 * The state of a query string. A malformed one (unknown parameter, unreadable value,
 * a config the library refuses) gives the default state and a notice naming the
 * parameter — never a half-applied state.
 */
export function queryToState(query: string): DecodeResult {
  try {
    return { state: parseQuery(query) };
  } catch (e) {
    const msg =
      e instanceof ConfigError
        ? e.issues.map((i) => `${i.path}: ${i.message}${i.value === undefined ? "" : ` (got ${JSON.stringify(i.value)})`}`).join("; ")
        : (e as Error).message;
    return { state: defaultState(), notice: `The link's parameters were not usable, so the defaults are shown — ${msg}` };
  }
}

function parseQuery(query: string): ExplorerState {
  const q = new URLSearchParams(query.startsWith("?") ? query.slice(1) : query);
  const state = defaultState();
  const pairs: [string, unknown][] = [];
  for (const [key, raw] of q) {
    if (isConfigParam(key)) {
      if (pairs.some(([p]) => p === key)) throw new BadParam(`parameter "${key}" appears twice`);
      pairs.push([key, parseSetValue(raw)]);
    } else if (key === "run") {
      try {
        state.runs.push(parseRun(raw));
      } catch (e) {
        throw new BadParam(`parameter "run=${raw}": ${(e as Error).message}`);
      }
    } else if (key === "edit") {
      const m = /^(\d+):([^=]+)=(.*)$/s.exec(raw);
      if (!m || !nonNegInt(m[1])) throw new BadParam(`parameter "edit=${raw}" is not <iteration>:<path>=<value>`);
      if (!LIVE_PATHS.includes(m[2])) throw new BadParam(`parameter "edit=${raw}": ${m[2]} cannot change during a run (live fields: ${LIVE_PATHS.join(", ")})`);
      const at = Number(m[1]);
      if (state.edits.length && at < state.edits[state.edits.length - 1].at) throw new BadParam(`parameter "edit=${raw}": edits must be in iteration order`);
      state.edits.push({ at, path: m[2], value: parseSetValue(m[3]) });
    } else if (key === "t") {
      if (raw === "end") {
        state.until = Infinity;
        continue;
      }
      if (!nonNegInt(raw)) throw new BadParam(`parameter "t=${raw}" must be an iteration count (integer ≥ 0) or "end"`);
      state.until = Number(raw);
    } else if (key === "scenario") {
      if (!/^[a-z0-9-]+$/.test(raw)) throw new BadParam(`parameter "scenario=${raw}" is not a scenario name`);
      state.scenario = raw;
    } else if (key === "v") {
      if (!/^\d+\.\d+\.\d+([-+][\w.-]+)?$/.test(raw)) throw new BadParam(`parameter "v=${raw}" is not a matsense version such as 0.1.0`);
      state.version = raw;
    } else if (key === "x") {
      if (raw !== "log" && raw !== "linear") throw new BadParam(`parameter "x=${raw}" must be "log" or "linear"`);
      state.xScale = raw;
    } else {
      throw new BadParam(`unknown parameter "${key}" (allowed: seed, config paths like problem.n, ${[...STATE_PARAMS].join(", ")})`);
    }
  }
  state.config = unflatten(pairs);
  // every run (base + overrides, with the edits folded in) must be a config the library accepts
  const runs = state.runs.length ? state.runs : [{}];
  for (const r of runs) {
    const c = runConfigInput(state, r);
    refuseFileInputs(c);
    resolveConfig(c);
    for (const e of state.edits) {
      setPath(c, e.path, e.value);
      try {
        resolveConfig(c);
      } catch (err) {
        if (err instanceof ConfigError)
          throw new BadParam(`parameter "edit=${e.at}:${e.path}=${encodeValue(e.value)}": ${err.issues.map((i) => i.message).join("; ")}`);
        throw err;
      }
    }
  }
  return state;
}

/**
 * The `until` a page writes to its link after a frame: nothing while playing or at 0, the
 * iteration when paused, and Infinity ("t=end") when every run has stopped. A run's last
 * row is measured by the call that finds it stopped, after its last step, so replaying a
 * finished session "to iteration T" would pause before those rows; "to the end" replays them.
 */
export function linkUntil(t: number, playing: boolean, allStopped: boolean): number | undefined {
  if (allStopped) return Infinity;
  return playing || t === 0 ? undefined : t;
}

/** The config value in effect at iteration `t` (base + run overrides + edits made before or at t). */
export function effectiveValue(state: ExplorerState, path: string, t = Infinity): unknown {
  let v = getPath(state.config, path);
  for (const e of state.edits) if (e.at <= t && e.path === path) v = e.value;
  return v;
}
