import { createRequire } from "node:module";
import * as path from "node:path";
import { Resvg } from "@resvg/resvg-js";

const require = createRequire(import.meta.url);

/**
 * The TrueType files of DejaVu Sans from the `dejavu-fonts-ttf` npm package: the PNG
 * renderer loads only these (no system fonts), so text renders identically on a fresh
 * machine without any fonts installed.
 */
export function fontFiles(): string[] {
  const dir = path.join(path.dirname(require.resolve("dejavu-fonts-ttf/package.json")), "ttf");
  return ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf"].map((f) => path.join(dir, f));
}

/** Renders an SVG to PNG with resvg (scale 2: twice the SVG's pixel size, for print and high-DPI screens). */
export function svgToPng(svg: string, scale = 2): Buffer {
  const r = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    background: "white",
    font: { loadSystemFonts: false, fontFiles: fontFiles(), defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" },
  });
  return r.render().asPng();
}
