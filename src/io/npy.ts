/**
 * The NumPy `.npy` format (version 1.0): magic "\x93NUMPY", version, a little-endian
 * uint16 header length, a Python-dict header padded with spaces and a newline so the data
 * starts at a multiple of 64 bytes, then the raw little-endian data in C order.
 */
export interface NpyArray {
  shape: number[];
  data: Float64Array | Float32Array | Int32Array;
}

/** The typed arrays the .npy reader and writer support, with their NumPy dtypes. */
export type NpyData = Float64Array | Float32Array | Int32Array;

function dtypeOf(data: NpyData): "<f8" | "<f4" | "<i4" {
  return data instanceof Float64Array ? "<f8" : data instanceof Float32Array ? "<f4" : "<i4";
}

/** The .npy header for a little-endian float64 (`<f8`), float32 (`<f4`) or int32 (`<i4`) array. */
export function npyHeader(shape: readonly number[], dtype: "<f8" | "<f4" | "<i4" = "<f8"): Uint8Array {
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  const pre = 10; // magic(6) + version(2) + len(2)
  const total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  dict = dict.padEnd(total - pre - 1, " ") + "\n";
  const out = new Uint8Array(total);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const len = total - pre;
  out[8] = len & 0xff;
  out[9] = len >> 8;
  for (let i = 0; i < dict.length; i++) out[pre + i] = dict.charCodeAt(i);
  return out;
}

function littleEndianBytes(data: NpyData): Uint8Array {
  // All supported platforms (x86-64, arm64) are little-endian; assert rather than assume.
  const probe = new Uint8Array(new Uint16Array([1]).buffer);
  if (probe[0] !== 1) throw new Error("big-endian platforms are not supported by the .npy writer");
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** The complete .npy file for an array (header and data chunks, to write in order). */
export function encodeNpy(shape: readonly number[], data: NpyData): Uint8Array[] {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`npy: shape [${shape.join(", ")}] has ${count} entries, data has ${data.length}`);
  return [npyHeader(shape, dtypeOf(data)), littleEndianBytes(data)];
}

/** Parses a .npy file holding a little-endian float64, float32 or int32 C-order array. */
export function decodeNpy(bytes: Uint8Array): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw new Error("not a .npy file (bad magic)");
  const major = bytes[6];
  const hlenBytes = major === 1 ? 2 : 4;
  const hlen = major === 1 ? bytes[8] | (bytes[9] << 8) : bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24);
  const start = 8 + hlenBytes;
  const header = new TextDecoder("latin1").decode(bytes.subarray(start, start + hlen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeStr = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeStr === undefined) throw new Error(`unparseable .npy header: ${header}`);
  if (fortran === "True") throw new Error(".npy arrays in Fortran order are not supported");
  const dims = shapeStr.split(",").map((s) => s.trim());
  // "(3,)" and "()" are valid; every dimension is a non-negative integer
  if (dims.slice(0, -1).some((d) => d === "") || dims.some((d) => d !== "" && !/^\d+$/.test(d)))
    throw new Error(`.npy header has an invalid shape (${shapeStr})`);
  const shape = dims.filter((d) => d.length).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(count)) throw new Error(`.npy shape (${shapeStr}) has too many entries`);
  const off = start + hlen;
  if (descr !== "<f8" && descr !== "<f4" && descr !== "<i4") throw new Error(`.npy dtype ${descr} is not supported (only <f8, <f4 and <i4)`);
  const nbytes = count * (descr === "<f8" ? 8 : 4);
  if (bytes.byteLength < off + nbytes) throw new Error(`.npy file is truncated: needs ${off + nbytes} bytes, has ${bytes.byteLength}`);
  // copy into a fresh, aligned buffer (a Node Buffer may be a view into a shared pool)
  const raw = new Uint8Array(nbytes);
  raw.set(bytes.subarray(off, off + nbytes));
  if (descr === "<f8") return { shape, data: new Float64Array(raw.buffer, 0, count) };
  if (descr === "<f4") return { shape, data: new Float32Array(raw.buffer, 0, count) };
  return { shape, data: new Int32Array(raw.buffer, 0, count) };
}
