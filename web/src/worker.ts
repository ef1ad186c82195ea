/**
 * The compute worker: runs a {@link Session} (the library's steppers and driver) off the
 * page's thread, in time slices, and posts frames (new rows, statuses, a heatmap
 * snapshot) at most ~30 times a second. The page never blocks; pause / step / live edits
 * arrive between slices.
 */
// first: the kernel host must be registered before the library loads its WASM kernels
import "./kernel-host.js";
import { ConfigError, wasmUnavailableReason } from "../../src/core.js";
import { Session, SessionError } from "./engine.js";
import { ensureHelpers } from "./helpers.js";
import type { FromWorker, RunFrame, ToWorker } from "./protocol.js";

const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

let session: Session | null = null;
let id = 0;
let playing = false;
let until = Infinity;
let heatRun = 0;
const sent: number[] = [];
let sentEdits = 0;
let lastFrame = 0;
let rate = { iterations: 0, seconds: 0 };
const SLICE_MS = 25;
const FRAME_MS = 33;
const HEAT_MAX = 40;

// a zero-delay yield (setTimeout is clamped to ≥ 4 ms when nested)
const channel = new MessageChannel();
channel.port1.onmessage = () => loop();
const schedule = () => channel.port2.postMessage(null);

function frame(): void {
  if (!session) return;
  const runs: RunFrame[] = session.runs.map((r, i) => {
    const rows = r.rows.slice(sent[i] ?? 0);
    sent[i] = r.rows.length;
    return { rows, status: r.status, divergedAt: r.divergedAt, events: r.events.slice() };
  });
  const edits = session.edits.slice(sentEdits);
  sentEdits = session.edits.length;
  let heat;
  const hr = Math.min(heatRun, session.runs.length - 1);
  // decide from the config: M* of a large problem is formed only on demand (n1·n2 doubles)
  const { n, n2 } = session.runs[hr].config.problem;
  if (n <= HEAT_MAX && n2 <= HEAT_MAX) {
    const M = session.truth(hr);
    heat = { run: hr, rows: M.rows, cols: M.cols, truth: M.data.slice(), product: session.product(hr).data.slice() };
  }
  const itPerSec = rate.seconds > 0 ? rate.iterations / rate.seconds : 0;
  post({ type: "frame", id, t: session.t, playing, runs, edits, itPerSec, heat });
  lastFrame = performance.now();
}

/** Reports an error of the running session (e.g. out of memory) as the run's problem instead of an uncaught exception. */
function fail(e: unknown): void {
  playing = false;
  const message =
    e instanceof RangeError ? `${e.message} (the browser could not allocate the run's arrays; use a smaller problem or the CLI)` : (e as Error).message;
  post({ type: "error", id, run: "base", problems: [{ path: "", message }] });
}

function loop(): void {
  try {
    slice();
  } catch (e) {
    fail(e);
  }
}

function slice(): void {
  if (!session || !playing) return;
  const start = performance.now();
  const end = start + SLICE_MS;
  const done = session.advance(until, () => performance.now() >= end);
  rate = { iterations: rate.iterations + done, seconds: rate.seconds + (performance.now() - start) / 1000 };
  if (session.done() || session.t >= until) {
    playing = false;
    frame();
    return;
  }
  if (performance.now() - lastFrame >= FRAME_MS) frame();
  schedule();
}

const isolated = (self as unknown as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
/** Kernel helper threads kept ready: with shared memory, one per further core (at most 3). */
const HELPERS = isolated ? Math.max(0, Math.min(navigator.hardwareConcurrency || 1, 4) - 1) : 0;

async function load(msg: Extract<ToWorker, { type: "load" }>): Promise<void> {
  session?.dispose();
  session = null;
  playing = false;
  // the kernel threads of the coming operators must be running before they are asked for
  await ensureHelpers(HELPERS).catch(() => undefined);
  id = msg.id;
  sent.length = 0;
  sentEdits = 0;
  rate = { iterations: 0, seconds: 0 };
  try {
    session = new Session(msg.state, () => performance.now() / 1000);
  } catch (e) {
    if (e instanceof SessionError) post({ type: "error", id, run: e.run, problems: e.problems });
    else if (e instanceof ConfigError) post({ type: "error", id, run: "base", problems: e.issues.map((i) => ({ path: i.path, message: i.message })) });
    else post({ type: "error", id, run: "base", problems: [{ path: "", message: (e as Error).message }] });
    return;
  }
  const backends = [...new Set(session.runs.map((r) => r.backend))].join(", ");
  const kernels = wasmUnavailableReason
    ? `${backends} (WASM kernels unavailable: ${wasmUnavailableReason})`
    : session.runs.some((r) => r.backend.startsWith("wasm"))
      ? backends
      : `${backends} (this operator does not use the WASM SIMD kernels, which are loaded)`;
  post({
    type: "ready",
    id,
    isolated,
    kernels,
    maxThreads: 1 + HELPERS,
    runs: session.runs.map((r) => ({ label: r.label, overrides: r.overrides, config: r.config, warnings: r.warnings, backend: r.backend })),
  });
  // the edits of the state were made before `until`; the edits sent back are only new ones
  sentEdits = msg.state.edits.length;
  until = msg.state.until ?? Infinity;
  playing = msg.state.until !== undefined ? msg.state.until > 0 : msg.play;
  frame();
  if (playing) schedule();
}

// messages are handled in order; a load waits for the helper threads before the next message
let queue: Promise<void> = Promise.resolve();
self.onmessage = (ev: MessageEvent<ToWorker>) => {
  queue = queue.then(() => handle(ev.data)).catch(fail);
};

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case "load":
      await load(msg);
      break;
    case "play":
      if (session && !session.done()) {
        until = Infinity;
        if (!playing) {
          playing = true;
          schedule();
        }
      }
      break;
    case "pause":
      playing = false;
      frame();
      break;
    case "step":
      if (session) {
        playing = false;
        session.advance(session.t + msg.count);
        frame();
      }
      break;
    case "edit":
      if (session) {
        try {
          session.edit(msg.path, msg.value);
        } catch (e) {
          const m = e instanceof ConfigError ? e.issues.map((i) => i.message).join("; ") : (e as Error).message;
          post({ type: "edit-refused", id, path: msg.path, message: m });
        }
        frame();
      }
      break;
    case "heat":
      heatRun = msg.run;
      frame();
      break;
  }
}
