/**
 * The explorer page: controls for the config contract, transport (play / pause / step /
 * reset), live edits, compare runs, views and exports. A thin shell: validation messages
 * come from the library's config resolution, every number from the compute worker that
 * runs the library. The state lives in the URL (./state.ts).
 */
import * as Plot from "@observablehq/plot";
import { ConfigError, type ResolvedConfig, describeConfig, getPath, parseSetValue, resolveConfig, setPath } from "../../src/config/schema.js";
import { fitRates, type RateFit } from "../../src/results/rates.js";
import type { FlatTraceRow as TraceRow } from "../../src/algorithms/driver.js";
import { pointName } from "../../src/config/grid.js";
import { explorerProblems } from "./checks.js";
import { refuseFileInputs } from "./fileInputs.js";
import { type FileSource, type Folder, readFolder } from "./folder.js";
import { entriesInUse, fieldApplies } from "./fields.js";
import { gridFile, metricsCsv, runCommands, runMetricsCsv } from "./export.js";
import type { FromWorker, HeatData, RunInfo, ToWorker } from "./protocol.js";
import { landingState, listScenarios, scenarioState } from "./scenarios.js";
import {
  type ExplorerState,
  LIVE_PATHS,
  defaultState,
  dropInapplicableOptions,
  effectiveValue,
  linkUntil,
  formatRun,
  parseRun,
  runLabels,
  queryToState,
  runConfigInput,
  stateToQuery,
} from "./state.js";
import { type LegendEntry, legendLine, legendMargin, sciTick } from "./plotting.js";
import { alphaLaw, theoryCurves, worstCaseApplies, worstCaseLabel, worstCaseRate } from "./theory.js";
import "./style.css";

// ---- page state ------------------------------------------------------------------------

interface RunView {
  info: RunInfo;
  rows: TraceRow[];
  status?: string;
  divergedAt?: number;
  events: { iteration: number; message: string }[];
  fit?: RateFit;
}

let state: ExplorerState;
let loadId = 0;
let runs: RunView[] = [];
let t = 0;
let playing = false;
let itPerSec = 0;
let heat: HeatData | undefined;
let heatRun = 0;
let ready = false;
let invalid = false;
let kernelsNote = "";
let dirty = true;
let lastRender = 0;
const fieldErrors = new Map<string, string[]>();
const notices: { kind: "warn" | "info" | "error"; text: string; id: string }[] = [];

const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
const send = (m: ToWorker) => worker.postMessage(m);

const $ = <T extends HTMLElement = HTMLElement>(sel: string, root: ParentNode = document) => root.querySelector(sel) as T;
function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

// ---- URL ---------------------------------------------------------------------------------

/** The version of this page, recorded in every link it writes (`v=`). */
const VERSION = __MATSENSE_VERSION__;
/**
 * True while the address bar holds a link that could not be used: it is kept as it was, so
 * the typo can be fixed there, until the user changes the state here.
 */
let keepLink = false;

/** Writes the state to the address bar (replaceState: no history entry per change). */
function writeUrl(): void {
  if (keepLink || viewing) return;
  state.version = VERSION;
  const q = stateToQuery(state);
  const url = `${location.pathname}${q ? `?${q}` : ""}`;
  if (url !== `${location.pathname}${location.search}`) history.replaceState(null, "", url);
}

// ---- notices -----------------------------------------------------------------------------

function setNotice(id: string, kind: "warn" | "info" | "error", text: string | null): void {
  const i = notices.findIndex((n) => n.id === id);
  if (i >= 0) notices.splice(i, 1);
  if (text) notices.push({ id, kind, text });
  const box = $("#notices");
  box.replaceChildren(...notices.map((n) => el("div", { class: `notice-${n.kind}`, "data-notice": n.id }, n.text)));
}

// ---- controls ----------------------------------------------------------------------------

const fields = describeConfig();
const GROUP_TITLES: Record<string, string> = {
  seed: "seed",
  problem: "problem (M*)",
  operator: "operator (A)",
  model: "model",
  init: "initialization",
  method: "method",
  stop: "stop rules",
  record: "recording",
};

function fieldKind(f: (typeof fields)[number]): "enum" | "bool" | "array" | "number" {
  if (f.allowed) return "enum";
  if (typeof f.default === "boolean") return "bool";
  if (f.path === "problem.singularValues") return "array";
  return "number";
}

function buildControls(): void {
  const box = $("#controls");
  box.replaceChildren();
  const groups = new Map<string, HTMLFieldSetElement>();
  for (const f of fields) {
    const g = f.path.includes(".") ? f.path.split(".")[0] : "seed";
    let fs = groups.get(g);
    if (!fs) {
      fs = el("fieldset", {}, el("legend", {}, GROUP_TITLES[g] ?? g));
      groups.set(g, fs);
      box.append(fs);
    }
    const kind = fieldKind(f);
    const id = `f-${f.path}`;
    const live = LIVE_PATHS.includes(f.path);
    const label = el("label", { for: id, title: `${f.path}: ${f.description}` }, f.path.includes(".") ? f.path.split(".").slice(1).join(".") : f.path);
    if (live) label.append(el("span", { class: "live", title: "can change while the run is going" }, "live"));
    let input: HTMLInputElement | HTMLSelectElement;
    if (kind === "enum") {
      input = el("select", { id, "data-path": f.path });
      for (const v of f.allowed!) input.append(el("option", { value: String(v) }, String(v)));
    } else if (kind === "bool") {
      input = el("input", { id, type: "checkbox", "data-path": f.path });
    } else {
      input = el("input", { id, type: "text", "data-path": f.path, spellcheck: "false", autocomplete: "off" });
      (input as HTMLInputElement).placeholder = f.default !== undefined ? String(f.default) : "auto";
    }
    input.title = f.description;
    input.addEventListener("change", () => onFieldChange(f.path, kind, input));
    fs.append(el("div", { class: "field", "data-field": f.path }, label, input, el("div", { class: "msg", "data-msg": f.path })));
  }
  const cmp = el("fieldset", {}, el("legend", {}, "compare runs"));
  const ta = el("textarea", {
    id: "compare",
    rows: "4",
    "data-path": "runs",
    spellcheck: "false",
    placeholder: "one run per line, e.g.\nmodel.k=2\nmodel.k=4",
  });
  ta.addEventListener("change", onCompareChange);
  cmp.append(
    el("p", { class: "hint" }, "Each line is one run: overrides of the config above (path=value; path=value), all on the same seeded data. Empty: one run."),
    ta,
    el("div", { class: "msg", "data-msg": "runs" }),
  );
  box.append(cmp);
}

/** Shows the state's values (base + edits) in the controls; only the chosen operator's and method's options are shown. */
function fillControls(): void {
  for (const f of fields) {
    const input = $<HTMLInputElement | HTMLSelectElement>(`[data-path="${f.path}"]`);
    const v = effectiveValue(state, f.path);
    if (input instanceof HTMLSelectElement) input.value = String(v ?? f.default);
    else if (input.type === "checkbox") input.checked = v === undefined ? Boolean(f.default) : v === true;
    else input.value = v === undefined ? "" : Array.isArray(v) ? v.join(", ") : typeof v === "string" ? v : JSON.stringify(v);
  }
  $<HTMLTextAreaElement>("#compare").value = state.runs.map(formatRun).join("\n");
  showApplicableFields();
}

const defaultOf = (path: string) => String(fields.find((f) => f.path === path)?.default ?? "");

/** Shows only the options of the methods and operators the runs use (from the catalogue). */
function showApplicableFields(): void {
  const inUse = entriesInUse(state, { method: defaultOf("method.name"), operator: defaultOf("operator.type") });
  for (const f of fields) {
    const box = document.querySelector<HTMLElement>(`[data-field="${f.path}"]`);
    if (box) box.hidden = !fieldApplies(f.path, inUse);
  }
}

function showFieldErrors(): void {
  for (const m of document.querySelectorAll<HTMLElement>("[data-msg]")) m.textContent = "";
  for (const i of document.querySelectorAll("[data-path]")) i.classList.remove("bad");
  const general: string[] = [];
  for (const [path, msgs] of fieldErrors) {
    const box = document.querySelector<HTMLElement>(`[data-msg="${path}"]`);
    // a field hidden because the chosen method/operator does not use it: the message goes to the notice
    if (box && !box.closest<HTMLElement>("[data-field]")?.hidden) {
      box.textContent = msgs.join(" ");
      document.querySelector(`[data-path="${path}"]`)?.classList.add("bad");
    } else general.push(`${path}: ${msgs.join(" ")}`);
  }
  setNotice(
    "invalid",
    "error",
    fieldErrors.size
      ? `The run is stopped: the configuration is not valid (see the messages next to the fields).${general.length ? " " + general.join(" ") : ""}`
      : null,
  );
}

/** All problems of a state: the library's config errors and the explorer's checks, per field path. */
function validate(s: ExplorerState): Map<string, string[]> {
  const errs = new Map<string, string[]>();
  const add = (path: string, msg: string) => {
    const list = errs.get(path) ?? [];
    if (!list.includes(msg)) list.push(msg);
    errs.set(path, list);
  };
  const specs = s.runs.length ? s.runs : [{}];
  const labels = runLabels(specs);
  for (const [index, r] of specs.entries()) {
    const c = runConfigInput(s, r);
    for (const e of s.edits) setPath(c, e.path, e.value);
    const who = s.runs.length > 1 ? ` [run ${labels[index]}]` : "";
    try {
      refuseFileInputs(c);
      const resolved = resolveConfig(c);
      for (const p of explorerProblems(resolved, c)) add(p.path in r ? "runs" : p.path, p.message + who);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      for (const i of e.issues)
        add(i.path in r ? "runs" : i.path || "config", `${i.message}${i.value === undefined ? "" : ` (got ${JSON.stringify(i.value)})`}${who}`);
    }
  }
  return errs;
}

function onFieldChange(path: string, kind: string, input: HTMLInputElement | HTMLSelectElement): void {
  let value: unknown;
  if (kind === "bool") value = (input as HTMLInputElement).checked;
  else if (kind === "enum") value = input.value;
  else if (input.value.trim() === "") value = undefined;
  else if (kind === "array")
    value = input.value
      .split(/[,\s]+/)
      .filter(Boolean)
      .map((x) => parseSetValue(x));
  else value = parseSetValue(input.value.trim());
  const liveNow = LIVE_PATHS.includes(path) && t > 0 && ready && !invalid && !runs.every((r) => r.status) && value !== undefined;
  if (liveNow) {
    // validate the edit as the library would, then apply it from the next iteration on
    const next = structuredClone(state);
    next.edits.push({ at: t, path, value });
    const errs = validate(next);
    fieldErrors.clear();
    for (const [p, m] of errs) fieldErrors.set(p, m);
    showFieldErrors();
    if (errs.size) return;
    send({ type: "edit", path, value });
    return;
  }
  const next = structuredClone(state);
  // a restart: earlier live edits are folded into the base
  for (const e of next.edits) setPath(next.config, e.path, e.value);
  next.edits = [];
  if (value === undefined) deletePath(next.config, path);
  else setPath(next.config, path, value);
  if (path === "operator.type" || path === "method.name") dropInapplicableOptions(next.config);
  next.scenario = state.scenario;
  apply(next, playing);
}

function deletePath(obj: Record<string, unknown>, path: string): void {
  const keys = path.split(".");
  const parent = keys.length > 1 ? getPath(obj, keys.slice(0, -1).join(".")) : obj;
  if (parent && typeof parent === "object") delete (parent as Record<string, unknown>)[keys[keys.length - 1]];
  if (keys.length > 1) {
    const p = getPath(obj, keys[0]);
    if (p && typeof p === "object" && Object.keys(p).length === 0) delete obj[keys[0]];
  }
}

function onCompareChange(): void {
  const text = $<HTMLTextAreaElement>("#compare").value;
  const next = structuredClone(state);
  for (const e of next.edits) setPath(next.config, e.path, e.value);
  next.edits = [];
  try {
    next.runs = text
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .map(parseRun);
  } catch (e) {
    fieldErrors.clear();
    fieldErrors.set("runs", [(e as Error).message]);
    showFieldErrors();
    stopForInvalid();
    return;
  }
  apply(next, playing);
}

function stopForInvalid(): void {
  invalid = true;
  send({ type: "pause" });
  playing = false;
  renderTransport();
}

/** Validates a new state; when valid it becomes the state (URL written) and the worker restarts on it. */
function apply(next: ExplorerState, play: boolean): void {
  next.until = undefined;
  keepLink = false;
  const errs = validate(next);
  fieldErrors.clear();
  for (const [p, m] of errs) fieldErrors.set(p, m);
  showFieldErrors();
  if (errs.size) {
    // keep the entered values visible, stop the run, leave the URL at the last valid state
    stopForInvalid();
    return;
  }
  invalid = false;
  state = next;
  load(play);
}

function load(play: boolean): void {
  writeUrl();
  fillControls();
  ready = false;
  runs = [];
  t = 0;
  heat = undefined;
  itPerSec = 0;
  playing = play || (state.until ?? 0) > 0;
  renderScenarios();
  send({ type: "load", state: structuredClone(state), play, id: ++loadId });
  dirty = true;
}

// ---- worker messages ---------------------------------------------------------------------

worker.onmessage = (ev: MessageEvent<FromWorker>) => {
  const m = ev.data;
  if (m.id !== loadId || viewing) return;
  switch (m.type) {
    case "error":
      fieldErrors.clear();
      for (const p of m.problems)
        fieldErrors.set(p.path || "config", [...(fieldErrors.get(p.path) ?? []), p.message + (m.run !== "base" ? ` [run ${m.run}]` : "")]);
      showFieldErrors();
      invalid = true;
      playing = false;
      renderTransport();
      break;
    case "ready":
      ready = true;
      runs = m.runs.map((info) => ({ info, rows: [], events: [] }));
      kernelsNote = m.isolated
        ? `Kernels: ${m.kernels} — cross-origin isolated, up to ${m.maxThreads} thread${m.maxThreads > 1 ? "s" : ""} (the library's automatic choice: 2 threads for operators ≥ 16 MiB, else 1; set operator.threads to choose).`
        : `This page is not cross-origin isolated (the server sent no COOP/COEP headers), so memory cannot be shared between threads: the compute falls back to one thread (kernels: ${m.kernels}). \`npx matsense explore\` serves the page with the headers.`;
      setNotice("kernels", m.isolated ? "info" : "warn", kernelsNote);
      setNotice("warnings", "warn", [...new Set(m.runs.flatMap((r) => r.warnings))].join(" ") || null);
      buildCharts();
      break;
    case "frame": {
      t = m.t;
      // a frame sent before the worker saw a pause for invalid input must not restart the button
      playing = m.playing && !invalid;
      itPerSec = m.itPerSec;
      m.runs.forEach((f, i) => {
        const r = runs[i];
        if (!r) return;
        r.rows.push(...f.rows);
        r.status = f.status;
        r.divergedAt = f.divergedAt;
        r.events = f.events;
      });
      if (m.edits.length) {
        state.edits.push(...m.edits);
        state.edits.sort((a, b) => a.at - b.at);
      }
      if (m.heat) heat = m.heat;
      state.until = linkUntil(t, playing, runs.length > 0 && runs.every((r) => r.status !== undefined));
      writeUrl();
      dirty = true;
      break;
    }
    case "edit-refused":
      fieldErrors.set(m.path, [m.message]);
      showFieldErrors();
      break;
  }
};

// ---- transport -----------------------------------------------------------------------------

function buildTransport(): void {
  const box = $("#transport");
  const play = el("button", { id: "play", type: "button" }, "Play");
  const step = el("button", { id: "step", type: "button", title: "one iteration" }, "Step");
  const step100 = el("button", { id: "step100", type: "button", title: "100 iterations" }, "+100");
  const reset = el("button", { id: "reset", type: "button", title: "restart from iteration 0 (live edits become the starting values)" }, "Reset");
  play.addEventListener("click", () => {
    if (invalid || !ready) return;
    if (playing) send({ type: "pause" });
    else send({ type: "play" });
    playing = !playing;
    renderTransport();
  });
  step.addEventListener("click", () => ready && !invalid && send({ type: "step", count: 1 }));
  step100.addEventListener("click", () => ready && !invalid && send({ type: "step", count: 100 }));
  reset.addEventListener("click", () => {
    const next = structuredClone(state);
    for (const e of next.edits) setPath(next.config, e.path, e.value);
    next.edits = [];
    apply(next, false);
  });
  box.append(play, step, step100, reset, el("span", { id: "status" }), el("div", { id: "run-message" }));
}

function runMessage(): { text: string; kind: "ok" | "bad" } {
  if (invalid) return { text: "Stopped: fix the configuration (messages next to the fields).", kind: "bad" };
  const div = runs.filter((r) => r.status === "diverged");
  if (div.length) {
    const eta = effectiveValue(state, "method.stepSize") ?? 0.1;
    return {
      text: `Diverged: ${div.map((r) => `${r.info.label} at iteration ${r.divergedAt}`).join(", ")} — the relative error exceeded stop.divergenceRelError or a value became non-finite. The step size η = ${eta} is too large for this problem; reduce method.stepSize and press Reset.`,
      kind: "bad",
    };
  }
  return { text: runs.flatMap((r) => r.events.map((e) => `${r.info.label}: ${e.message}`)).join("; "), kind: "ok" };
}

function renderTransport(): void {
  $("#play").textContent = playing ? "Pause" : "Play";
  const statuses = runs.map((r) => r.status ?? (playing ? "running" : "paused"));
  const st = [...new Set(statuses)].join(", ");
  $("#status").textContent = `t = ${t} · ${st || "—"} · ${itPerSec > 0 ? `${Math.round(itPerSec)} it/s` : ""}`;
  const msg = runMessage();
  const box = $("#run-message");
  box.textContent = msg.text;
  box.className = msg.kind === "bad" ? "notice-error" : "";
}

// ---- scenarios -----------------------------------------------------------------------------

const scenarios = listScenarios();

function buildScenarios(): void {
  const box = $("#scenarios");
  box.append(el("strong", {}, "Scenarios:"));
  for (const s of scenarios) {
    const b = el("button", { type: "button", "data-scenario": s.name, title: s.title }, s.name);
    b.addEventListener("click", () => {
      fieldErrors.clear();
      showFieldErrors();
      setNotice("url", "info", null);
      invalid = false;
      keepLink = false;
      state = scenarioState(s.name);
      load(true);
    });
    box.append(b);
  }
  box.append(el("p", { id: "scenario-note" }));
}

function renderScenarios(): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>("[data-scenario]")) b.classList.toggle("active", b.dataset.scenario === state.scenario);
  const s = scenarios.find((x) => x.name === state.scenario);
  $("#scenario-note").textContent = s ? `${s.title}. ${s.note}` : "";
}

// ---- views ---------------------------------------------------------------------------------

const fmt = (v: number | undefined, d = 3) =>
  v === undefined || !Number.isFinite(v) ? "—" : v === 0 ? "0" : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toPrecision(d + 1) : v.toExponential(d);

/** At most ~`max` rows for drawing: a uniform and a log-spaced subset, first and last always kept. */
function thin(rows: TraceRow[], max = 800): TraceRow[] {
  if (rows.length <= max) return rows;
  const keep = new Set<number>([0, rows.length - 1]);
  const half = max / 2;
  for (let i = 0; i < half; i++) keep.add(Math.round((i * (rows.length - 1)) / (half - 1)));
  for (let i = 0; i < half; i++) keep.add(Math.min(rows.length - 1, Math.round(Math.pow(rows.length, i / (half - 1))) - 1));
  return [...keep].sort((a, b) => a - b).map((i) => rows[i]);
}

function chartBox(id: string, title: string, hint: string): HTMLElement {
  return el("div", { class: "chart", id }, el("h3", {}, title), el("p", { class: "hint" }, hint), el("div", { class: "plot" }));
}

function buildCharts(): void {
  const box = $("#charts");
  const asym = runs.some((r) => r.info.config.model.type === "asymmetric");
  const small = runs.length > 0 && runs[0].info.config.problem.n <= 40 && runs[0].info.config.problem.n2 <= 40;
  const alphaCompare = alphaRuns().length >= 2;
  const xToggle = el("label", {}, el("input", { type: "checkbox", id: "xlog" }), " log iteration axis");
  const errorBox = chartBox(
    "chart-error",
    "Relative error ‖P − M*‖_F / ‖M*‖_F",
    "Log scale; one line per run. Dashed lines are closed-form theory, labelled as such.",
  );
  errorBox.querySelector(".hint")!.append(" ", xToggle);
  const parts: HTMLElement[] = [errorBox];
  // live runs always record singular values (explorerConfig); a folder's runs only when they were recorded
  if (!viewing || runs.some((r) => countColumns(r.rows, "sv_") > 0)) {
    parts.push(chartBox("chart-sv", "Singular values of the product", "Top singular values of XXᵀ / FGᵀ over the iterations (log scale), per run."));
  }
  if (asym) parts.push(chartBox("chart-imb", "Eigenvalues of FᵀF − GᵀG", "The imbalance; for GD on FGᵀ it is conserved up to O(η²) per step."));
  if (runs.some((r) => r.rows[0]?.signal_error !== undefined || r.info.config.record.diagnostics)) {
    const hint = "The error split along the truth's column space (record.diagnostics; see docs/diagnostics.md), log scale.";
    parts.push(chartBox("chart-diag", "Diagnostics: signal, spurious and cross parts", hint));
  }
  if (alphaCompare) parts.push(chartBox("chart-alpha", "Fitted rate vs α", "Linear rate λ (per iteration) of the runs that differ in init.alpha, log-log."));
  if (small && !viewing) {
    const h = chartBox("chart-heat", "M* and the current product", "");
    const sel = el("select", { id: "heat-run" });
    runs.forEach((r, i) => sel.append(el("option", { value: String(i) }, r.info.label)));
    sel.value = String(Math.min(heatRun, runs.length - 1));
    sel.addEventListener("change", () => {
      heatRun = Number(sel.value);
      send({ type: "heat", run: heatRun });
    });
    h.querySelector(".hint")!.append("Same color scale; run: ", sel);
    parts.push(h);
  }
  box.replaceChildren(...parts);
  const cb = $<HTMLInputElement>("#xlog");
  cb.checked = state.xScale === "log";
  cb.addEventListener("change", () => {
    state.xScale = cb.checked ? "log" : "linear";
    writeUrl();
    dirty = true;
  });
}

/** Runs that differ from each other only in init.alpha (for the rate-vs-α view), grouped by their other overrides. */
function alphaRuns(): { run: RunView; alpha: number; group: string }[] {
  if (runs.length < 2 || !runs.every((r) => "init.alpha" in r.info.overrides)) return [];
  return runs.map((r) => {
    const rest = { ...r.info.overrides };
    delete rest["init.alpha"];
    return { run: r, alpha: r.info.config.init.alpha, group: Object.keys(rest).length ? runLabels([rest])[0] : "all" };
  });
}

/** A run's config now: as it started, with the live edits made so far. */
function currentConfig(r: RunView): ResolvedConfig {
  const c = structuredClone(r.info.config);
  for (const e of state.edits) if (e.at <= t) setPath(c as unknown as Record<string, unknown>, e.path, e.value);
  return c;
}

function setPlot(id: string, node: Element | null): void {
  const host = document.querySelector(`#${id} .plot`);
  if (host) host.replaceChildren(...(node ? [node] : []));
}

const runColor = (i: number) => Plot.scale({ color: { type: "categorical", scheme: "tableau10", domain: runs.map((_, j) => j) } }).apply(i) as string;

function renderCharts(): void {
  const xLog = state.xScale === "log";
  const errData: { iteration: number; value: number; run: string; i: number }[] = [];
  const theory: { iteration: number; value: number; curve: string; law: string; i: number }[] = [];
  runs.forEach((r, i) => {
    const rows = thin(r.rows).filter((row) => Number.isFinite(row.rel_error) && row.rel_error > 0 && (!xLog || row.iteration >= 1));
    for (const row of rows) errData.push({ iteration: row.iteration, value: row.rel_error, run: r.info.label, i });
    const last = rows[rows.length - 1];
    const config = currentConfig(r);
    if (last)
      for (const c of theoryCurves(config, { iteration: last.iteration, value: last.rel_error }))
        for (const p of c.points) theory.push({ ...p, curve: `${c.label} (${r.info.label})`, law: c.label, i });
  });
  // theory lines only within the data's range (a 1/T line anchored at a short run's end would otherwise set the axis)
  const top = Math.max(...errData.map((d) => d.value));
  theory.splice(0, theory.length, ...theory.filter((d) => d.value <= 2 * top));
  const width = Math.max(420, Math.min(900, document.querySelector("#chart-error")?.clientWidth ?? 520));
  const common = { width, height: 320, marginLeft: 60, marginRight: 20, style: { fontSize: "11px", background: "white" } };
  const xAxis = { type: xLog ? "log" : "linear", label: "iteration t", ...(xLog ? { tickFormat: sciTick } : {}) } as const;
  const runLegend = runs.map((r, i) => ({ text: r.info.label, color: runColor(i) }));

  // legend in the right margin, outside the curves (and inside the SVG, so the downloaded chart is self-contained)
  const legend: LegendEntry[] = [...runLegend, ...[...new Set(theory.map((d) => d.law))].map((law) => ({ text: law, color: "#222", dashed: true }))];
  setPlot(
    "chart-error",
    errData.length
      ? Plot.plot({
          ...common,
          marginRight: legendMargin(legend),
          x: xAxis,
          y: { type: "log", label: "relative error", grid: true, tickFormat: sciTick },
          marks: [
            Plot.line(errData, { x: "iteration", y: "value", z: "run", stroke: (d) => runColor(d.i) }),
            // theory on top, dark dashes: where it matches the data exactly it must still be visible
            Plot.line(theory, { x: "iteration", y: "value", z: "curve", stroke: "#222", strokeDasharray: "4,4", strokeWidth: 1.2 }),
            ...legendMarks(legend),
          ],
        })
      : null,
  );
  // singular values
  const sv: { iteration: number; value: number; line: string; i: number }[] = [];
  runs.forEach((r, i) => {
    for (const row of thin(r.rows, 300))
      for (const [k, v] of Object.entries(row))
        if (k.startsWith("sv_") && v !== undefined && v > 0 && (!xLog || row.iteration >= 1) && Number.isFinite(v))
          sv.push({ iteration: row.iteration, value: v, line: `${r.info.label} ${k}`, i });
  });
  const svLegend = runLegend.map((e, i) => ({ ...e, text: `${e.text}: σ₁…σ${subscript(countColumns(runs[i].rows, "sv_"))}` }));
  setPlot(
    "chart-sv",
    sv.length
      ? Plot.plot({
          ...common,
          marginRight: legendMargin(svLegend),
          x: xAxis,
          y: { type: "log", label: "σᵢ(P)", tickFormat: sciTick },
          marks: [Plot.line(sv, { x: "iteration", y: "value", z: "line", stroke: (d) => runColor(d.i) }), ...legendMarks(svLegend)],
        })
      : null,
  );
  const imb: { iteration: number; value: number; line: string; i: number }[] = [];
  runs.forEach((r, i) => {
    for (const row of thin(r.rows, 300))
      for (const [k, v] of Object.entries(row))
        if (k.startsWith("imb_eig_") && v !== undefined && Number.isFinite(v) && (!xLog || row.iteration >= 1))
          imb.push({ iteration: row.iteration, value: v, line: `${r.info.label} ${k}`, i });
  });
  if (document.getElementById("chart-imb")) {
    setPlot(
      "chart-imb",
      imb.length
        ? Plot.plot({
            ...common,
            marginRight: legendMargin(runLegend),
            x: xAxis,
            y: { label: "eigenvalues of FᵀF − GᵀG", grid: true, tickFormat: sciTick },
            marks: [Plot.ruleY([0]), Plot.line(imb, { x: "iteration", y: "value", z: "line", stroke: (d) => runColor(d.i) }), ...legendMarks(runLegend)],
          })
        : null,
    );
  }
  if (document.getElementById("chart-diag")) renderDiagnostics(common, xAxis, runLegend);
  if (document.getElementById("chart-alpha")) renderAlphaChart(common);
  if (document.getElementById("chart-heat") && heat) renderHeat();
}

/** The legend entries as text marks in the right margin, one line each from the top. */
function legendMarks(entries: LegendEntry[]): Plot.Markish[] {
  return entries.map((e, i) =>
    Plot.text([legendLine(e)], { fill: e.color, frameAnchor: "top-right", dx: 10, dy: 4 + 14 * i, textAnchor: "start", className: "legend" }),
  );
}

const SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉";
const subscript = (n: number) => String(n).replace(/\d/g, (d) => SUBSCRIPTS[Number(d)]);
/** Number of columns with this prefix in a run's rows (e.g. sv_1 … sv_4 → 4). */
const countColumns = (rows: TraceRow[], prefix: string) => (rows[0] ? Object.keys(rows[0]).filter((k) => k.startsWith(prefix)).length : 0);

/** The diagnostics columns of metrics.csv (record.diagnostics): signal error, spurious norm, cross error. */
const DIAGNOSTICS = ["signal_error", "spurious_norm", "cross_error"] as const;

/** Diagnostics over the iterations: one colour per run, one dash pattern per quantity. */
function renderDiagnostics(common: object, xAxis: object, runLegend: LegendEntry[]): void {
  const xLog = state.xScale === "log";
  const dash: Record<string, string> = { signal_error: "none", spurious_norm: "6,3", cross_error: "2,2" };
  const data: { iteration: number; value: number; line: string; q: string; i: number }[] = [];
  runs.forEach((r, i) => {
    for (const row of thin(r.rows, 400))
      for (const q of DIAGNOSTICS) {
        const v = row[q];
        if (v === undefined || !Number.isFinite(v) || v <= 0 || (xLog && row.iteration < 1)) continue;
        data.push({ iteration: row.iteration, value: v, line: `${i} ${q}`, q, i });
      }
  });
  const legend: LegendEntry[] = [
    ...runLegend,
    ...DIAGNOSTICS.filter((q) => data.some((d) => d.q === q)).map((q) => ({
      text: `${q}${dash[q] === "none" ? "" : dash[q] === "6,3" ? " (dashed)" : " (dotted)"}`,
      color: "#222",
      dashed: dash[q] !== "none",
    })),
  ];
  setPlot(
    "chart-diag",
    data.length
      ? Plot.plot({
          ...common,
          marginRight: legendMargin(legend),
          x: xAxis,
          y: { type: "log", label: "diagnostics (relative to ‖M*‖_F)", grid: true, tickFormat: sciTick },
          marks: [
            ...DIAGNOSTICS.map((q) =>
              Plot.line(
                data.filter((d) => d.q === q),
                { x: "iteration", y: "value", z: "line", stroke: (d) => runColor(d.i), strokeDasharray: dash[q] },
              ),
            ),
            ...legendMarks(legend),
          ],
        })
      : null,
  );
}

function renderAlphaChart(common: object): void {
  const pts = alphaRuns()
    .map((a) => ({ alpha: a.alpha, rate: a.run.fit?.linearRate ?? NaN, group: a.group, cls: a.run.fit?.classification }))
    .filter((p) => p.rate > 0 && Number.isFinite(p.rate));
  const groups = [...new Set(pts.map((p) => p.group))];
  const laws: { alpha: number; rate: number; label: string }[] = [];
  for (const g of groups) {
    const gp = pts.filter((p) => p.group === g);
    const cfg = runs.find((r) => alphaRuns().some((a) => a.run === r && a.group === g))?.info.config;
    const exact = cfg && worstCaseApplies(cfg) ? (a: number) => worstCaseRate(cfg.method.stepSize, a, cfg.init.ratio) : undefined;
    // the α² law is for the over-parameterized runs (k > r); with k = r the rate does not depend on α
    if (cfg && cfg.model.k <= cfg.problem.rank) continue;
    const law = alphaLaw(gp, exact);
    if (law) for (const p of law.points) laws.push({ ...p, label: `${law.label}${groups.length > 1 ? ` [${g}]` : ""}` });
  }
  setPlot(
    "chart-alpha",
    pts.length
      ? Plot.plot({
          ...common,
          marginRight: 20,
          x: { type: "log", label: "α (init.alpha)", tickFormat: sciTick },
          y: { type: "log", label: "fitted rate λ", grid: true, tickFormat: sciTick },
          color: { legend: true },
          marks: [
            Plot.line(laws, { x: "alpha", y: "rate", z: "label", stroke: "#777", strokeDasharray: "5,4" }),
            Plot.text(lastPerLabel(laws), { x: "alpha", y: "rate", text: "label", textAnchor: "end", dy: -8, fill: "#555" }),
            Plot.dot(pts, { x: "alpha", y: "rate", fill: "group", r: 4 }),
          ],
        })
      : null,
  );
}

/** The last point of each label (where its text goes). */
function lastPerLabel<T extends { label: string }>(d: T[]): T[] {
  const m = new Map<string, T>();
  for (const x of d) m.set(x.label, x);
  return [...m.values()];
}

function renderHeat(): void {
  const h = heat!;
  let max = 0;
  for (const v of h.truth) max = Math.max(max, Math.abs(v));
  const cells = (data: Float64Array) => Array.from(data, (v, idx) => ({ i: Math.floor(idx / h.cols), j: idx % h.cols, v }));
  const one = (data: Float64Array, title: string) =>
    Plot.plot({
      width: 250,
      height: 250,
      margin: 20,
      marginTop: 26,
      style: { fontSize: "10px", background: "white" },
      x: { axis: null },
      y: { axis: null },
      color: { type: "diverging", scheme: "RdBu", domain: [-max, max], reverse: true },
      marks: [
        Plot.cell(cells(data), { x: "j", y: "i", fill: (d) => Math.max(-max, Math.min(max, d.v)), inset: 0 }),
        Plot.frame(),
        Plot.text([title], { frameAnchor: "top", dy: -14 }),
      ],
    });
  const host = document.querySelector("#chart-heat .plot")!;
  host.replaceChildren(el("div", { class: "heat" }, one(h.truth, "M*"), one(h.product, `product at t = ${runs[h.run]?.rows.at(-1)?.iteration ?? t}`)));
}

function renderReadout(): void {
  const rowsHtml = runs.map((r, i) => {
    const last = r.rows[r.rows.length - 1];
    r.fit =
      r.rows.length >= 3
        ? fitRates(
            r.rows.map((x) => x.iteration),
            r.rows.map((x) => x.rel_error),
            { status: r.status },
          )
        : undefined;
    const c = currentConfig(r);
    let theory = "";
    if (worstCaseApplies(c))
      theory = `λ = ${fmt(worstCaseRate(c.method.stepSize, c.init.alpha, c.init.ratio))} (${worstCaseLabel(c.init.ratio).replace("theory: ", "")})`;
    else if (c.model.type === "symmetric" && c.model.k > c.problem.rank && c.method.name === "gd") theory = "sublinear, log-log slope −1 (1/T)";
    const tr = el(
      "tr",
      { "data-run": String(i) },
      el("td", {}, el("span", { style: `color:${runColor(i)}` }, "■ "), r.info.label),
      el("td", {}, r.status ?? (playing ? "running" : "paused")),
      el("td", { "data-testid": `rel-error-${i}`, "data-value": last ? String(last.rel_error) : "" }, fmt(last?.rel_error)),
      el("td", {}, last ? String(last.iteration) : "—"),
      el("td", {}, r.fit?.classification ?? "—"),
      // a rate only for a linear run, a log-log slope only for a sublinear one (else meaningless: blank)
      el(
        "td",
        { title: "λ = −d ln e / dt over the tail window [T/2, T] (linear runs only)" },
        fmt(r.fit?.classification === "linear" ? r.fit.linearRate : undefined),
      ),
      el(
        "td",
        { title: "d ln e / d ln t over the tail window (sublinear runs only)" },
        fmt(r.fit?.classification === "sublinear" ? r.fit.logLogSlope : undefined),
      ),
      el("td", {}, theory ? `theory: ${theory}` : ""),
      el("td", {}, csvButton(i)),
    );
    return tr;
  });
  const table = el("table", { class: "readout" }, el("thead", {}, el("tr", {}, ...READOUT_HEADERS.map((h) => el("th", {}, h)))), el("tbody", {}, ...rowsHtml));
  $("#readout").replaceChildren(table);
}

const READOUT_HEADERS = ["run", "status", "rel. error", "at iteration", "rate (fitted)", "λ per it.", "log-log slope", "theory", ""];

/** A button that downloads run i's metrics.csv as the CLI writes it. */
function csvButton(i: number): HTMLElement {
  const title = "this run's metrics.csv, as `matsense run` writes it";
  const b = el("button", { type: "button", class: "run-csv", "data-run-csv": String(i), title }, "metrics.csv");
  b.addEventListener("click", () => download("metrics.csv", "text/csv", runMetricsCsv(runs[i]?.rows ?? [])));
  return b;
}

/** Milliseconds the last full render took (charts included). */
let renderMs = 0;

/**
 * Redraws on animation frames when new data arrived — at most every 33 ms, and at most a
 * quarter of the time (gap ≥ 3 × the last render's duration), so drawing never takes
 * the CPU the compute worker needs on a small machine.
 */
function render(now: number): void {
  requestAnimationFrame(render);
  if (!dirty || now - lastRender < Math.max(33, 3 * renderMs)) return;
  dirty = false;
  lastRender = now;
  renderTransport();
  renderReadout();
  if (ready) renderCharts();
  exposeForTests();
  renderMs = performance.now() - now;
}

// ---- exports -------------------------------------------------------------------------------

function download(name: string, type: string, text: string): void {
  const a = el("a", { href: URL.createObjectURL(new Blob([text], { type })), download: name });
  document.body.append(a);
  a.click();
  a.remove();
}

function buildExports(): void {
  const box = $("#exports");
  const cmd = el("button", { type: "button", id: "copy-command" }, "Copy npx matsense run command");
  const cfg = el("button", { type: "button", id: "download-config" }, "Download config JSON");
  const csv = el("button", { type: "button", id: "download-csv" }, "Download metrics CSV");
  const svg = el("button", { type: "button", id: "download-svg" }, "Download error chart SVG");
  const grid = el("button", { type: "button", id: "download-grid", title: "the runs as a grid for `matsense sweep --grid grid.json`" }, "Download sweep grid");
  grid.addEventListener("click", () => download("grid.json", "application/json", JSON.stringify(gridFile(state, VERSION), null, 2) + "\n"));
  const out = el("div", { id: "command" });
  cmd.addEventListener("click", async () => {
    const { commands, note } = runCommands(
      state,
      runs.map((r) => (Object.keys(r.info.overrides).length ? pointName(r.info.overrides) : "base")),
    );
    const text = commands.join("\n");
    out.textContent = text + (note ? `\n# ${note}` : "");
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      /* clipboard refused (no permission): the command is shown below the buttons */
    }
  });
  cfg.addEventListener("click", () => {
    // what `matsense run --config config.json` takes (one run: its resolved config; several: a list)
    const configs = runs.map((r) => r.info.config);
    download("config.json", "application/json", JSON.stringify(configs.length === 1 ? configs[0] : configs, null, 2) + "\n");
  });
  csv.addEventListener("click", () => download("metrics.csv", "text/csv", metricsCsv(runs.map((r) => ({ label: r.info.label, rows: r.rows })))));
  svg.addEventListener("click", () => {
    const node = document.querySelector("#chart-error svg");
    if (node) download("error.svg", "image/svg+xml", new XMLSerializer().serializeToString(node));
  });
  box.append(cmd, cfg, csv, svg, grid, out);
}

// ---- viewer mode: a finished run or sweep folder ---------------------------------------------

/** The folder shown in viewer mode (null: the live explorer). */
let viewing: Folder | null = null;

/** Shows a folder's runs with the explorer's charts and table (read-only; the compute worker is left idle). */
function showFolder(f: Folder): void {
  viewing = f;
  loadId++;
  send({ type: "pause" });
  document.body.classList.add("viewing");
  runs = f.runs.map((r) => ({
    info: { label: r.label, overrides: r.overrides, config: r.config, warnings: r.warnings, backend: r.backend },
    rows: r.rows,
    status: r.status,
    events: [],
  }));
  t = Math.max(0, ...f.runs.map((r) => r.rows.at(-1)?.iteration ?? 0));
  playing = false;
  ready = true;
  invalid = false;
  heat = undefined;
  state = { ...defaultState(), xScale: state?.xScale ?? "linear" };
  const what = f.kind === "sweep" ? "sweep" : f.kind === "run" ? "run" : "run folders";
  $("#viewer-title").textContent = `Viewing the ${what} "${f.title}": ${f.runs.length} run${f.runs.length === 1 ? "" : "s"}, read-only.`;
  $("#back-to-explorer").hidden = false;
  setNotice("url", "info", null);
  setNotice("kernels", "info", null);
  setNotice("viewer", f.problems.length ? "warn" : "info", f.problems.length ? `Not shown: ${f.problems.join("; ")}` : null);
  setNotice("warnings", "warn", [...new Set(f.runs.flatMap((r) => r.warnings))].join(" ") || null);
  buildCharts();
  dirty = true;
}

async function openFolder(src: FileSource, title: string): Promise<void> {
  try {
    showFolder(await readFolder(src, title));
  } catch (e) {
    setNotice("viewer", "error", `Could not open ${title || "the folder"}: ${(e as Error).message}`);
  }
}

/** `matsense explore DIR`: the served folder's listing at data/index.json. */
async function openServedFolder(): Promise<void> {
  state = defaultState();
  try {
    const index = (await (await fetch("data/index.json")).json()) as { name: string; files: string[] };
    const read = async (p: string) => {
      const r = await fetch(`data/${p.split("/").map(encodeURIComponent).join("/")}`);
      if (!r.ok) throw new Error(`${p}: HTTP ${r.status}`);
      return r.text();
    };
    await openFolder({ paths: index.files, read }, index.name);
  } catch (e) {
    setNotice("viewer", "error", `Could not read the served folder: ${(e as Error).message}`);
  }
}

/** Every file under a dropped directory entry, by its path below the dropped item (its own name first). */
async function entryFiles(entry: FileSystemEntry, out: Map<string, File>): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.set(entry.fullPath.replace(/^\//, ""), file);
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) break;
    for (const e of batch) await entryFiles(e, out);
  }
}

const fileSource = (files: Map<string, File>): FileSource => ({
  paths: [...files.keys()],
  read: (p) => files.get(p)!.text(),
});

function setUpViewer(): void {
  const input = $<HTMLInputElement>("#open-folder");
  input.addEventListener("change", () => {
    const files = new Map<string, File>();
    for (const f of input.files ?? []) files.set(f.webkitRelativePath || f.name, f);
    const title = [...files.keys()][0]?.split("/")[0] ?? "";
    void openFolder(fileSource(files), title);
  });
  const zone = $("#viewer");
  document.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("dragging");
  });
  document.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  document.addEventListener("drop", async (e) => {
    e.preventDefault();
    zone.classList.remove("dragging");
    const files = new Map<string, File>();
    const entries = [...(e.dataTransfer?.items ?? [])].map((i) => i.webkitGetAsEntry()).filter((x): x is FileSystemEntry => x !== null);
    if (entries.length) for (const en of entries) await entryFiles(en, files);
    else for (const f of e.dataTransfer?.files ?? []) files.set(f.name, f);
    void openFolder(fileSource(files), entries.length === 1 ? entries[0].name : "");
  });
}

// ---- test hook -----------------------------------------------------------------------------

function exposeForTests(): void {
  (window as unknown as { __explorer: unknown }).__explorer = {
    ready,
    playing,
    t,
    itPerSec,
    invalid,
    viewing: viewing ? { kind: viewing.kind, title: viewing.title, runs: viewing.runs.length, problems: viewing.problems } : null,
    edits: state.edits.slice(),
    runs: runs.map((r) => ({
      label: r.info.label,
      status: r.status,
      rows: r.rows.length,
      last: r.rows[r.rows.length - 1],
      backend: r.info.backend,
      fit: r.fit,
    })),
    /** All recorded rows of run i (tests compare them bit for bit). */
    rows: (i: number) => runs[i]?.rows ?? [],
  };
}

// ---- start ---------------------------------------------------------------------------------

buildScenarios();
buildControls();
buildTransport();
buildExports();
setUpViewer();
start();
requestAnimationFrame(render);

/**
 * The first state: with no link, the landing comparison (k = r vs k > r), playing at once;
 * a link opens paused at its iteration `t` (the page runs there first), or at 0; a link
 * naming only a scenario opens that scenario; a link that cannot be used shows the
 * defaults, says why, and stays in the address bar for editing.
 */
function start(): void {
  if (new URLSearchParams(location.search).get("open") === "data") {
    void openServedFolder();
    return;
  }
  if (location.search === "" || location.search === "?") {
    state = landingState();
    load(true);
    return;
  }
  const decoded = queryToState(location.search);
  state = decoded.state;
  let problem = decoded.notice;
  const name = state.scenario;
  if (!problem && name && !scenarios.some((s) => s.name === name)) {
    problem = `unknown scenario "${name}" (available: ${scenarios.map((s) => s.name).join(", ")}), so the defaults are shown`;
    state = defaultState();
  } else if (!problem && name && !Object.keys(state.config).length && !state.runs.length && !state.edits.length) {
    // ?scenario=NAME (with t, x, v at most): the scenario's own config and runs
    state = { ...scenarioState(name), until: state.until, xScale: new URLSearchParams(location.search).has("x") ? state.xScale : scenarioState(name).xScale };
  }
  if (problem) {
    keepLink = true;
    const keep = "The link is kept in the address bar: correct it there and press Enter, or change anything here to start from the values shown.";
    setNotice("url", "error", `${problem}. ${keep}`);
  } else if (state.version && state.version !== VERSION) {
    const why = "Fields the link does not set take this version's defaults.";
    setNotice("url", "info", `This link was written by matsense ${state.version}; this page is ${VERSION}. ${why}`);
  }
  load(false);
}
