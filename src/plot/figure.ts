import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";

/**
 * Chart building blocks: panels drawn with Observable Plot on a server-side DOM
 * (linkedom), composed into one standalone SVG with a title, a legend and a caption.
 * Output is deterministic (fixed class names, no ids, no timestamps), so SVGs can be
 * snapshot-tested. Text uses the DejaVu Sans font shipped with the `dejavu-fonts-ttf`
 * package (see png.ts), so PNGs look the same on any machine.
 */

/** Font family written into every SVG. */
export const FONT_FAMILY = "DejaVu Sans";

/**
 * Series colors, assigned in order: the Okabe–Ito colour-blind-safe scheme (Okabe & Ito 2008,
 * distinguishable under deuteranopia, protanopia and tritanopia), its yellow moved last (weak
 * on white), then two greys.
 */
export const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442", "#777777", "#BBBBBB"];

/** Observable's 10-colour categorical scheme (the palette before 0.2; not colour-blind safe). */
export const OBSERVABLE_PALETTE = ["#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951", "#ff8ab7", "#a463f2", "#97bbf5", "#9c6b4e", "#9498a0"];

/** Dash patterns (SVG stroke-dasharray) told apart in print: solid, dashed, dotted, dash-dot. */
export const DASHES = ["", "6,4", "1.5,3", "8,3,1.5,3"];

/** Colour and dash pattern of closed-form theory lines (black, fine dots: apart from every data line style). */
export const THEORY_COLOR = "#222";
export const THEORY_DASH = "1.5,2.5";
/** Colour and dash pattern of anchored reference lines (c·t^p through chosen curves: grey, longer dots). */
export const REFERENCE_COLOR = "#888";
export const REFERENCE_DASH = "3,2.5";

/** Where the legend goes: above, right of or below the panels (always outside the plot areas), or none. */
export type LegendPosition = "top" | "right" | "bottom" | "none";

/** One line (optionally with a band and markers). */
export interface Series {
  label: string;
  x: number[];
  y: number[];
  /** Lower / upper edge of a shaded band (e.g. the 10% and 90% quantiles across seeds). */
  lo?: number[];
  hi?: number[];
  color?: string;
  dashed?: boolean;
  /** An explicit dash pattern (SVG stroke-dasharray, e.g. "1.5,3"); overrides `dashed`. */
  dash?: string;
  /** Draw dots at the points (e.g. for a handful of parameter values). */
  markers?: boolean;
  /** Omit from the legend. */
  noLegend?: boolean;
  /** Markers drawn as open circles (points shown but excluded from a fit). */
  hollow?: boolean;
  /** Markers only, no connecting line. */
  noLine?: boolean;
}

/** One panel: axes and series. */
export interface Panel {
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  xLog?: boolean;
  yLog?: boolean;
  series: Series[];
  /** Horizontal reference lines (dotted gray), e.g. the true singular values. */
  hLines?: number[];
  /** Explicit x ticks (e.g. the swept parameter values). */
  xTicks?: number[];
  /** Fixed axis ranges [lo, hi] (data outside is clipped); default: the data's range. */
  xDomain?: [number, number];
  yDomain?: [number, number];
}

/** A figure: panels side by side (wrapping after `columns`), one legend, a caption. */
export interface FigureSpec {
  title: string;
  panels: Panel[];
  caption?: string;
  /** Panel width and height in px (default 560 × 340). */
  panelWidth?: number;
  panelHeight?: number;
  /** Panels per row (default: min(panels, 3)). */
  columns?: number;
  /** Give every panel the same x and y ranges (default true; panels must share their scale types). */
  sharedAxes?: boolean;
  /** Legend position (default "auto": on top when it fits in two rows, else to the right). */
  legend?: LegendPosition | "auto";
  /** Total figure size in px (CSS px, 96 per inch): the panels are sized to fill it. */
  width?: number;
  height?: number;
  /** Series colours (default {@link PALETTE}). */
  palette?: string[];
}

/**
 * Typesets subscripts written with an underscore after a norm or a square — ‖X‖_F,
 * ‖·‖²_F, ‖x‖_2 — as real subscripts (an SVG tspan shifted down, 75 % size), and powers
 * written with a caret after a letter (α^slope) as superscripts, in every text node of an SVG.
 */
export function typesetSubscripts(svg: string): string {
  return svg.replace(
    />([^<]*)</g,
    (_, text: string) =>
      `>${text
        .replace(/(‖|²)_([A-Za-z0-9]+)/g, '$1<tspan baseline-shift="sub" font-size="75%">$2</tspan>')
        .replace(/([A-Za-zα-ωκ])\^([A-Za-z0-9]+)/g, '$1<tspan baseline-shift="super" font-size="75%">$2</tspan>')}<`,
  );
}

const SUPERSCRIPT: Record<string, string> = { "-": "⁻", "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹" };

/** 10ⁿ with a Unicode superscript exponent (1 and 10 for n = 0, 1). */
export function powerOfTen(n: number): string {
  if (n === 0) return "1";
  if (n === 1) return "10";
  return (
    "10" +
    String(n)
      .split("")
      .map((c) => SUPERSCRIPT[c] ?? c)
      .join("")
  );
}

/** Escapes text for SVG. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Powers of ten spanning [lo, hi] (thinned to at most ~8 ticks). */
export function decadeTicks(lo: number, hi: number): number[] {
  const a = Math.floor(Math.log10(lo)),
    b = Math.ceil(Math.log10(hi));
  const step = Math.max(1, Math.ceil((b - a + 1) / 8));
  const ticks: number[] = [];
  for (let e = a; e <= b; e += step) ticks.push(Math.pow(10, e));
  return ticks;
}

function extent(values: number[], log: boolean): [number, number] | undefined {
  let lo = Infinity,
    hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (log && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : undefined;
}

/**
 * A tick label of `v` with at most `digits` significant digits: 0.001 ≤ |v| < 10⁶ (and 0) in
 * decimal notation ("0.05", "2500"), smaller and larger values in exponent form ("1e-6",
 * "2.5e-7", "3e8"; JavaScript's String would write 0.000001 and 100000000).
 */
export function formatTick(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  const rounded = Number(v.toPrecision(digits));
  const a = Math.abs(rounded);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return rounded.toExponential().replace("e+", "e");
  return String(rounded);
}

/** Tick number format for linear axes: integers plainly, others with ≤ 3 significant digits. */
function linearTick(v: number): string {
  return Number.isInteger(v) && Math.abs(v) < 1e6 ? String(v) : formatTick(v);
}

function axisOptions(values: number[], log: boolean, label: string, fixDomain = false, domain?: [number, number]): Record<string, unknown> {
  const ext = domain ?? extent(values, log);
  const base: Record<string, unknown> = { label, grid: true, labelArrow: "none" };
  if (domain && !log) return { ...base, tickFormat: linearTick, domain };
  if (domain && Math.log10(domain[1] / domain[0]) >= 1) {
    const ticks = decadeTicks(domain[0], domain[1]).filter((t) => t >= domain[0] * (1 - 1e-9) && t <= domain[1] * (1 + 1e-9));
    return { ...base, type: "log", domain, ticks, tickFormat: (v: number) => powerOfTen(Math.round(Math.log10(v))) };
  }
  if (domain) return { ...base, type: "log", domain, tickFormat: (v: number) => formatTick(v, 2) };
  if (!log) return { ...base, tickFormat: linearTick, ...(fixDomain && ext ? { domain: ext } : {}) };
  if (!ext) return { ...base, type: "log" };
  let [lo, hi] = ext;
  if (lo === hi) {
    lo /= 10;
    hi *= 10;
  }
  const decades = Math.log10(hi / lo);
  if (decades >= 1) {
    return {
      ...base,
      type: "log",
      domain: [Math.pow(10, Math.floor(Math.log10(lo))), Math.pow(10, Math.ceil(Math.log10(hi)))],
      ticks: decadeTicks(lo, hi),
      tickFormat: (v: number) => powerOfTen(Math.round(Math.log10(v))),
    };
  }
  return { ...base, type: "log", domain: [lo, hi], tickFormat: (v: number) => formatTick(v, 2) };
}

/** A log-axis domain 10 % wider (in log) than the ticks, so the end labels are not cut. */
function padDomain(ticks: number[]): [number, number] {
  const pos = ticks.filter((t) => t > 0);
  const lo = Math.min(...pos),
    hi = Math.max(...pos);
  const pad = Math.pow(hi / lo, 0.05) || 1.1;
  return [lo / pad, hi * pad];
}

/** Renders one panel with Observable Plot and returns its inner SVG (without xmlns). */
export function renderPanel(panel: Panel, width: number, height: number, shared?: { x: number[]; y: number[] }, palette: string[] = PALETTE): string {
  const { document } = parseHTML("<!DOCTYPE html><html><body></body></html>");
  const keep = (x: number, y: number) => Number.isFinite(x) && Number.isFinite(y) && (!panel.xLog || x > 0) && (!panel.yLog || y > 0);
  const marks: unknown[] = [];
  const allX: number[] = [],
    allY: number[] = [];
  panel.series.forEach((s, si) => {
    const color = s.color ?? palette[si % palette.length];
    const dash = s.dash ?? (s.dashed ? "6,4" : "");
    const clip = !!(panel.xDomain || panel.yDomain);
    const pts = s.x.map((x, i) => ({ x, y: s.y[i] })).filter((p) => keep(p.x, p.y));
    for (const p of pts) {
      allX.push(p.x);
      allY.push(p.y);
    }
    if (s.lo && s.hi) {
      const band = s.x.map((x, i) => ({ x, lo: s.lo![i], hi: s.hi![i] })).filter((p) => keep(p.x, p.lo) && keep(p.x, p.hi));
      for (const p of band) allY.push(p.lo, p.hi);
      if (band.length) marks.push(Plot.areaY(band, { x: "x", y1: "lo", y2: "hi", fill: color, fillOpacity: 0.18, clip }));
    }
    if (pts.length) {
      if (!s.noLine) marks.push(Plot.line(pts, { x: "x", y: "y", stroke: color, strokeWidth: 1.8, clip, ...(dash ? { strokeDasharray: dash } : {}) }));
      if (s.markers) {
        const dot = s.hollow ? { fill: "white", stroke: color, strokeWidth: 1.5, r: 4 } : { fill: color, r: 3.5 };
        marks.push(Plot.dot(pts, { x: "x", y: "y", ...dot, clip }));
      }
    }
  });
  for (const h of panel.hLines ?? []) {
    if (keep(1, h)) {
      allY.push(h);
      marks.push(Plot.ruleY([h], { stroke: "#777", strokeDasharray: "2,3", strokeWidth: 1 }));
    }
  }
  if (allX.length === 0) marks.push(Plot.text(["no data"], { frameAnchor: "middle", fontSize: 14 }));
  else if (shared) {
    for (const v of shared.x) allX.push(v);
    for (const v of shared.y) allY.push(v);
  }
  const svg = Plot.plot({
    document: document as unknown as Plot.PlotOptions["document"],
    className: "ms-plot",
    width,
    height,
    marginLeft: 62,
    marginRight: 30,
    marginTop: 18,
    marginBottom: 42,
    style: { fontSize: "11px", fontFamily: FONT_FAMILY, background: "white" },
    x: panel.xTicks
      ? {
          ...axisOptions(allX, !!panel.xLog, panel.xLabel),
          ticks: panel.xTicks,
          tickFormat: (v: number) => formatTick(v),
          ...(panel.xDomain ? { domain: panel.xDomain } : panel.xLog ? { domain: padDomain(panel.xTicks) } : {}),
        }
      : axisOptions(allX, !!panel.xLog, panel.xLabel, !!shared, panel.xDomain),
    y: axisOptions(allY, !!panel.yLog, panel.yLabel, !!shared, panel.yDomain),
    marks: marks as Plot.Markish[],
  }) as unknown as { outerHTML: string };
  return svg.outerHTML;
}

/** The x and y values of every panel (with their bands and reference lines), pooled so that all panels get the same ranges. */
function sharedExtents(panels: Panel[]): { x: number[]; y: number[] } {
  const x: number[] = [],
    y: number[] = [];
  for (const p of panels) {
    const ok = (a: number, log?: boolean) => Number.isFinite(a) && (!log || a > 0);
    for (const s of p.series) {
      s.x.forEach((xv, i) => {
        if (!ok(xv, p.xLog)) return;
        for (const yv of [s.y[i], s.lo?.[i], s.hi?.[i]]) {
          if (yv !== undefined && ok(yv, p.yLog)) {
            x.push(xv);
            y.push(yv);
          }
        }
      });
    }
    for (const h of p.hLines ?? []) if (ok(h, p.yLog)) y.push(h);
  }
  return { x, y };
}

/** Splits text into lines of at most `width` characters (at spaces). */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const para of text.split("\n")) {
    let line = "";
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
  }
  return lines;
}

/** One legend entry: the line sample (dash, markers) and the label. */
function legendEntry(s: Series & { color: string }, x: number, y: number): string {
  const dash = s.dash ?? (s.dashed ? "6,4" : "");
  const dashAttr = dash ? ` stroke-dasharray="${dash}"` : "";
  const line = `<line x1="${x}" y1="${y - 4}" x2="${x + 26}" y2="${y - 4}" stroke="${s.color}" stroke-width="2.5"${dashAttr}/>`;
  const dot = s.hollow
    ? `<circle cx="${x + 13}" cy="${y - 4}" r="4" fill="white" stroke="${s.color}" stroke-width="1.5"/>`
    : `<circle cx="${x + 13}" cy="${y - 4}" r="3.5" fill="${s.color}"/>`;
  return (s.noLine ? "" : line) + (s.markers ? dot : "") + `<text x="${x + 32}" y="${y}" font-size="12" fill="#222">${escapeXml(s.label)}</text>`;
}

/** Approximate width in px of a 12 px DejaVu Sans label. */
const labelWidth = (label: string) => label.length * 7;

/** Legend entries laid out in rows across `width` px starting at (x0, y0): the SVG and the height used. */
function legendRows(legend: (Series & { color: string })[], x0: number, y0: number, width: number): { svg: string; height: number; rows: number } {
  let x = x0,
    ly = y0 + 12,
    rows = 1;
  const parts: string[] = [];
  for (const s of legend) {
    const w = 34 + labelWidth(s.label) + 18;
    if (x + w > x0 + width && x > x0) {
      x = x0;
      ly += 20;
      rows++;
    }
    parts.push(legendEntry(s, x, ly));
    x += w;
  }
  return { svg: parts.join(""), height: ly + 14 - y0, rows };
}

/** The unique legend entries of a figure (label order of first appearance). */
function legendOf(spec: FigureSpec, palette: string[]): (Series & { color: string })[] {
  const seen = new Map<string, Series & { color: string }>();
  for (const p of spec.panels) {
    p.series.forEach((s, si) => {
      if (!s.noLegend && !seen.has(s.label)) seen.set(s.label, { ...s, color: s.color ?? palette[si % palette.length] });
    });
  }
  return [...seen.values()];
}

/** Legend column to the right of the panels: width of the longest label (wrapped at 44 characters). */
const RIGHT_LEGEND_CHARS = 30;

/**
 * Composes a standalone SVG: title, panels (Observable Plot), a legend of the series
 * labels (from the first panel that has each label) outside the plot areas — on top when
 * it fits in two rows, else in a column to the right (`legend` chooses) — and the caption.
 * With `width`/`height` the panels are sized so the whole figure has that size.
 */
export function renderFigure(spec: FigureSpec): string {
  const palette = spec.palette ?? PALETTE;
  const cols = Math.max(1, Math.min(spec.columns ?? 3, spec.panels.length));
  const rows = Math.ceil(spec.panels.length / cols);
  const pad = 16;
  const legend = legendOf(spec, palette);
  let position: LegendPosition = spec.legend && spec.legend !== "auto" ? spec.legend : "top";
  if (legend.length === 0) position = "none";
  const rightWidth = (labels: string[]) => 42 + Math.max(...labels.flatMap((l) => wrapText(l, RIGHT_LEGEND_CHARS)).map(labelWidth));
  let pw = spec.panelWidth ?? 560;
  const fit = (p: LegendPosition) => (p === "right" && legend.length ? rightWidth(legend.map((s) => s.label)) + 12 : 0);
  if (spec.width) pw = Math.max(120, Math.floor((spec.width - 2 * pad - fit(position)) / cols));
  if (spec.legend === undefined || spec.legend === "auto") {
    if (position === "top" && legendRows(legend, pad, 0, cols * pw).rows > 2) {
      position = "right";
      if (spec.width) pw = Math.max(120, Math.floor((spec.width - 2 * pad - fit(position)) / cols));
    }
  }
  const compose = (ph: number): { svg: string; overhead: number } => {
    const hasSub = spec.panels.some((p) => p.subtitle);
    const cellH = ph + (hasSub ? 20 : 0);
    const legendW = fit(position);
    const width = spec.width ?? pad * 2 + cols * pw + legendW;
    const titleLines = wrapText(spec.title, Math.floor((width - 2 * pad) / 10.2)); // bold 16 px DejaVu Sans: ≈ 10 px per character
    let y = pad + 6;
    const parts: string[] = [];
    for (const line of titleLines) {
      y += 20;
      parts.push(`<text x="${pad}" y="${y}" font-size="16" font-weight="bold" fill="#111">${escapeXml(line)}</text>`);
    }
    y += 10;
    if (position === "top") {
      const l = legendRows(legend, pad, y, width - 2 * pad);
      parts.push(l.svg);
      y += l.height;
    }
    const shared = spec.panels.length > 1 && spec.sharedAxes !== false ? sharedExtents(spec.panels) : undefined;
    spec.panels.forEach((p, i) => {
      const cx = pad + (i % cols) * pw;
      const cy = y + Math.floor(i / cols) * cellH;
      if (p.subtitle) parts.push(`<text x="${cx + pw / 2}" y="${cy + 14}" font-size="13" text-anchor="middle" fill="#222">${escapeXml(p.subtitle)}</text>`);
      parts.push(renderPanel(p, pw, ph, shared, palette).replace(/^<svg /, `<svg x="${cx}" y="${cy + (hasSub ? 20 : 0)}" `));
    });
    if (position === "right") {
      let ly = y + (hasSub ? 20 : 0) + 20;
      const lx = pad + cols * pw + 12;
      for (const s of legend) {
        const lines = wrapText(s.label, RIGHT_LEGEND_CHARS);
        parts.push(legendEntry({ ...s, label: lines[0] }, lx, ly));
        for (const more of lines.slice(1)) {
          ly += 15;
          parts.push(`<text x="${lx + 32}" y="${ly}" font-size="12" fill="#222">${escapeXml(more)}</text>`);
        }
        ly += 20;
      }
      y = Math.max(y + rows * cellH, ly - 14);
    } else y += rows * cellH;
    y += 8;
    if (position === "bottom") {
      const l = legendRows(legend, pad, y, width - 2 * pad);
      parts.push(l.svg);
      y += l.height;
    }
    if (spec.caption) {
      for (const line of wrapText(spec.caption, Math.floor((width - 2 * pad) / 6.3))) {
        y += 15;
        parts.push(`<text x="${pad}" y="${y}" font-size="11" fill="#444">${escapeXml(line)}</text>`);
      }
    }
    const height = spec.height ?? y + pad;
    const svg = typesetSubscripts(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
        `font-family="${FONT_FAMILY}" color="#222">` +
        `<rect width="100%" height="100%" fill="white"/>` +
        parts.join("") +
        `</svg>\n`,
    );
    return { svg, overhead: y + pad - rows * ph };
  };
  const ph = spec.panelHeight ?? 340;
  if (!spec.height) return compose(ph).svg;
  // the panel height that fills the requested height: everything else (title, legend, caption) does not depend on it
  const { overhead } = compose(ph);
  const fitted = Math.floor((spec.height - overhead) / rows);
  if (fitted < 80) {
    throw new RangeError(`a figure of height ${spec.height} px leaves ${fitted} px per panel row after the title, legend and caption; give a larger height`);
  }
  return compose(fitted).svg;
}
