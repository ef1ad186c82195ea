// WASM SIMD kernels for the matsense hot loop (AssemblyScript → wasm32 + simd + threads).
//
// The module owns no memory of its own: it imports a (shared) memory from `env.memory` and
// every kernel takes byte offsets into it, so the stored operator stays resident in WASM
// memory and worker threads can run the same kernels on disjoint row/column ranges of the
// same matrix. Matrices are row-major; accumulation is always in float64 (float32 entries
// are widened with f64x2.promote_low before the multiply).
//
// Summation order (documented because the threaded and reference results depend on it):
// - gemv: row i has two f64x2 accumulators (see gemv<T>). Rows are processed 4 at a time (independent chains), but every row's
//   arithmetic is the same whether it sits in a 4-block or not, so any split of the rows
//   between threads gives bitwise the same y.
// - gemvT: rows in blocks of 4 from row 0: y[j] += ((a0j z0 + a1j z1) + (a2j z2 + a3j z3)),
//   then the leftover rows one by one, independently per column, so any split of the
//   columns between threads gives bitwise the same y.
// - fused (residual + transpose product in one pass): r exactly as gemv; Aᵀr summed per
//   fixed row partition (FUSED_PARTS of them, whatever the thread count) and the partitions
//   added in a fixed order by the caller, so 1 and 2 threads give bitwise the same result.

// ---- multiply-add of the dense kernels: unfused by default, fused in the relaxed build ------
// RELAXED is a compile-time constant (`use: RELAXED=0|1` in asconfig.json). The "release"
// target (RELAXED=0) computes madd(a, b, c) = c + a·b with two roundings, exactly the
// arithmetic the kernels had before madd existed. The "relaxed" target (RELAXED=1, module
// kernels-relaxed.wasm, backend "wasm-relaxed") uses f64x2.relaxed_madd, which the engine
// may evaluate with one rounding (FMA) or two, depending on the processor: its results
// differ from the default build in the last bits and are deterministic only on one machine.

/** c + a·b per lane (two roundings; one rounding where RELAXED and the engine fuses). */
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (RELAXED) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(c, f64x2.mul(a, b));
}

// ---- element access for float64 (T = f64) and float32 (T = f32) entries ------------------

/** Entries p[0], p[1] widened to f64x2. */
// @ts-ignore: decorator
@inline function pair<T>(p: usize): v128 {
  if (sizeof<T>() == 8) return v128.load(p);
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/** Entry p[0] as f64. */
// @ts-ignore: decorator
@inline function elem<T>(p: usize): f64 {
  return <f64>load<T>(p);
}

// ---- y[r0..r1) = A[r0..r1, :] · x ------------------------------------------------------
// Row i: two f64x2 accumulators s (columns 4q, 4q+1) and t (4q+2, 4q+3); a leftover column
// pair goes into s; then u = s + t, the two lanes are added, then the odd last column.
// @ts-ignore: decorator
@inline function gemv<T>(a: usize, x: usize, y: usize, cols: i32, r0: i32, r1: i32): void {
  const es = <usize>sizeof<T>();
  const stride = <usize>cols * es;
  const c4 = cols & ~3;
  const c2 = cols & ~1;
  let i = r0;
  for (; i + 4 <= r1; i += 4) {
    const p0 = a + <usize>i * stride;
    const p1 = p0 + stride;
    const p2 = p1 + stride;
    const p3 = p2 + stride;
    let s0 = f64x2.splat(0.0), s1 = f64x2.splat(0.0), s2 = f64x2.splat(0.0), s3 = f64x2.splat(0.0);
    let t0 = f64x2.splat(0.0), t1 = f64x2.splat(0.0), t2 = f64x2.splat(0.0), t3 = f64x2.splat(0.0);
    for (let j = 0; j < c4; j += 4) {
      const o = <usize>j * es;
      const h = o + 2 * es;
      const xl = v128.load(x + (<usize>j << 3));
      const xh = v128.load(x + (<usize>j << 3), 16);
      s0 = madd(pair<T>(p0 + o), xl, s0);
      t0 = madd(pair<T>(p0 + h), xh, t0);
      s1 = madd(pair<T>(p1 + o), xl, s1);
      t1 = madd(pair<T>(p1 + h), xh, t1);
      s2 = madd(pair<T>(p2 + o), xl, s2);
      t2 = madd(pair<T>(p2 + h), xh, t2);
      s3 = madd(pair<T>(p3 + o), xl, s3);
      t3 = madd(pair<T>(p3 + h), xh, t3);
    }
    if (c4 < c2) {
      const o = <usize>c4 * es;
      const xl = v128.load(x + (<usize>c4 << 3));
      s0 = madd(pair<T>(p0 + o), xl, s0);
      s1 = madd(pair<T>(p1 + o), xl, s1);
      s2 = madd(pair<T>(p2 + o), xl, s2);
      s3 = madd(pair<T>(p3 + o), xl, s3);
    }
    s0 = f64x2.add(s0, t0);
    s1 = f64x2.add(s1, t1);
    s2 = f64x2.add(s2, t2);
    s3 = f64x2.add(s3, t3);
    let u0 = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
    let u1 = f64x2.extract_lane(s1, 0) + f64x2.extract_lane(s1, 1);
    let u2 = f64x2.extract_lane(s2, 0) + f64x2.extract_lane(s2, 1);
    let u3 = f64x2.extract_lane(s3, 0) + f64x2.extract_lane(s3, 1);
    if (c2 < cols) {
      const o = <usize>c2 * es;
      const xj = load<f64>(x + (<usize>c2 << 3));
      u0 += elem<T>(p0 + o) * xj;
      u1 += elem<T>(p1 + o) * xj;
      u2 += elem<T>(p2 + o) * xj;
      u3 += elem<T>(p3 + o) * xj;
    }
    const q = y + (<usize>i << 3);
    store<f64>(q, u0);
    store<f64>(q, u1, 8);
    store<f64>(q, u2, 16);
    store<f64>(q, u3, 24);
  }
  for (; i < r1; i++) {
    const p0 = a + <usize>i * stride;
    let s0 = f64x2.splat(0.0), t0 = f64x2.splat(0.0);
    for (let j = 0; j < c4; j += 4) {
      const o = <usize>j * es;
      s0 = madd(pair<T>(p0 + o), v128.load(x + (<usize>j << 3)), s0);
      t0 = madd(pair<T>(p0 + o + 2 * es), v128.load(x + (<usize>j << 3), 16), t0);
    }
    if (c4 < c2) s0 = madd(pair<T>(p0 + <usize>c4 * es), v128.load(x + (<usize>c4 << 3)), s0);
    s0 = f64x2.add(s0, t0);
    let u0 = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
    if (c2 < cols) u0 += elem<T>(p0 + <usize>c2 * es) * load<f64>(x + (<usize>c2 << 3));
    store<f64>(y + (<usize>i << 3), u0);
  }
}

// ---- y[c0..c1) += A[i0..i1, c0..c1]ᵀ · z[i0..i1) --------------------------------------------
// Rows in blocks of 4 from row i0: y[j] += ((a0j z0 + a1j z1) + (a2j z2 + a3j z3)), then the
// leftover rows one by one, independently per column.
// @ts-ignore: decorator
@inline function axpyRows<T>(a: usize, z: usize, y: usize, cols: i32, i0: i32, i1: i32, c0: i32, c1: i32): void {
  const es = <usize>sizeof<T>();
  const stride = <usize>cols * es;
  const yb = y + (<usize>c0 << 3);
  const w = c1 - c0;
  const w2 = w & ~1;
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const p0 = a + <usize>i * stride + <usize>c0 * es;
    const p1 = p0 + stride;
    const p2 = p1 + stride;
    const p3 = p2 + stride;
    const zi = z + (<usize>i << 3);
    const z0s = load<f64>(zi);
    const z1s = load<f64>(zi, 8);
    const z2s = load<f64>(zi, 16);
    const z3s = load<f64>(zi, 24);
    const z0 = f64x2.splat(z0s);
    const z1 = f64x2.splat(z1s);
    const z2 = f64x2.splat(z2s);
    const z3 = f64x2.splat(z3s);
    for (let j = 0; j < w2; j += 2) {
      const o = <usize>j * es;
      const oy = yb + (<usize>j << 3);
      if (RELAXED) {
        // one fused chain y + a0·z0 + a1·z1 + a2·z2 + a3·z3 (4 FMAs instead of 4 mul + 4 add)
        v128.store(oy, madd(pair<T>(p3 + o), z3, madd(pair<T>(p2 + o), z2, madd(pair<T>(p1 + o), z1, madd(pair<T>(p0 + o), z0, v128.load(oy))))));
        continue;
      }
      const s01 = f64x2.add(f64x2.mul(pair<T>(p0 + o), z0), f64x2.mul(pair<T>(p1 + o), z1));
      const s23 = f64x2.add(f64x2.mul(pair<T>(p2 + o), z2), f64x2.mul(pair<T>(p3 + o), z3));
      v128.store(oy, f64x2.add(v128.load(oy), f64x2.add(s01, s23)));
    }
    if (w2 < w) {
      const o = <usize>w2 * es;
      const oy = yb + (<usize>w2 << 3);
      const s01 = elem<T>(p0 + o) * z0s + elem<T>(p1 + o) * z1s;
      const s23 = elem<T>(p2 + o) * z2s + elem<T>(p3 + o) * z3s;
      store<f64>(oy, load<f64>(oy) + (s01 + s23));
    }
  }
  for (; i < i1; i++) {
    const p0 = a + <usize>i * stride + <usize>c0 * es;
    const z0s = load<f64>(z + (<usize>i << 3));
    const z0 = f64x2.splat(z0s);
    for (let j = 0; j < w2; j += 2) {
      const oy = yb + (<usize>j << 3);
      v128.store(oy, madd(pair<T>(p0 + <usize>j * es), z0, v128.load(oy)));
    }
    if (w2 < w) {
      const oy = yb + (<usize>w2 << 3);
      store<f64>(oy, load<f64>(oy) + elem<T>(p0 + <usize>w2 * es) * z0s);
    }
  }
}

// ---- y[c0..c1) = A[:, c0..c1]ᵀ · z -------------------------------------------------------
// @ts-ignore: decorator
@inline function gemvT<T>(a: usize, z: usize, y: usize, rows: i32, cols: i32, c0: i32, c1: i32): void {
  memory.fill(y + (<usize>c0 << 3), 0, <usize>(c1 - c0) << 3);
  axpyRows<T>(a, z, y, cols, 0, rows, c0, c1);
}

// ---- fused residual and transpose product: one pass over A ------------------------------
// The rows are split into FUSED_PARTS fixed partitions (boundaries at multiples of 4, the
// same formula as splitRange in src/kernels/wasm.ts). For each partition p in [pLo, pHi),
// with acc_p = acc + p·cols·8 set to 0, block by block of 4 rows:
//   r[i] = scale·(A[i,:]·x) − b[i]      (gemv's arithmetic for row i, then ·scale, then − b:
//                                         bitwise the r of gemv followed by the same scaling)
//   acc_p += A[block]ᵀ r[block]          (axpyRows' arithmetic, blocks in row order)
// The second use of a block's rows reads them from cache, so A is streamed from memory once
// per iteration instead of twice (gemv, then gemvᵀ). The caller adds the partitions in a
// fixed order, so the result does not depend on how they were shared between threads.
// (A software-pipelined variant — the dot products of block t and the transpose product of
// block t − 1 in one loop — was measured no faster on the reference machine and dropped.)
export const FUSED_PARTS: i32 = 4;

// @ts-ignore: decorator
@inline function fused<T>(a: usize, x: usize, b: usize, r: usize, acc: usize, rows: i32, cols: i32, pLo: i32, pHi: i32, scale: f64): void {
  const per = (rows + FUSED_PARTS - 1) / FUSED_PARTS;
  const chunk = (per + 3) & ~3;
  for (let p = pLo; p < pHi; p++) {
    const r0 = min(rows, p * chunk);
    const r1 = min(rows, (p + 1) * chunk);
    const accp = acc + <usize>p * <usize>cols * 8;
    memory.fill(accp, 0, <usize>cols << 3);
    for (let i = r0; i < r1; i += 4) {
      const e = min(i + 4, r1);
      gemv<T>(a, x, r, cols, i, e);
      for (let q = i; q < e; q++) {
        const o = <usize>q << 3;
        store<f64>(r + o, load<f64>(r + o) * scale - load<f64>(b + o));
      }
      axpyRows<T>(a, r, accp, cols, i, e, 0, cols);
    }
  }
}

// ---- acc1 += A[i..i+4)ᵀ z1[i..i+4) and acc2 += A[i..i+4)ᵀ z2[i..i+4) for one full 4-row block --
// Two runs of a batch share each load of A; each run's arithmetic is axpyRows' for a 4-row
// block (the same tree, or the same fused chain under RELAXED), so its acc is bitwise the same.
// @ts-ignore: decorator
@inline function axpyBlock2<T>(a: usize, z1: usize, y1: usize, z2: usize, y2: usize, cols: i32, i: i32): void {
  const es = <usize>sizeof<T>();
  const stride = <usize>cols * es;
  const w2 = cols & ~1;
  const p0 = a + <usize>i * stride;
  const p1 = p0 + stride;
  const p2 = p1 + stride;
  const p3 = p2 + stride;
  const zi = <usize>i << 3;
  const u0s = load<f64>(z1 + zi), u1s = load<f64>(z1 + zi, 8), u2s = load<f64>(z1 + zi, 16), u3s = load<f64>(z1 + zi, 24);
  const v0s = load<f64>(z2 + zi), v1s = load<f64>(z2 + zi, 8), v2s = load<f64>(z2 + zi, 16), v3s = load<f64>(z2 + zi, 24);
  const u0 = f64x2.splat(u0s), u1 = f64x2.splat(u1s), u2 = f64x2.splat(u2s), u3 = f64x2.splat(u3s);
  const v0 = f64x2.splat(v0s), v1 = f64x2.splat(v1s), v2 = f64x2.splat(v2s), v3 = f64x2.splat(v3s);
  for (let j = 0; j < w2; j += 2) {
    const o = <usize>j * es;
    const oy = <usize>j << 3;
    const a0 = pair<T>(p0 + o), a1 = pair<T>(p1 + o), a2 = pair<T>(p2 + o), a3 = pair<T>(p3 + o);
    if (RELAXED) {
      v128.store(y1 + oy, madd(a3, u3, madd(a2, u2, madd(a1, u1, madd(a0, u0, v128.load(y1 + oy))))));
      v128.store(y2 + oy, madd(a3, v3, madd(a2, v2, madd(a1, v1, madd(a0, v0, v128.load(y2 + oy))))));
      continue;
    }
    const s = f64x2.add(f64x2.add(f64x2.mul(a0, u0), f64x2.mul(a1, u1)), f64x2.add(f64x2.mul(a2, u2), f64x2.mul(a3, u3)));
    const t = f64x2.add(f64x2.add(f64x2.mul(a0, v0), f64x2.mul(a1, v1)), f64x2.add(f64x2.mul(a2, v2), f64x2.mul(a3, v3)));
    v128.store(y1 + oy, f64x2.add(v128.load(y1 + oy), s));
    v128.store(y2 + oy, f64x2.add(v128.load(y2 + oy), t));
  }
  if (w2 < cols) {
    const o = <usize>w2 * es;
    const oy = <usize>w2 << 3;
    const e0 = elem<T>(p0 + o), e1 = elem<T>(p1 + o), e2 = elem<T>(p2 + o), e3 = elem<T>(p3 + o);
    store<f64>(y1 + oy, load<f64>(y1 + oy) + ((e0 * u0s + e1 * u1s) + (e2 * u2s + e3 * u3s)));
    store<f64>(y2 + oy, load<f64>(y2 + oy) + ((e0 * v0s + e1 * v1s) + (e2 * v2s + e3 * v3s)));
  }
}

// ---- the fused pass for several runs sharing A: one stream of A for all of them -----------
// Runs are the working-vector slots of a matrix shared by B users (src/kernels/wasm.ts
// layout): slot s starts at x0 + s·per with x (max(rows, cols) entries, 64-byte padded),
// y (same), b (rows), r (rows) and acc (FUSED_PARTS·cols). For each partition p in
// [pLo, pHi) and each 4-row block, every run s of `mask` (bit s set; s < 32) does exactly
// fused<T>'s arithmetic on that block — r rows by gemv, ·scale − b, acc_{s,p} += blockᵀ r —
// so each run's r and partition sums are bitwise those of fused<T> alone, while the block is
// read from memory once for all runs and from cache for the others.
// @ts-ignore: decorator
@inline function fusedBatch<T>(a: usize, x0: usize, per: usize, mask: i32, rows: i32, cols: i32, pLo: i32, pHi: i32, scale: f64): void {
  const v = <usize>max(rows, cols);
  const vb = (v * 8 + 63) & ~<usize>63, rb = ((<usize>rows) * 8 + 63) & ~<usize>63;
  const per4 = (rows + FUSED_PARTS - 1) / FUSED_PARTS;
  const chunk = (per4 + 3) & ~3;
  for (let p = pLo; p < pHi; p++) {
    const r0 = min(rows, p * chunk);
    const r1 = min(rows, (p + 1) * chunk);
    for (let s = 0; s < 32; s++) {
      if (((mask >>> s) & 1) == 0) continue;
      const acc = x0 + <usize>s * per + 2 * vb + 2 * rb;
      memory.fill(acc + <usize>p * <usize>cols * 8, 0, <usize>cols << 3);
    }
    const po = <usize>p * <usize>cols * 8;
    for (let i = r0; i < r1; i += 4) {
      const e = min(i + 4, r1);
      for (let s = 0; s < 32; s++) {
        if (((mask >>> s) & 1) == 0) continue;
        const x = x0 + <usize>s * per;
        const b = x + 2 * vb, r = b + rb;
        gemv<T>(a, x, r, cols, i, e);
        for (let q = i; q < e; q++) {
          const o = <usize>q << 3;
          store<f64>(r + o, load<f64>(r + o) * scale - load<f64>(b + o));
        }
      }
      // the transpose products: full blocks two runs at a time (one load of A for both)
      let pending: i32 = -1;
      for (let s = 0; s < 32; s++) {
        if (((mask >>> s) & 1) == 0) continue;
        const r = x0 + <usize>s * per + 2 * vb + rb;
        if (e - i < 4) {
          axpyRows<T>(a, r, r + rb + po, cols, i, e, 0, cols);
        } else if (pending < 0) {
          pending = s;
        } else {
          const q = x0 + <usize>pending * per + 2 * vb + rb;
          axpyBlock2<T>(a, q, q + rb + po, r, r + rb + po, cols, i);
          pending = -1;
        }
      }
      if (pending >= 0) {
        const q = x0 + <usize>pending * per + 2 * vb + rb;
        axpyRows<T>(a, q, q + rb + po, cols, i, e, 0, cols);
      }
    }
  }
}

/** The fused pass for the runs of `mask` (slots x0 + s·per), partitions [pLo, pHi), float64 entries. */
export function fusedBatch64(a: usize, x0: usize, per: usize, mask: i32, rows: i32, cols: i32, pLo: i32, pHi: i32, scale: f64): void {
  fusedBatch<f64>(a, x0, per, mask, rows, cols, pLo, pHi, scale);
}
/** The fused pass for the runs of `mask`, float32 entries, float64 accumulation. */
export function fusedBatch32(a: usize, x0: usize, per: usize, mask: i32, rows: i32, cols: i32, pLo: i32, pHi: i32, scale: f64): void {
  fusedBatch<f32>(a, x0, per, mask, rows, cols, pLo, pHi, scale);
}

/** y[r0..r1) = A[r0..r1, :] · x, float64 entries (a, x, y byte offsets; A row-major rows × cols). */
export function gemv64(a: usize, x: usize, y: usize, cols: i32, r0: i32, r1: i32): void {
  gemv<f64>(a, x, y, cols, r0, r1);
}
/** y[r0..r1) = A[r0..r1, :] · x, float32 entries, float64 accumulation. */
export function gemv32(a: usize, x: usize, y: usize, cols: i32, r0: i32, r1: i32): void {
  gemv<f32>(a, x, y, cols, r0, r1);
}
/** y[c0..c1) = A[:, c0..c1]ᵀ · z, float64 entries. */
export function gemvT64(a: usize, z: usize, y: usize, rows: i32, cols: i32, c0: i32, c1: i32): void {
  gemvT<f64>(a, z, y, rows, cols, c0, c1);
}
/** y[c0..c1) = A[:, c0..c1]ᵀ · z, float32 entries, float64 accumulation. */
export function gemvT32(a: usize, z: usize, y: usize, rows: i32, cols: i32, c0: i32, c1: i32): void {
  gemvT<f32>(a, z, y, rows, cols, c0, c1);
}
/** Fused r = scale·A x − b and partition sums of Aᵀ r for partitions [pLo, pHi), float64 entries. */
export function fused64(a: usize, x: usize, b: usize, r: usize, acc: usize, rows: i32, cols: i32, pLo: i32, pHi: i32, scale: f64): void {
  fused<f64>(a, x, b, r, acc, rows, cols, pLo, pHi, scale);
}
/** Fused r = scale·A x − b and partition sums of Aᵀ r, float32 entries, float64 accumulation. */
export function fused32(a: usize, x: usize, b: usize, r: usize, acc: usize, rows: i32, cols: i32, pLo: i32, pHi: i32, scale: f64): void {
  fused<f32>(a, x, b, r, acc, rows, cols, pLo, pHi, scale);
}

// ---- Σ x[i] for i in [i0, i1) (float64; for the memory-bandwidth measurement) -----------
export function sum64(x: usize, i0: i32, i1: i32): f64 {
  let s0 = f64x2.splat(0.0);
  let s1 = f64x2.splat(0.0);
  let s2 = f64x2.splat(0.0);
  let s3 = f64x2.splat(0.0);
  let i = i0;
  for (; i + 8 <= i1; i += 8) {
    const p = x + (<usize>i << 3);
    s0 = f64x2.add(s0, v128.load(p));
    s1 = f64x2.add(s1, v128.load(p, 16));
    s2 = f64x2.add(s2, v128.load(p, 32));
    s3 = f64x2.add(s3, v128.load(p, 48));
  }
  const s = f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3));
  let t = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; i < i1; i++) t += load<f64>(x + (<usize>i << 3));
  return t;
}

// ---- in-place unnormalized fast Walsh–Hadamard transform of x[0..len), len a power of 2 --
// Natural (Hadamard) order: after the call x = H x with H_{ij} = (−1)^{popcount(i & j)}.
/** Level h = 1 of the transform: pairs (2q, 2q+1) of x[0..len) (len even). */
// @ts-ignore: decorator
@inline function fwhtPairs(x: usize, len: i32): void {
  for (let q = 0; q < len; q += 2) {
    const p = x + (<usize>q << 3);
    const a = load<f64>(p);
    const b = load<f64>(p, 8);
    store<f64>(p, a + b);
    store<f64>(p, a - b, 8);
  }
}

export function fwht(x: usize, len: i32): void {
  // h = 1: pairs (2q, 2q+1) inside one v128
  if (len >= 2) fwhtPairs(x, len);
  for (let h = 2; h < len; h <<= 1) {
    for (let q = 0; q < len; q += h << 1) {
      const p = x + (<usize>q << 3);
      const r = p + (<usize>h << 3);
      for (let j = 0; j < h; j += 2) {
        const o = <usize>j << 3;
        const a = v128.load(p + o);
        const b = v128.load(r + o);
        v128.store(p + o, f64x2.add(a, b));
        v128.store(r + o, f64x2.sub(a, b));
      }
    }
  }
}

// ---- matrix completion over Ω (row indices ri, column indices ci: i32 arrays) -----------
// Every output entry is summed in the order of the plain-TS reference
// (src/operators/completion.ts), so the results are bitwise those of the reference for any
// split between threads: the lanes of an f64x2 are independent IEEE operations.

/** out[e] = scale·Σ_l F[ri[e], l]·G[ci[e], l] for e in [e0, e1) (l in order, scalar chain). */
export function compApply(ri: usize, ci: usize, f: usize, g: usize, out: usize, k: i32, e0: i32, e1: i32, scale: f64): void {
  const rs = <usize>k << 3;
  let e = e0;
  // two entries per trip: two independent chains in flight
  for (; e + 2 <= e1; e += 2) {
    const q = <usize>e << 2;
    const fa = f + <usize>load<i32>(ri + q) * rs;
    const ga = g + <usize>load<i32>(ci + q) * rs;
    const fb = f + <usize>load<i32>(ri + q, 4) * rs;
    const gb = g + <usize>load<i32>(ci + q, 4) * rs;
    let a: f64 = 0.0, b: f64 = 0.0;
    for (let l: usize = 0; l < rs; l += 8) {
      a += load<f64>(fa + l) * load<f64>(ga + l);
      b += load<f64>(fb + l) * load<f64>(gb + l);
    }
    store<f64>(out + (<usize>e << 3), scale * a);
    store<f64>(out + (<usize>e << 3), scale * b, 8);
  }
  for (; e < e1; e++) {
    const q = <usize>e << 2;
    const fa = f + <usize>load<i32>(ri + q) * rs;
    const ga = g + <usize>load<i32>(ci + q) * rs;
    let a: f64 = 0.0;
    for (let l: usize = 0; l < rs; l += 8) a += load<f64>(fa + l) * load<f64>(ga + l);
    store<f64>(out + (<usize>e << 3), scale * a);
  }
}

/** dst[0..k) += w·src[0..k) (elementwise, f64x2 lanes then the odd last entry). */
// @ts-ignore: decorator
@inline function axpyRow(dst: usize, src: usize, w: f64, k2: usize, rs: usize): void {
  const wv = f64x2.splat(w);
  for (let l: usize = 0; l < k2; l += 16) v128.store(dst + l, f64x2.add(v128.load(dst + l), f64x2.mul(wv, v128.load(src + l))));
  if (k2 < rs) store<f64>(dst + k2, load<f64>(dst + k2) + w * load<f64>(src + k2));
}

/**
 * SG[ri[e], :] += w_e·G[ci[e], :] with w_e = scale·z[e] (skipped when 0) for e in [e0, e1),
 * in order. The caller zeroes the rows of SG it owns; Ω is row-sorted, so a split of e at
 * row boundaries gives each thread disjoint rows.
 */
export function compSG(ri: usize, ci: usize, z: usize, g: usize, sg: usize, k: i32, e0: i32, e1: i32, scale: f64): void {
  const rs = <usize>k << 3;
  const k2 = <usize>(k & ~1) << 3;
  for (let e = e0; e < e1; e++) {
    const w = scale * load<f64>(z + (<usize>e << 3));
    if (w == 0) continue;
    const q = <usize>e << 2;
    axpyRow(sg + <usize>load<i32>(ri + q) * rs, g + <usize>load<i32>(ci + q) * rs, w, k2, rs);
  }
}

/**
 * StF[j, :] += w_e·F[ri[e], :] for the entries e in [0, m) (in order) whose column j = ci[e]
 * is in [c0, c1) (StF rows c0..c1 zeroed here). Each thread scans all of Ω for its own
 * columns, so every StF row is summed in entry order whatever the thread count.
 */
export function compStF(ri: usize, ci: usize, z: usize, f: usize, stf: usize, k: i32, m: i32, c0: i32, c1: i32, scale: f64): void {
  const rs = <usize>k << 3;
  const k2 = <usize>(k & ~1) << 3;
  memory.fill(stf + <usize>c0 * rs, 0, <usize>(c1 - c0) * rs);
  const width = <u32>(c1 - c0);
  for (let e = 0; e < m; e++) {
    const q = <usize>e << 2;
    const j = load<i32>(ci + q);
    if (<u32>(j - c0) >= width) continue;
    const w = scale * load<f64>(z + (<usize>e << 3));
    if (w == 0) continue;
    axpyRow(stf + <usize>j * rs, f + <usize>load<i32>(ri + q) * rs, w, k2, rs);
  }
}

// ---- cache-blocked fast Walsh–Hadamard transform ----------------------------------------
// The levels h = 1 … L/2 of the transform are done in the same order for every entry as in
// `fwht` (each butterfly's inputs are the outputs of the previous level), so the result is
// bitwise that of the unblocked transform: the blocking only reorders independent butterflies.
//   fwhtBlocks: levels h < B inside each contiguous block of B entries, blocks [b0, b1);
//   fwhtLevels: levels h ≥ B three at a time (radix 8 in registers): one pass over memory
//     per three levels (2^s streams at stride h; measured faster than panels of columns,
//     whose power-of-2 stride aliases in the caches).

/** Levels h = 1 … B/2 of the transform inside blocks [b0, b1) of B = 2^logB entries. */
export function fwhtBlocks(x: usize, logB: i32, b0: i32, b1: i32): void {
  const B = 1 << logB;
  for (let b = b0; b < b1; b++) {
    const p = x + ((<usize>b << logB) << 3);
    // h = 1: pairs (2q, 2q+1) inside one v128, then the levels h ≥ 2 three at a time
    fwhtPairs(p, B);
    for (let hLog = 1; hLog < logB; hLog += 3) {
      const s = min(3, logB - hLog);
      fwhtLevels(p, hLog, s, 0, B >> s);
    }
  }
}

// @ts-ignore: decorator
@inline function bfly(p: usize, q: usize): void {
  const a = v128.load(p);
  const b = v128.load(q);
  v128.store(p, f64x2.add(a, b));
  v128.store(q, f64x2.sub(a, b));
}

/**
 * Levels h, 2h, …, 2^(s−1)·h (h = 2^hLog ≥ 2, s = 1, 2 or 3) in registers: for each unit u
 * in [u0, u1) (step 2; u = c·h + a, a < h) the 2^s entries x[c·2^s·h + a + j·h], j < 2^s,
 * (and the next entry of each) are loaded once, go through the s levels in order, and are
 * stored once — one pass over memory for s levels, with 2^s streams at stride h.
 */
export function fwhtLevels(x: usize, hLog: i32, s: i32, u0: i32, u1: i32): void {
  const h = 1 << hLog;
  const hb = <usize>h << 3;
  for (let u = u0; u < u1; u += 2) {
    const a = u & (h - 1);
    const c = u >> hLog;
    const p0 = x + (((<usize>c << s) << hLog) + <usize>a << 3);
    if (s == 3) {
      let v0 = v128.load(p0), v1 = v128.load(p0 + hb), v2 = v128.load(p0 + 2 * hb), v3 = v128.load(p0 + 3 * hb);
      let v4 = v128.load(p0 + 4 * hb), v5 = v128.load(p0 + 5 * hb), v6 = v128.load(p0 + 6 * hb), v7 = v128.load(p0 + 7 * hb);
      let w0 = f64x2.add(v0, v1), w1 = f64x2.sub(v0, v1), w2 = f64x2.add(v2, v3), w3 = f64x2.sub(v2, v3);
      let w4 = f64x2.add(v4, v5), w5 = f64x2.sub(v4, v5), w6 = f64x2.add(v6, v7), w7 = f64x2.sub(v6, v7);
      v0 = f64x2.add(w0, w2); v2 = f64x2.sub(w0, w2); v1 = f64x2.add(w1, w3); v3 = f64x2.sub(w1, w3);
      v4 = f64x2.add(w4, w6); v6 = f64x2.sub(w4, w6); v5 = f64x2.add(w5, w7); v7 = f64x2.sub(w5, w7);
      v128.store(p0, f64x2.add(v0, v4)); v128.store(p0 + 4 * hb, f64x2.sub(v0, v4));
      v128.store(p0 + hb, f64x2.add(v1, v5)); v128.store(p0 + 5 * hb, f64x2.sub(v1, v5));
      v128.store(p0 + 2 * hb, f64x2.add(v2, v6)); v128.store(p0 + 6 * hb, f64x2.sub(v2, v6));
      v128.store(p0 + 3 * hb, f64x2.add(v3, v7)); v128.store(p0 + 7 * hb, f64x2.sub(v3, v7));
    } else if (s == 2) {
      const v0 = v128.load(p0), v1 = v128.load(p0 + hb), v2 = v128.load(p0 + 2 * hb), v3 = v128.load(p0 + 3 * hb);
      const w0 = f64x2.add(v0, v1), w1 = f64x2.sub(v0, v1), w2 = f64x2.add(v2, v3), w3 = f64x2.sub(v2, v3);
      v128.store(p0, f64x2.add(w0, w2)); v128.store(p0 + 2 * hb, f64x2.sub(w0, w2));
      v128.store(p0 + hb, f64x2.add(w1, w3)); v128.store(p0 + 3 * hb, f64x2.sub(w1, w3));
    } else {
      bfly(p0, p0 + hb);
    }
  }
}

// ---- SRHT factored products (S = A*(z) never formed; d = the ±1 signs of the N = n1·n2 entries, i8, row-major) -------------
// Each output entry is summed in the order of the TS path (matmulNT, then the signs;
// the signs, then matmul / matmulTN, zero terms skipped), so the results are bitwise those
// of the reference for any split between threads.

/** The signs d[0], d[1] (i8) as f64x2. */
// @ts-ignore: decorator
@inline function signPair(d: usize): v128 {
  return f64x2.replace_lane(f64x2.splat(<f64>load<i8>(d)), 1, <f64>load<i8>(d, 1));
}

/** b[i·n2 + j] = d[i·n2 + j]·Σ_l F[i, l]·Gᵀ[l, j] (l in order) for rows i in [i0, i1); gt is k × n2. */
export function srhtFill(f: usize, gt: usize, d: usize, b: usize, n2: i32, k: i32, i0: i32, i1: i32): void {
  const rowB = <usize>n2 << 3;
  const n2e = n2 & ~1;
  const n8 = n2 & ~7;
  for (let i = i0; i < i1; i++) {
    const fi = f + <usize>i * (<usize>k << 3);
    const bi = b + <usize>i * rowB;
    const di = d + <usize>i * <usize>n2;
    // 8 columns per trip: four f64x2 chains share each broadcast F[i, l]
    for (let j = 0; j < n8; j += 8) {
      let s0 = f64x2.splat(0.0), s1 = f64x2.splat(0.0), s2 = f64x2.splat(0.0), s3 = f64x2.splat(0.0);
      const gj = gt + (<usize>j << 3);
      for (let l = 0; l < k; l++) {
        const fl = f64x2.splat(load<f64>(fi + (<usize>l << 3)));
        const gl = gj + <usize>l * rowB;
        s0 = f64x2.add(s0, f64x2.mul(fl, v128.load(gl)));
        s1 = f64x2.add(s1, f64x2.mul(fl, v128.load(gl, 16)));
        s2 = f64x2.add(s2, f64x2.mul(fl, v128.load(gl, 32)));
        s3 = f64x2.add(s3, f64x2.mul(fl, v128.load(gl, 48)));
      }
      const dj = di + <usize>j;
      const o = bi + (<usize>j << 3);
      v128.store(o, f64x2.mul(signPair(dj), s0));
      v128.store(o, f64x2.mul(signPair(dj + 2), s1), 16);
      v128.store(o, f64x2.mul(signPair(dj + 4), s2), 32);
      v128.store(o, f64x2.mul(signPair(dj + 6), s3), 48);
    }
    for (let j = n8; j < n2e; j += 2) {
      let s = f64x2.splat(0.0);
      for (let l = 0; l < k; l++) {
        s = f64x2.add(s, f64x2.mul(f64x2.splat(load<f64>(fi + (<usize>l << 3))), v128.load(gt + <usize>l * rowB + (<usize>j << 3))));
      }
      v128.store(bi + (<usize>j << 3), f64x2.mul(signPair(di + <usize>j), s));
    }
    if (n2e < n2) {
      let s: f64 = 0.0;
      for (let l = 0; l < k; l++) s += load<f64>(fi + (<usize>l << 3)) * load<f64>(gt + <usize>l * rowB + (<usize>n2e << 3));
      store<f64>(bi + (<usize>n2e << 3), <f64>load<i8>(di + <usize>n2e) * s);
    }
  }
}

/** SG[i, :] = Σ_j s_ij·G[j, :] with s_ij = d[i·n2 + j]·b[i·n2 + j] (zero terms skipped), rows [i0, i1). */
export function srhtSG(b: usize, d: usize, g: usize, sg: usize, n2: i32, k: i32, i0: i32, i1: i32): void {
  const rs = <usize>k << 3;
  const k2 = <usize>(k & ~1) << 3;
  for (let i = i0; i < i1; i++) {
    const out = sg + <usize>i * rs;
    memory.fill(out, 0, rs);
    const bi = b + ((<usize>i * <usize>n2) << 3);
    const di = d + <usize>i * <usize>n2;
    for (let j = 0; j < n2; j++) {
      const s = <f64>load<i8>(di + <usize>j) * load<f64>(bi + (<usize>j << 3));
      if (s == 0) continue;
      axpyRow(out, g + <usize>j * rs, s, k2, rs);
    }
  }
}

/** StF[j, :] = Σ_i s_ij·F[i, :] (i in order, zero terms skipped) for columns [j0, j1). */
export function srhtStF(b: usize, d: usize, f: usize, stf: usize, n1: i32, n2: i32, k: i32, j0: i32, j1: i32): void {
  const rs = <usize>k << 3;
  const k2 = <usize>(k & ~1) << 3;
  memory.fill(stf + <usize>j0 * rs, 0, <usize>(j1 - j0) * rs);
  for (let i = 0; i < n1; i++) {
    const bi = b + ((<usize>i * <usize>n2) << 3);
    const fi = f + <usize>i * rs;
    const di = d + <usize>i * <usize>n2;
    for (let j = j0; j < j1; j++) {
      const s = <f64>load<i8>(di + <usize>j) * load<f64>(bi + (<usize>j << 3));
      if (s == 0) continue;
      axpyRow(stf + <usize>j * rs, fi, s, k2, rs);
    }
  }
}

// ---- the error metric at large sizes: tall-skinny QR, Gram, max |x| -----------------------
/** max |x_i| over x[0..n) (NaN if any entry is NaN: f64x2.max propagates it). */
export function maxAbs64(x: usize, n: i32): f64 {
  let m0 = f64x2.splat(0), m1 = f64x2.splat(0);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = x + (<usize>i << 3);
    m0 = f64x2.max(m0, f64x2.abs(v128.load(o)));
    m1 = f64x2.max(m1, f64x2.abs(v128.load(o + 16)));
  }
  m0 = f64x2.max(m0, m1);
  let m = Math.max(f64x2.extract_lane(m0, 0), f64x2.extract_lane(m0, 1));
  for (let i = n4; i < n; i++) m = Math.max(m, Math.abs(load<f64>(x + (<usize>i << 3))));
  return m;
}

/** Row stride (entries) of the tall-skinny QR's block and R for c columns: three zero columns of padding. */
// @ts-ignore: decorator
@inline function tsqrStride(c: i32): i32 {
  return c + 3;
}

/**
 * Columns [o, o + 2·NV) of w = R[j, ·] + Σ_i v_i·x[i, ·] (rows in order), w ·= τ, R[j, ·] −= w,
 * x[i, ·] −= v_i·w, in NV = 1, 2 or 4 independent f64x2 lanes (NV is a compile-time constant).
 */
// @ts-ignore: decorator
@inline function tsqrGroup(x: usize, v: usize, rj: usize, bl: i32, rowB: usize, o: usize, tt: v128, nv: i32): void {
  let w0 = v128.load(rj + o), w1 = f64x2.splat(0), w2 = f64x2.splat(0), w3 = f64x2.splat(0);
  if (nv >= 2) w1 = v128.load(rj + o + 16);
  if (nv >= 4) {
    w2 = v128.load(rj + o + 32);
    w3 = v128.load(rj + o + 48);
  }
  for (let i = 0; i < bl; i++) {
    const vv = f64x2.splat(load<f64>(v + (<usize>i << 3)));
    const p = x + <usize>i * rowB + o;
    w0 = f64x2.add(w0, f64x2.mul(vv, v128.load(p)));
    if (nv >= 2) w1 = f64x2.add(w1, f64x2.mul(vv, v128.load(p + 16)));
    if (nv >= 4) {
      w2 = f64x2.add(w2, f64x2.mul(vv, v128.load(p + 32)));
      w3 = f64x2.add(w3, f64x2.mul(vv, v128.load(p + 48)));
    }
  }
  w0 = f64x2.mul(w0, tt);
  v128.store(rj + o, f64x2.sub(v128.load(rj + o), w0));
  if (nv >= 2) {
    w1 = f64x2.mul(w1, tt);
    v128.store(rj + o + 16, f64x2.sub(v128.load(rj + o + 16), w1));
  }
  if (nv >= 4) {
    w2 = f64x2.mul(w2, tt);
    w3 = f64x2.mul(w3, tt);
    v128.store(rj + o + 32, f64x2.sub(v128.load(rj + o + 32), w2));
    v128.store(rj + o + 48, f64x2.sub(v128.load(rj + o + 48), w3));
  }
  for (let i = 0; i < bl; i++) {
    const vv = f64x2.splat(load<f64>(v + (<usize>i << 3)));
    const p = x + <usize>i * rowB + o;
    v128.store(p, f64x2.sub(v128.load(p), f64x2.mul(vv, w0)));
    if (nv >= 2) v128.store(p + 16, f64x2.sub(v128.load(p + 16), f64x2.mul(vv, w1)));
    if (nv >= 4) {
      v128.store(p + 32, f64x2.sub(v128.load(p + 32), f64x2.mul(vv, w2)));
      v128.store(p + 48, f64x2.sub(v128.load(p + 48), f64x2.mul(vv, w3)));
    }
  }
}

/** Lanes of {@link tsqrGroup} over columns [0, cnt) of a row: groups of 8, then one of 8, 4 or 2 (padding absorbs the excess). */
// @ts-ignore: decorator
@inline function tsqrUpdate(x: usize, v: usize, rj: usize, bl: i32, rowB: usize, cnt: i32, tau: f64): void {
  const tt = f64x2.splat(tau);
  let jj = 0;
  for (; jj + 8 <= cnt; jj += 8) tsqrGroup(x, v, rj, bl, rowB, <usize>jj << 3, tt, 4);
  const rest = cnt - jj;
  if (rest > 4) tsqrGroup(x, v, rj, bl, rowB, <usize>jj << 3, tt, 4);
  else if (rest > 2) tsqrGroup(x, v, rj, bl, rowB, <usize>jj << 3, tt, 2);
  else if (rest > 0) tsqrGroup(x, v, rj, bl, rowB, <usize>jj << 3, tt, 1);
}

/**
 * Reduces the loaded block x (bl rows of stride rowB; columns [0, c)) against the running
 * upper-triangular R (c rows of stride rowB): for each column j the reflector of R[j, j] and
 * x[·, j], then its update of R[j, j+1..c) and x[·, j+1..c). With rec ≠ 0 each reflector is
 * recorded: v_i at rec + (i·c + j)·8 (row stride c) and τ at taus + j·8 (0: identity).
 */
// @ts-ignore: decorator
@inline function tsqrBlock(x: usize, rowB: usize, bl: i32, c: i32, r: usize, v: usize, rec: usize, taus: usize): void {
  for (let j = 0; j < c; j++) {
    const cj = <usize>j << 3;
    // ssq = Σ_i x[i, j]² in four partial sums (i mod 4), combined (s0 + s1) + (s2 + s3)
    let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0;
    const b4 = bl & ~3;
    for (let i = 0; i < b4; i += 4) {
      const p = x + <usize>i * rowB + cj;
      const t0 = load<f64>(p), t1 = load<f64>(p + rowB), t2 = load<f64>(p + 2 * rowB), t3 = load<f64>(p + 3 * rowB);
      s0 += t0 * t0;
      s1 += t1 * t1;
      s2 += t2 * t2;
      s3 += t3 * t3;
    }
    for (let i = b4; i < bl; i++) {
      const t = load<f64>(x + <usize>i * rowB + cj);
      s0 += t * t;
    }
    const ssq = (s0 + s1) + (s2 + s3);
    if (ssq == 0) {
      // the block's column j is zero: H = I
      if (rec != 0) store<f64>(taus + cj, 0);
      continue;
    }
    const rjj = r + <usize>j * rowB + cj;
    const alpha = load<f64>(rjj);
    const xnorm = Math.sqrt(alpha * alpha + ssq);
    const beta = alpha >= 0 ? -xnorm : xnorm;
    const tau = (beta - alpha) / beta;
    const inv = 1 / (alpha - beta);
    store<f64>(rjj, beta);
    for (let i = 0; i < bl; i++) store<f64>(v + (<usize>i << 3), load<f64>(x + <usize>i * rowB + cj) * inv);
    if (rec != 0) {
      for (let i = 0; i < bl; i++) store<f64>(rec + ((<usize>i * <usize>c + <usize>j) << 3), load<f64>(v + (<usize>i << 3)));
      store<f64>(taus + cj, tau);
    }
    const cnt = c - j - 1;
    if (cnt > 0) tsqrUpdate(x + cj + 8, v, r + <usize>j * rowB + cj + 8, bl, rowB, cnt, tau);
  }
}

/** x[i, col0..col0+cols) = s·src[row0 + i, 0..cols) for the bl rows of a block (src row-major, cols wide). */
// @ts-ignore: decorator
@inline function tsqrLoad(x: usize, rowB: usize, src: usize, cols: i32, col0: i32, row0: i32, bl: i32, s: f64): void {
  for (let i = 0; i < bl; i++) {
    const xi = x + <usize>i * rowB + (<usize>col0 << 3);
    const si = src + ((<usize>(row0 + i) * <usize>cols) << 3);
    for (let j = 0; j < cols; j++) store<f64>(xi + (<usize>j << 3), s * load<f64>(si + (<usize>j << 3)));
  }
}

/**
 * R (c×c upper triangular, rows not sign-normalized; stored with row stride c + 3, see
 * {@link tsqrStride}) of the m×c matrix W = [sl·L | sr·Q] with L m×kl and Q m×kq row-major
 * (c = kl + kq), by a sequential tall-skinny Householder QR: rows in blocks of nb (copied to
 * x, nb rows of stride c + 3, cache-resident), each block reduced against the running R —
 * the triangular-pentagonal update of LAPACK's dtpqrt: the reflector of column j involves
 * R[j, j] and column j of the block only. It reads W once (the unblocked QR sweeps it twice
 * per column). v: nb work entries. The updates run in f64x2 lanes over columns j+1.. in
 * groups of 8, then one of 8, 4 or 2; lanes past column c fall on the padding, which is zero
 * and stays zero (w = 0 + Σ v_i·0). Every entry of columns < c sees the operations of the
 * scalar reference (src/linalg/tsqr.ts) in its order. With rec ≠ 0 the reflectors are
 * recorded for {@link tsqrApply}: v at rec (m×c, row-major; rec may equal l when kq = 0 — a
 * block is read before its rows are written) and τ at taus (one row of c per block).
 */
export function tsqrR(l: usize, kl: i32, q: usize, kq: i32, m: i32, sl: f64, sr: f64, r: usize, x: usize, v: usize, nb: i32, rec: usize, taus: usize): void {
  const c = kl + kq;
  const rowB = <usize>tsqrStride(c) << 3;
  memory.fill(r, 0, <usize>c * rowB);
  memory.fill(x, 0, <usize>nb * rowB);
  for (let row0 = 0, blk = 0; row0 < m; row0 += nb, blk++) {
    const bl = min(nb, m - row0);
    tsqrLoad(x, rowB, l, kl, 0, row0, bl, sl);
    tsqrLoad(x, rowB, q, kq, kl, row0, bl, sr);
    tsqrBlock(x, rowB, bl, c, r, v, rec != 0 ? rec + ((<usize>row0 * <usize>c) << 3) : 0, taus + ((<usize>blk * <usize>c) << 3));
  }
}

/**
 * The trailing columns of {@link tsqrR} of W = [sa·A | s·F] when A's reflectors were recorded
 * (tsqrR of sa·A alone with rec, ka columns): per block, x = s·F's rows; each recorded
 * reflector j of A (τ ≠ 0) updates R_AF[j, ·] and x as in tsqrR; then F's own columns are
 * reduced against R_FF. R_AF (ka×k) and R_FF (k×k) are stored with row stride k + 3; with
 * R_AA from the recording run they are bitwise tsqrR's R of W — A's reflectors are computed
 * once, not at every evaluation.
 */
export function tsqrApply(f: usize, k: i32, m: i32, s: f64, rec: usize, taus: usize, ka: i32, rAF: usize, rFF: usize, x: usize, v: usize, nb: i32): void {
  const rowB = <usize>tsqrStride(k) << 3;
  memory.fill(rAF, 0, <usize>ka * rowB);
  memory.fill(rFF, 0, <usize>k * rowB);
  memory.fill(x, 0, <usize>nb * rowB);
  for (let row0 = 0, blk = 0; row0 < m; row0 += nb, blk++) {
    const bl = min(nb, m - row0);
    tsqrLoad(x, rowB, f, k, 0, row0, bl, s);
    const rb = rec + ((<usize>row0 * <usize>ka) << 3);
    for (let j = 0; j < ka; j++) {
      const tau = load<f64>(taus + ((<usize>blk * <usize>ka + <usize>j) << 3));
      if (tau == 0) continue;
      for (let i = 0; i < bl; i++) store<f64>(v + (<usize>i << 3), load<f64>(rb + ((<usize>i * <usize>ka + <usize>j) << 3)));
      tsqrUpdate(x, v, rAF + <usize>j * rowB, bl, rowB, k, tau);
    }
    tsqrBlock(x, rowB, bl, k, rFF, v, 0, 0);
  }
}

/**
 * The upper triangle (j ≥ i) of C = AᵀA for the p×n row-major A, with the operations of
 * matmulTN (src/linalg/matrix.ts) in its order: per row l, C[i, j] += A[l, i]·A[l, j], rows
 * in order, terms with A[l, i] = 0 skipped. The lower triangle is left zero.
 */
export function gramUpper(a: usize, p: i32, n: i32, c: usize): void {
  const rowB = <usize>n << 3;
  memory.fill(c, 0, <usize>n * rowB);
  for (let l = 0; l < p; l++) {
    const al = a + <usize>l * rowB;
    for (let i = 0; i < n; i++) {
      const ali = load<f64>(al + (<usize>i << 3));
      if (ali == 0) continue;
      const vv = f64x2.splat(ali);
      const ci = c + <usize>i * rowB;
      let j = i;
      for (; j + 1 < n; j += 2) {
        const o = <usize>j << 3;
        v128.store(ci + o, f64x2.add(v128.load(ci + o), f64x2.mul(vv, v128.load(al + o))));
      }
      if (j < n) {
        const o = <usize>j << 3;
        store<f64>(ci + o, load<f64>(ci + o) + ali * load<f64>(al + o));
      }
    }
  }
}

/**
 * The exact power of two s with m·s ∈ [1, 2) for a finite m > 0 (s = 2¹⁰⁰⁰ for m < 2⁻¹⁰⁰⁰),
 * 1 for m = 0: powerOfTwoScale of src/linalg/tsqr.ts, from the exponent bits.
 */
function pow2ScaleFor(m: f64): f64 {
  if (m == 0) return 1;
  const field = <i32>((reinterpret<u64>(m) >> 52) & 0x7ff);
  const e = max(field - 1023, -1000); // subnormal m (field 0): e < −1000 anyway
  return e == 1023 ? reinterpret<f64>(<u64>1 << 51) : reinterpret<f64>(<u64>(1023 - e) << 52);
}

/**
 * One side of the factored error metric, its arguments read from memory at `args` (so that a
 * worker thread gets them through one pointer): i32 f, k, rec, taus, ka, m, rAF, rFF, x, v,
 * nb at args + 0..40. Finds s = the power of two for max |F|, writes it to args + 48 (NaN,
 * and nothing else done, when F holds a NaN or an infinity) and runs {@link tsqrApply}.
 */
export function metricSide(args: usize): void {
  const f = <usize>load<i32>(args), k = load<i32>(args + 4), rec = <usize>load<i32>(args + 8), taus = <usize>load<i32>(args + 12);
  const ka = load<i32>(args + 16), m = load<i32>(args + 20), rAF = <usize>load<i32>(args + 24), rFF = <usize>load<i32>(args + 28);
  const x = <usize>load<i32>(args + 32), v = <usize>load<i32>(args + 36), nb = load<i32>(args + 40);
  const mF = maxAbs64(f, m * k);
  if (!isFinite(mF)) {
    store<f64>(args + 48, NaN);
    return;
  }
  const s = pow2ScaleFor(mF);
  store<f64>(args + 48, s);
  tsqrApply(f, k, m, s, rec, taus, ka, rAF, rFF, x, v, nb);
}
