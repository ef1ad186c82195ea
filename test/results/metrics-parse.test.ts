/**
 * parseMetricsCsv reads the text matsense writes line by line (issue 25.5: the rows of a long
 * run are not all held as strings). It must read every file exactly as d3-dsv's row parser
 * did: the same table, or the same error naming the same line.
 */
import { csvParseRows } from "d3-dsv";
import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DamagedFileError, parseCsvNumber, parseMetricsCsv, readMetricsFile } from "../../src/results/validate.js";

/** The parser before: every row as strings first (d3-dsv), then the same checks. */
function reference(text: string): unknown {
  try {
    if (text.length === 0 || !text.endsWith("\n")) return parseMetricsCsv(text);
    const records = csvParseRows(text);
    const columns = records[0] ?? [];
    if (columns.length === 0 || columns.some((c) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(c))) throw new DamagedFileError("header");
    if (new Set(columns).size !== columns.length) throw new DamagedFileError("repeated");
    const data: Record<string, number[]> = Object.fromEntries(columns.map((c) => [c, [] as number[]]));
    for (let r = 1; r < records.length; r++) {
      if (records[r].length !== columns.length) throw new DamagedFileError(`line ${r + 1} cells`);
      records[r].forEach((cell, i) => {
        if (!/^(-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|nan|inf|-inf|)$/.test(cell)) throw new DamagedFileError(`line ${r + 1} number`);
        data[columns[i]].push(parseCsvNumber(cell));
      });
    }
    return { columns, data, rows: records.length - 1 };
  } catch (e) {
    return `error at ${/line \d+/.exec((e as Error).message)?.[0] ?? "header"}`;
  }
}

function parsed(text: string): unknown {
  try {
    return parseMetricsCsv(text);
  } catch (e) {
    return `error at ${/line \d+/.exec((e as Error).message)?.[0] ?? "header"}`;
  }
}

/** The same text read from a file line by line (what inspectRunFolder does above 64 MiB). */
function streamed(text: string): unknown {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "matsense-parse-")), "metrics.csv");
  fs.writeFileSync(file, text);
  try {
    return readMetricsFile(file);
  } catch (e) {
    return `error at ${/line \d+/.exec((e as Error).message)?.[0] ?? "header"}`;
  }
}

describe("parseMetricsCsv", () => {
  const texts = [
    "iteration,loss\n0,1.5\n1,nan\n2,-inf\n",
    "iteration,loss\n0,1\n\n1,2\n", // an empty line
    "iteration,loss\n0,1\n1\n", // a short row
    "iteration,loss\n0,1,2\n", // a long row
    "iteration,loss\n0,x\n", // not a number
    "iteration,loss\n0,\n", // an empty cell
    "iteration,loss\r\n0,1\r\n1,2\r\n", // Windows line ends (read as d3-dsv reads them)
    'iteration,loss\n0,"1"\n', // a quoted cell
    "\n",
    "iteration,iteration\n0,0\n",
    "1teration\n0\n",
    "iteration,loss\n",
    "iteration,loss\n0,1", // cut mid-write
    "",
  ];
  for (const t of texts) {
    it(`reads ${JSON.stringify(t).slice(0, 40)} as the row-by-row parser did, from text and streamed from a file`, () => {
      expect(parsed(t)).toEqual(reference(t));
      // quoted cells are not split by the streamed reader (matsense never writes them): it may only refuse more
      if (!t.includes('"')) expect(streamed(t)).toEqual(reference(t));
    });
  }

  it("a long run's 10⁵ rows give the numbers written, exactly", () => {
    const values = Array.from({ length: 100_000 }, (_, i) => Math.exp(-i / 3e4) * (1 + 1e-9 * i));
    const text = "iteration,rel_error\n" + values.map((v, i) => `${i},${v}`).join("\n") + "\n";
    const t = parseMetricsCsv(text);
    expect(t.rows).toBe(100_000);
    expect(t.data.rel_error).toEqual(values);
    expect(t).toEqual(reference(text));
    expect(streamed(text)).toEqual(t);
  });
});
