/**
 * End-to-end tests of the explorer in a real Chromium (Debian's, driven by playwright-core):
 * the built site served by `matsense explore`'s server, exactly as a user gets it.
 * Skipped, with the reason printed, only where Chromium is missing and cannot be installed.
 */
import * as fs from "node:fs";
import type * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startExploreServer } from "../../src/cli/explore.js";
import { lsSlope } from "../../src/results/rates.js";
import { Session } from "../../web/src/engine.js";
import { type ExplorerState, defaultState, queryToState, stateToQuery } from "../../web/src/state.js";
import { ensureChromium, ensureSite, launchBrowser, siteDir } from "./browser.js";

interface ExplorerHook {
  ready: boolean;
  playing: boolean;
  invalid: boolean;
  t: number;
  itPerSec: number;
  edits: { at: number; path: string; value: unknown }[];
  runs: { label: string; status?: string; rows: number; last?: Record<string, number>; backend: string; fit?: { classification: string } }[];
}

let skip: string | undefined;
let server: http.Server | undefined;
let base = "";
let context: BrowserContext | undefined;
let closeBrowser: (() => Promise<void>) | undefined;
const consoleErrors: string[] = [];

beforeAll(async () => {
  const chromium = ensureChromium();
  if ("skip" in chromium) {
    skip = chromium.skip;
    process.stderr.write(`explorer e2e tests skipped: ${skip}\n`);
    return;
  }
  ensureSite();
  ({ server, url: base } = await startExploreServer({ dir: siteDir }));
  ({ context, close: closeBrowser } = await launchBrowser(chromium.path));
}, 1_200_000);

afterAll(async () => {
  await closeBrowser?.();
  server?.close();
});

async function open(query = ""): Promise<Page> {
  const page = await context!.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(`${page.url()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => consoleErrors.push(`${page.url()}: uncaught ${e.message}`));
  await page.goto(base + query);
  return page;
}

const hook = (page: Page) => page.evaluate(() => (window as unknown as { __explorer: unknown }).__explorer) as Promise<ExplorerHook>;
const rowsOf = (page: Page, i: number) =>
  page.evaluate((j) => (window as unknown as { __explorer: { rows: (i: number) => Record<string, number>[] } }).__explorer.rows(j), i);

/** Waits until the page's explorer state satisfies `pred` (polled). */
async function until(page: Page, pred: (h: ExplorerHook) => boolean, timeout = 180_000): Promise<ExplorerHook> {
  const start = Date.now();
  for (;;) {
    const h = await hook(page).catch(() => undefined);
    if (h && pred(h)) return h;
    if (Date.now() - start > timeout) throw new Error(`timed out; last state ${JSON.stringify(h)?.slice(0, 500)}`);
    await page.waitForTimeout(50);
  }
}

/** The linear-regime problem of test/web/engine.test.ts: symmetric GD, k = r, η = 0.02. */
const linear: ExplorerState = {
  ...defaultState(),
  config: { seed: 3, problem: { n: 12, rank: 2 }, init: { alpha: 0.1 }, method: { stepSize: 0.02 }, stop: { maxIterations: 100000 }, record: { every: 1 } },
};

// generous limits: CI runs these beside the rest of the suite on 2 shared cores
describe("explorer in Chromium", { timeout: 400_000 }, () => {
  it("loads, cross-origin isolated, with the WASM SIMD kernels in its worker", async (ctx) => {
    if (skip) return ctx.skip();
    const page = await open();
    const h = await until(page, (x) => x?.ready && x.runs.length === 1);
    expect(h.runs[0].backend).toBe("wasm-simd");
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await expect(page.textContent("#notices")).resolves.toMatch(/Kernels: wasm-simd — cross-origin isolated/);
    await page.close();
  });

  it("runs the WASM kernels on 2 threads for a 20 MB operator, with the same numbers as on 1 thread", async (ctx) => {
    if (skip) return ctx.skip();
    const rows: Record<string, number>[][] = [];
    for (const threads of [0, 1]) {
      const page = await open(`?problem.n=40&operator.m=1600&operator.threads=${threads}&stop.maxIterations=100000&t=200`);
      const h = await until(page, (x) => x?.ready && x.t === 200 && !x.playing);
      // 1600 × 1600 float64 = 20 MB ≥ 16 MiB: the library's automatic choice is 2 threads (on ≥ 2 cores)
      const cores = await page.evaluate(() => navigator.hardwareConcurrency);
      expect(h.runs[0].backend).toBe(threads === 1 || cores < 2 ? "wasm-simd" : "wasm-simd+2threads");
      rows.push(await rowsOf(page, 0));
      await page.close();
    }
    // the kernels sum every output in the same order whatever the split (DESIGN §3): bit for bit
    const strip = (rs: Record<string, number>[]) => rs.map(({ seconds, ...r }) => r);
    expect(strip(rows[0])).toEqual(strip(rows[1]));
  });

  it("without the COOP/COEP headers falls back to one thread and says so, with the same numbers", async (ctx) => {
    if (skip) return ctx.skip();
    const plain = await startExploreServer({ dir: siteDir, isolation: false });
    try {
      const page = await context!.newPage();
      page.on("pageerror", (e) => consoleErrors.push(`${page.url()}: uncaught ${e.message}`));
      await page.goto(`${plain.url}?t=50`);
      await until(page, (x) => x?.ready && x.t === 50);
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
      await expect(page.textContent('[data-notice="kernels"]')).resolves.toMatch(/not cross-origin isolated .* the compute falls back to one thread \(kernels: (wasm-simd|ts)/);
      // a 20 MB operator that gets 2 threads when isolated runs on one here
      const big = await context!.newPage();
      await big.goto(`${plain.url}?problem.n=40&operator.m=1600&t=2`);
      expect((await until(big, (x) => x?.ready && x.t === 2)).runs[0].backend).toBe("wasm-simd");
      await big.close();
      // the same numbers as the isolated page (to rounding, should the kernels differ: ~1e-12, DESIGN §3)
      const ts = await rowsOf(page, 0);
      await page.close();
      const wasmPage = await open("?t=50");
      await until(wasmPage, (x) => x?.ready && x.t === 50);
      const wasm = await rowsOf(wasmPage, 0);
      for (let i = 0; i < ts.length; i++) expect(Math.abs(ts[i].rel_error - wasm[i].rel_error)).toBeLessThan(1e-12);
      await wasmPage.close();
    } finally {
      plain.server.close();
    }
  });

  it("runs a scenario until the error falls below 1e-10; k = r linear, k > r sublinear, the URL names the scenario", async (ctx) => {
    if (skip) return ctx.skip();
    const page = await open();
    await until(page, (x) => x?.ready);
    await page.click('[data-scenario="xiong-symmetric"]');
    // the runs of the preset's quick grid: k ∈ {2, 3, 4} (times any other varied field)
    const exact = (label: string) => /(^|__)model\.k=2(__|$)/.test(label);
    const reached = await until(page, (x) => x.ready && x.runs.length >= 3 && x.runs.filter((r) => exact(r.label)).every((r) => (r.last?.rel_error ?? 1) < 1e-10));
    expect(reached.runs.filter((r) => exact(r.label)).length).toBeGreaterThan(0);
    const done = await until(page, (x) => x.runs.every((r) => r.status !== undefined) && !x.playing);
    for (const r of done.runs) {
      expect([r.label, r.status, r.fit?.classification]).toEqual(exact(r.label) ? [r.label, "converged", "linear"] : [r.label, "max-iterations", "sublinear"]);
    }
    const q = new URL(page.url()).searchParams;
    expect(q.get("scenario")).toBe("xiong-symmetric");
    expect(q.getAll("run").length).toBe(done.runs.length);
    expect(q.getAll("run").some((r) => r.includes("model.k=3"))).toBe(true);
    expect(q.get("t")).toBe(String(done.t));
    // the theory line is drawn and labelled
    await expect(page.textContent("#chart-error")).resolves.toMatch(/theory: ∝ 1\/T/);
    const shot = process.env.EXPLORER_SCREENSHOT ?? path.join(os.tmpdir(), "matsense-explorer.png");
    await page.screenshot({ path: shot, fullPage: false });
    expect(fs.statSync(shot).size).toBeGreaterThan(10_000);
    await page.close();
  });

  it("changes the step size live and sees it take effect; the shared URL replays identical numbers", async (ctx) => {
    if (skip) return ctx.skip();
    const page = await open(`?${stateToQuery({ ...linear, until: 401 })}`);
    await until(page, (x) => x?.ready && x.t === 401 && !x.playing);
    const stepInput = page.locator('[data-path="method.stepSize"]');
    await stepInput.fill("0.04");
    await stepInput.press("Enter");
    const edited = await until(page, (x) => x.edits.length === 1);
    expect(edited.edits).toEqual([{ at: 401, path: "method.stepSize", value: 0.04 }]);
    await page.click("#step100");
    await until(page, (x) => x.t === 501);
    await page.click("#step100");
    await until(page, (x) => x.t === 601 && !x.playing);
    const rows = await rowsOf(page, 0);
    const e = rows.map((r) => r.rel_error);
    // near M*, doubling η doubles the linear rate: ln(1 − 2ηh)/ln(1 − ηh) ∈ [2, 2.05] for ηh ≤ 0.05 (see engine.test.ts)
    const rate = (from: number, to: number) => -lsSlope(rows.slice(from, to).map((r) => r.iteration), e.slice(from, to).map(Math.log));
    expect(rows[600].iteration).toBe(600);
    expect(rate(500, 600) / rate(300, 400)).toBeGreaterThan(1.9);
    expect(rate(500, 600) / rate(300, 400)).toBeLessThan(2.2);
    // the address bar holds the whole run: base config, the edit, the iteration
    const shared = page.url();
    const decoded = queryToState(new URL(shared).search);
    expect(decoded.notice).toBeUndefined();
    expect(decoded.state.edits).toEqual([{ at: 401, path: "method.stepSize", value: 0.04 }]);
    expect(decoded.state.until).toBe(601);
    // a colleague opens the link: the same numbers, bit for bit
    const other = await open(new URL(shared).search);
    await until(other, (x) => x?.ready && x.t === 601 && !x.playing);
    const replay = await rowsOf(other, 0);
    const strip = (rs: Record<string, number>[]) => rs.map(({ seconds, ...r }) => r);
    expect(strip(replay)).toEqual(strip(rows));
    // and the library in Node (the CLI's code) agrees to rounding: not bit for bit, because V8 versions
    // differ in the last bit of Math.log/exp (Node 20 vs Chromium), which the Gaussian draws use
    const node = new Session(decoded.state);
    node.advance(601);
    const nodeRows = node.runs[0].rows;
    expect(nodeRows.length).toBe(rows.length);
    // last-bit changes of the data move the iterates by O(κ·ε) relative to ‖M*‖: compare |Δ rel_error| with 1e-12
    let worst = 0;
    for (let i = 0; i < rows.length; i++) worst = Math.max(worst, Math.abs(nodeRows[i].rel_error - rows[i].rel_error));
    process.stdout.write(`explorer vs Node: largest |Δ rel_error| over 601 iterations ${worst.toExponential(2)}\n`);
    expect(worst).toBeLessThan(1e-12);
    node.dispose();
    await other.close();
    await page.close();
  });

  it("explains impossible input inline and stops the run; a diverging step size stops with a message", async (ctx) => {
    if (skip) return ctx.skip();
    const page = await open("?problem.n=10&stop.maxIterations=100000");
    await until(page, (x) => x?.ready);
    await page.click("#play");
    await until(page, (x) => x.playing && x.t > 0);
    await page.locator('[data-path="model.k"]').fill("15");
    await page.locator('[data-path="model.k"]').press("Enter");
    await expect(page.locator('[data-msg="model.k"]').textContent()).resolves.toMatch(/k = 15 is larger than the matrix \(min\(n, n2\) = 10\)/);
    await until(page, (x) => x.invalid && !x.playing);
    // frames sent before the worker saw the pause may still arrive; after that nothing moves
    await page.waitForTimeout(500);
    const t = (await hook(page)).t;
    await page.waitForTimeout(500);
    expect((await hook(page)).t).toBe(t);
    await expect(page.textContent("#run-message")).resolves.toMatch(/Stopped: fix the configuration/);
    await page.locator('[data-path="model.k"]').fill("");
    await page.locator('[data-path="model.k"]').press("Enter");
    await page.locator('[data-path="operator.m"]').fill("12");
    await page.locator('[data-path="operator.m"]').press("Enter");
    await expect(page.locator('[data-msg="operator.m"]').textContent()).resolves.toMatch(/m = 12 measurements cannot identify a rank-2 PSD 10×10 matrix, which has 19 degrees of freedom/);
    await page.locator('[data-path="operator.m"]').fill("abc");
    await page.locator('[data-path="operator.m"]').press("Enter");
    await expect(page.locator('[data-msg="operator.m"]').textContent()).resolves.toMatch(/must be a number \(got "abc"\)/);
    await page.close();

    const div = await open("?method.stepSize=5");
    await until(div, (x) => x?.ready);
    await div.click("#play");
    const h = await until(div, (x) => x.runs[0]?.status === "diverged");
    expect(h.playing).toBe(false);
    await expect(div.textContent("#run-message")).resolves.toMatch(/Diverged: base at iteration \d+ .* reduce method\.stepSize/);
    await div.close();
  });

  it("opens a malformed shared URL with the defaults and a notice naming the bad parameter", async (ctx) => {
    if (skip) return ctx.skip();
    const page = await open("?problem.n=abc&model.k=2");
    await until(page, (x) => x?.ready);
    await expect(page.textContent('[data-notice="url"]')).resolves.toMatch(/defaults are shown — problem\.n: must be a number \(got "abc"\)/);
    expect(await page.inputValue('[data-path="problem.n"]')).toBe("");
    expect(await page.inputValue('[data-path="model.k"]')).toBe("");
    expect(new URL(page.url()).search).toBe("");
    await page.close();
    const unknown = await open("?colour=blue");
    await until(unknown, (x) => x?.ready);
    await expect(unknown.textContent('[data-notice="url"]')).resolves.toMatch(/unknown parameter "colour"/);
    await unknown.close();
  });

  it("exports the run command, the config JSON, the metrics CSV and the chart SVG", async (ctx) => {
    if (skip) return ctx.skip();
    const page = await open("?problem.n=8&problem.rank=1&t=30");
    await until(page, (x) => x?.ready && x.t === 30);
    await page.click("#copy-command");
    await expect(page.textContent("#command")).resolves.toBe("npx matsense run --set problem.n=8 --set problem.rank=1");
    const get = async (button: string) => {
      const [download] = await Promise.all([page.waitForEvent("download"), page.click(button)]);
      return fs.readFileSync((await download.path())!, "utf8");
    };
    const config = JSON.parse(await get("#download-config"));
    expect(config.problem).toMatchObject({ n: 8, rank: 1 });
    expect(config.matsense.backend).toBe("wasm-simd");
    const csv = (await get("#download-csv")).trim().split("\n");
    expect(csv[0]).toMatch(/^run,iteration,seconds,loss,abs_error,rel_error,sv_1$/);
    expect(csv.length).toBe(1 + 30);
    expect(await get("#download-svg")).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    await page.close();
  });

  it("measures iterations per second in the browser against Node for the same configurations (printed, not asserted)", async (ctx) => {
    if (skip) return ctx.skip();
    const configs: [string, ExplorerState][] = [
      ["n = 20, m = 400 (default)", { ...defaultState(), config: { stop: { maxIterations: 100000 } }, until: 3000 }],
      ["n = 40, m = 1200 (15 MB operator)", { ...defaultState(), config: { problem: { n: 40 }, operator: { m: 1200 }, stop: { maxIterations: 100000 } }, until: 600 }],
    ];
    const lines: string[] = [];
    // two rounds, browser and Node back to back, best of each: the machine is shared, so single timings are noisy
    for (const [name, st] of configs) {
      let browser = 0, node = 0, backends = "";
      for (let round = 0; round < 2; round++) {
        const page = await open(`?${stateToQuery(st)}`);
        const h = await until(page, (x) => x?.ready && x.t === st.until && !x.playing);
        await page.close();
        expect(h.itPerSec).toBeGreaterThan(0);
        browser = Math.max(browser, h.itPerSec);
        const s = new Session({ ...st, until: undefined });
        const t0 = performance.now();
        s.advance(st.until!);
        node = Math.max(node, st.until! / ((performance.now() - t0) / 1000));
        backends = `browser ${h.runs[0].backend}, Node ${s.runs[0].backend}`;
        s.dispose();
      }
      lines.push(`${name}: browser ${browser.toFixed(0)} it/s, Node ${node.toFixed(0)} it/s, Node/browser ${(node / browser).toFixed(2)}× (${backends})`);
    }
    process.stdout.write(`\nexplorer speed (same Session code and config; best of 2 interleaved rounds):\n  ${lines.join("\n  ")}\n`);
  });

  it("logged no console errors in any page", (ctx) => {
    if (skip) return ctx.skip();
    expect(consoleErrors).toEqual([]);
  });
});
