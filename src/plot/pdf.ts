import PDFDocument from "pdfkit";
import SVGtoPDF from "svg-to-pdfkit";
import { fontFiles } from "./png.js";

/**
 * Renders a figure's SVG to a vector PDF (pdfkit + svg-to-pdfkit), one page the size of
 * the SVG (1 SVG px = 1 pt), with the same bundled DejaVu Sans fonts as the PNG (embedded,
 * subset), so the PDF, the SVG and the PNG show the same figure. Deterministic: fixed
 * creation date and no random document id.
 */
export function svgToPdf(svg: string): Buffer {
  const m = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  const width = m ? Number(m[1]) : 600,
    height = m ? Number(m[2]) : 400;
  const doc = new PDFDocument({
    size: [width, height],
    margin: 0,
    autoFirstPage: true,
    info: { CreationDate: new Date(0), Producer: "matsense", Creator: "matsense" },
  });
  const [regular, bold, oblique] = fontFiles();
  doc.registerFont("DejaVu Sans", regular);
  doc.registerFont("DejaVu Sans Bold", bold);
  doc.registerFont("DejaVu Sans Oblique", oblique);
  SVGtoPDF(doc, svg, 0, 0, {
    width,
    height,
    assumePt: true,
    fontCallback: (_family: string, isBold: boolean, isItalic: boolean) => (isBold ? "DejaVu Sans Bold" : isItalic ? "DejaVu Sans Oblique" : "DejaVu Sans"),
  });
  doc.end();
  // pdfkit pushes the whole document into its (paused) stream buffer during end(): read it synchronously
  const chunks: Buffer[] = [];
  for (let c = doc.read() as Buffer | null; c !== null; c = doc.read() as Buffer | null) chunks.push(c);
  return Buffer.concat(chunks);
}
