/**
 * Chart helpers shared by the explorer's live views and its viewer mode: tick labels in
 * scientific notation, and a legend drawn in the chart's right margin (outside the plot
 * area, inside the SVG so a downloaded chart is self-contained). Pure module.
 */

/**
 * A tick label: plain decimals from 0.01 to 10⁴ ("0.1", "20"), scientific notation
 * otherwise ("1e-4", "2.5e-7", "1e+6" as "1e6"); never SI prefixes ("100µ").
 */
export function sciTick(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e-2 && a < 1e4) return String(Number(v.toPrecision(3)));
  const [m, e] = v.toExponential().split("e");
  return `${Number(Number(m).toPrecision(3))}e${e.replace("+", "")}`;
}

export interface LegendEntry {
  text: string;
  color: string;
  /** Dashed (a theory curve) rather than solid. */
  dashed?: boolean;
}

/** Width of the right margin (px) that holds a legend of these entries at ~11 px text. */
export function legendMargin(entries: LegendEntry[], min = 20): number {
  if (!entries.length) return min;
  const longest = Math.max(...entries.map((e) => e.text.length));
  return Math.min(320, Math.max(min, 28 + Math.ceil(6.4 * longest)));
}

/** The text of a legend line: a solid or dashed swatch, then the label. */
export function legendLine(e: LegendEntry): string {
  return `${e.dashed ? "╌╌" : "━━"} ${e.text}`;
}
