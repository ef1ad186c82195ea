/**
 * The natural logarithm as a fixed algorithm, so that the seeded draws give the same bits
 * in every JavaScript engine: a faithful port of fdlibm's `__ieee754_log` (Sun
 * Microsystems, 1993; the algorithm V8 has used for `Math.log`). `Math.log` is not
 * specified to the last bit and engines differ in it (Chromium's V8 and Node's did), which
 * changed every Gaussian draw's last bit between the browser and the CLI.
 *
 * Method (fdlibm): write x = 2ᵏ·(1 + f) with √2/2 < 1 + f < √2, s = f / (2 + f), then
 * log(1 + f) = f − s·(f − R(z)), z = s², where R is a degree-14 minimax polynomial in s
 * (evaluated as odd/even halves in z·z), and log(x) = k·ln2_hi + (f − (hfsq − (s·(hfsq + R) + k·ln2_lo))).
 * Error < 1 ulp. Pure double arithmetic (no FMA in JavaScript), so every engine computes the
 * same value.
 */

const ln2Hi = 6.9314718036912381649e-1; // 3fe62e42 fee00000
const ln2Lo = 1.90821492927058770002e-10; // 3dea39ef 35793c76
const two54 = 1.8014398509481984e16; // 43500000 00000000
const Lg1 = 6.66666666666673513e-1; // 3FE55555 55555593
const Lg2 = 3.999999999940941908e-1; // 3FD99999 9997FA04
const Lg3 = 2.857142874366239149e-1; // 3FD24924 94229359
const Lg4 = 2.222219843214978396e-1; // 3FCC71C5 1D8E78AF
const Lg5 = 1.818357216161805012e-1; // 3FC74664 96CB03DE
const Lg6 = 1.531383769920937332e-1; // 3FC39A09 D078C69F
const Lg7 = 1.479819860511658591e-1; // 3FC2F112 DF3E5244

// the two 32-bit words of a double, through one shared buffer (no allocation per call)
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = littleEndian ? 1 : 0;
const LO = littleEndian ? 0 : 1;

/**
 * ln x by fdlibm's `__ieee754_log`: the same bits in every engine. log(±0) = −∞,
 * log(x < 0) = NaN, log(+∞) = +∞, log(NaN) = NaN.
 */
export function fdlibmLog(x: number): number {
  f64[0] = x;
  let hx = u32[HI] | 0;
  const lx = u32[LO];
  let k = 0;
  if (hx < 0x00100000) {
    // x < 2⁻¹⁰²²: zero, negative or subnormal
    if (((hx & 0x7fffffff) | lx) === 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54;
    x *= two54; // scale a subnormal up
    f64[0] = x;
    hx = u32[HI] | 0;
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i0 = (hx + 0x95f64) & 0x100000;
  u32[HI] = hx | (i0 ^ 0x3ff00000); // normalize x or x/2
  x = f64[0];
  k += i0 >> 20;
  const f = x - 1.0;
  if ((0x000fffff & (2 + hx)) < 3) {
    // |f| < 2⁻²⁰
    if (f === 0) {
      if (k === 0) return 0;
      return k * ln2Hi + k * ln2Lo;
    }
    const R0 = f * f * (0.5 - 0.33333333333333333 * f);
    if (k === 0) return f - R0;
    return k * ln2Hi - (R0 - k * ln2Lo - f);
  }
  const s = f / (2.0 + f);
  const dk = k;
  const z = s * s;
  let i = hx - 0x6147a;
  const w = z * z;
  const j = 0x6b851 - hx;
  const t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  const t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  i |= j;
  const R = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    if (k === 0) return f - (hfsq - s * (hfsq + R));
    return dk * ln2Hi - (hfsq - (s * (hfsq + R) + dk * ln2Lo) - f);
  }
  if (k === 0) return f - s * (f - R);
  return dk * ln2Hi - (s * (f - R) - dk * ln2Lo - f);
}

/**
 * ln(1 + x) by fdlibm's `log1p` (as in V8's ieee754::log1p): the same bits in every engine.
 * Method: 1 + x = 2ᵏ·(1 + f) with √2/2 < 1 + f < √2 and a correction c for the rounding of
 * 1 + x, then log(1 + f) as in {@link fdlibmLog} (s = f/(2 + f), R(z) a degree-14 minimax
 * polynomial); log1p(x) = k·ln2_hi − ((hfsq − (s·(hfsq + R) + (k·ln2_lo + c))) − f). Error < 1 ulp.
 * log1p(−1) = −∞, log1p(x < −1) = NaN.
 */
export function fdlibmLog1p(x: number): number {
  f64[0] = x;
  const hx = u32[HI] | 0;
  const ax = hx & 0x7fffffff;
  let k = 1;
  let f = 0;
  let c = 0;
  let hu = 0;
  if (hx < 0x3fda827a) {
    // 1 + x < √2
    if (ax >= 0x3ff00000) return x === -1 ? -Infinity : NaN; // x ≤ −1
    if (ax < 0x3e200000) {
      // |x| < 2⁻²⁹
      if (ax < 0x3c900000) return x; // |x| < 2⁻⁵⁴
      return x - x * x * 0.5;
    }
    if (hx > 0 || hx <= (0xbfd2bec4 | 0)) {
      // −0.2929 < x < 0.41422
      k = 0;
      f = x;
      hu = 1;
    }
  }
  if (hx >= 0x7ff00000) return x + x;
  if (k !== 0) {
    let u: number;
    if (hx < 0x43400000) {
      u = 1.0 + x;
      f64[0] = u;
      hu = u32[HI] | 0;
      k = (hu >> 20) - 1023;
      c = k > 0 ? 1.0 - (u - x) : x - (u - 1.0); // correction term
      c /= u;
    } else {
      u = x;
      f64[0] = u;
      hu = u32[HI] | 0;
      k = (hu >> 20) - 1023;
      c = 0;
    }
    hu &= 0x000fffff;
    f64[0] = u;
    if (hu < 0x6a09e) {
      u32[HI] = hu | 0x3ff00000; // normalize u
    } else {
      k += 1;
      u32[HI] = hu | 0x3fe00000; // normalize u/2
      hu = (0x00100000 - hu) >> 2;
    }
    u = f64[0];
    f = u - 1.0;
  }
  const hfsq = 0.5 * f * f;
  if (hu === 0) {
    // |f| < 2⁻²⁰
    if (f === 0) {
      if (k === 0) return 0;
      c += k * ln2Lo;
      return k * ln2Hi + c;
    }
    const R0 = hfsq * (1.0 - 0.66666666666666666 * f);
    if (k === 0) return f - R0;
    return k * ln2Hi - (R0 - (k * ln2Lo + c) - f);
  }
  const s = f / (2.0 + f);
  const z = s * s;
  // fdlibm's Lp1…Lp7 of log1p are the same coefficients as Lg1…Lg7 of log
  const R = z * (Lg1 + z * (Lg2 + z * (Lg3 + z * (Lg4 + z * (Lg5 + z * (Lg6 + z * Lg7))))));
  if (k === 0) return f - (hfsq - s * (hfsq + R));
  return k * ln2Hi - (hfsq - (s * (hfsq + R) + (k * ln2Lo + c)) - f);
}
