import { decodeNpy } from "./npy.js";
import { requireNodeBuiltin } from "./node-builtins.js";

/**
 * Reading arrays that a config names by path (`problem.file`, `operator.file`,
 * `operator.yFile`, `init.dir`): relative paths are resolved against the current working
 * directory of the process (docs/inputs.md). Every error names the config field, the file
 * and the shape expected.
 */

/** An input file that is missing, unreadable or has the wrong shape. */
export class InputFileError extends Error {
  constructor(
    readonly field: string,
    readonly file: string,
    message: string,
  ) {
    super(`${field}: ${file}: ${message}`);
    this.name = "InputFileError";
  }
}

/** "20×30" for a shape. */
export function shapeText(shape: readonly (number | string)[]): string {
  return shape.length === 0 ? "a scalar" : shape.join("×");
}

/**
 * A .npy file as float64 values (float32 and int32 files are widened exactly), checked
 * against `expected` (a dimension given as null is free). Returns the data and the shape.
 */
export function readNpyFloat64(field: string, file: string, expected: readonly (number | null)[], meaning: string): { shape: number[]; data: Float64Array } {
  let bytes: Uint8Array;
  try {
    bytes = requireNodeBuiltin("node:fs", "reading a file").readFileSync(file);
  } catch (e) {
    throw new InputFileError(field, file, `cannot be read (${(e as Error).message}); expected a .npy file holding ${meaning}`);
  }
  let arr;
  try {
    arr = decodeNpy(bytes);
  } catch (e) {
    throw new InputFileError(field, file, `${(e as Error).message}; expected a .npy file holding ${meaning}`);
  }
  const want = expected.map((d, i) => d ?? `d${i + 1}`);
  const fits = arr.shape.length === expected.length && expected.every((d, i) => d === null || d === arr.shape[i]);
  if (!fits) throw new InputFileError(field, file, `holds a ${shapeText(arr.shape)} array; expected ${shapeText(want)} (${meaning})`);
  const data = arr.data instanceof Float64Array ? arr.data : Float64Array.from(arr.data);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new InputFileError(field, file, `entry ${i} (C order) is ${data[i]}; every entry must be finite`);
  }
  return { shape: arr.shape, data };
}
