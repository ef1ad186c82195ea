import { describe, expect, it } from "vitest";
import { decodeNpy, encodeNpy, npyHeader } from "../../src/io/npy.js";

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((a, c) => a + c.byteLength, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}

describe(".npy files", () => {
  it("have a 64-byte aligned v1.0 header with the NumPy dict", () => {
    const h = npyHeader([3, 4, 5]);
    expect(h.byteLength % 64).toBe(0);
    const text = new TextDecoder("latin1").decode(h.subarray(10));
    expect(text).toMatch(/^\{'descr': '<f8', 'fortran_order': False, 'shape': \(3, 4, 5\), \}\s*\n$/);
    expect(h[8] | (h[9] << 8)).toBe(h.byteLength - 10);
    expect(new TextDecoder("latin1").decode(npyHeader([7]))).toContain("'shape': (7,)");
  });

  it("round-trip float64 and float32 arrays exactly", () => {
    const d = Float64Array.from({ length: 24 }, (_, i) => Math.sin(i) * 1e-300 + i);
    const back = decodeNpy(concat(encodeNpy([2, 3, 4], d)));
    expect(back.shape).toEqual([2, 3, 4]);
    expect(Array.from(back.data)).toEqual(Array.from(d));
    const f = Float32Array.from([1.5, -2.25, 3]);
    const b32 = decodeNpy(concat(encodeNpy([3], f)));
    expect(b32.data).toBeInstanceOf(Float32Array);
    expect(Array.from(b32.data)).toEqual([1.5, -2.25, 3]);
  });

  it("round-trip int32 arrays as <i4", () => {
    const d = Int32Array.from([0, -1, 2 ** 31 - 1, -(2 ** 31), 7, 8]);
    const enc = concat(encodeNpy([3, 2], d));
    expect(new TextDecoder("latin1").decode(enc.subarray(10, 60))).toContain("'descr': '<i4'");
    const back = decodeNpy(enc);
    expect(back.data).toBeInstanceOf(Int32Array);
    expect(Array.from(back.data)).toEqual(Array.from(d));
  });

  it("reject a shape that does not match the data", () => {
    expect(() => encodeNpy([2, 2], new Float64Array(3))).toThrow(/4 entries/);
  });
});
