import { csvParseRows } from "d3-dsv";
import { InputFileError, readNpyFloat64 } from "./arrays.js";
import { requireNodeBuiltin } from "./node-builtins.js";

/** Observed entries (i, j, value), 0-based, in the order of the file. */
export interface ObservedEntries {
  rows: Int32Array;
  cols: Int32Array;
  values: Float64Array;
}

/**
 * Reads observed entries of an n1 × n2 matrix from a .npy file (N × 3 array of rows
 * (i, j, value)) or a CSV file (one `i,j,value` row per entry; a first row that is not
 * three numbers is a header and skipped; parsed with d3-dsv). `indexBase` says whether i and
 * j count from 0 or from 1. Indices must be integers in range and no entry may appear twice;
 * values must be finite. Every error names the field, the file, the entry and what is allowed.
 */
export function readObservedEntries(field: string, file: string, n1: number, n2: number, indexBase: 0 | 1): ObservedEntries {
  let triples: Float64Array;
  let where: (e: number) => string;
  if (/\.npy$/i.test(file)) {
    triples = readNpyFloat64(field, file, [null, 3], "observed entries as rows (i, j, value)").data;
    where = (e) => `row ${e} of the array`;
  } else {
    let text: string;
    try {
      text = requireNodeBuiltin("node:fs", "reading a file").readFileSync(file, "utf8");
    } catch (e) {
      throw new InputFileError(field, file, `cannot be read (${(e as Error).message}); expected a CSV of i,j,value rows or a .npy N×3 array`);
    }
    const rows = csvParseRows(text).filter((r) => r.length > 1 || (r[0] ?? "").trim() !== "");
    const isNumber = (s: string | undefined) => s !== undefined && s.trim() !== "" && Number.isFinite(Number(s));
    const header = rows.length > 0 && !rows[0].slice(0, 3).every(isNumber) ? 1 : 0;
    triples = new Float64Array(3 * (rows.length - header));
    for (let e = header; e < rows.length; e++) {
      const r = rows[e];
      if (r.length !== 3 || !r.every(isNumber))
        throw new InputFileError(field, file, `line ${e + 1} is ${JSON.stringify(r.join(","))}; expected three ` + `numbers i,j,value`);
      for (let c = 0; c < 3; c++) triples[3 * (e - header) + c] = Number(r[c]);
    }
    where = (e) => `line ${e + 1 + header}`;
  }
  const N = triples.length / 3;
  if (N === 0) throw new InputFileError(field, file, "holds no entries");
  const out: ObservedEntries = { rows: new Int32Array(N), cols: new Int32Array(N), values: new Float64Array(N) };
  const seen = new Set<number>();
  for (let e = 0; e < N; e++) {
    const i = triples[3 * e] - indexBase,
      j = triples[3 * e + 1] - indexBase,
      v = triples[3 * e + 2];
    if (!Number.isInteger(i) || i < 0 || i >= n1 || !Number.isInteger(j) || j < 0 || j >= n2) {
      throw new InputFileError(
        field,
        file,
        `${where(e)}: (i, j) = (${triples[3 * e]}, ${triples[3 * e + 1]}) is not an entry of the ${n1}×${n2} matrix ` +
          `(problem.n × problem.n2, ${indexBase}-based: i in ${indexBase}..${n1 - 1 + indexBase}, j in ${indexBase}..${n2 - 1 + indexBase})`,
      );
    }
    if (!Number.isFinite(v)) throw new InputFileError(field, file, `${where(e)}: value ${v} is not finite`);
    const key = i * n2 + j;
    if (seen.has(key)) throw new InputFileError(field, file, `${where(e)}: entry (${triples[3 * e]}, ${triples[3 * e + 1]}) appears twice`);
    seen.add(key);
    out.rows[e] = i;
    out.cols[e] = j;
    out.values[e] = v;
  }
  return out;
}
