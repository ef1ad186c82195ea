/**
 * Dense row-major `Float64Array` matrices with an explicit shape, and the small
 * BLAS-like kernels the algorithms need. Entry (i, j) lives at `data[i * cols + j]`
 * (C order, the same layout as a NumPy array saved with `np.save`).
 *
 * Every function that produces a matrix takes an optional `out` so that hot loops can
 * reuse buffers; `out` must have the right shape and must not alias an input unless the
 * function says so.
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

function assertDim(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative integer, got ${n}`);
}

/** A `rows × cols` matrix over `data` (not copied) or over new zeros. */
export function matrix(rows: number, cols: number, data?: Float64Array): Matrix {
  assertDim(rows, "rows");
  assertDim(cols, "cols");
  if (data === undefined) return { rows, cols, data: new Float64Array(rows * cols) };
  if (data.length !== rows * cols) {
    throw new RangeError(`matrix(${rows}, ${cols}) needs ${rows * cols} entries, got ${data.length}`);
  }
  return { rows, cols, data };
}

/** The `rows × cols` zero matrix. */
export function zeros(rows: number, cols: number): Matrix {
  return matrix(rows, cols);
}

/** The n × n identity. */
export function identity(n: number): Matrix {
  const I = zeros(n, n);
  for (let i = 0; i < n; i++) I.data[i * n + i] = 1;
  return I;
}

/** A matrix from nested arrays (rows of equal length). */
export function fromRows(rows: ArrayLike<ArrayLike<number>>): Matrix {
  const r = rows.length;
  const c = r === 0 ? 0 : rows[0].length;
  const M = zeros(r, c);
  for (let i = 0; i < r; i++) {
    if (rows[i].length !== c) throw new RangeError(`fromRows: row ${i} has ${rows[i].length} entries, expected ${c}`);
    for (let j = 0; j < c; j++) M.data[i * c + j] = rows[i][j];
  }
  return M;
}

/** diag(d) as a square matrix. */
export function diag(d: ArrayLike<number>): Matrix {
  const n = d.length;
  const D = zeros(n, n);
  for (let i = 0; i < n; i++) D.data[i * n + i] = d[i];
  return D;
}

/** Entry (i, j). */
export function get(A: Matrix, i: number, j: number): number {
  return A.data[i * A.cols + j];
}

/** A deep copy. */
export function clone(A: Matrix): Matrix {
  return { rows: A.rows, cols: A.cols, data: A.data.slice() };
}

export function assertSameShape(A: Matrix, B: Matrix, where: string): void {
  if (A.rows !== B.rows || A.cols !== B.cols) {
    throw new RangeError(`${where}: shape ${A.rows}×${A.cols} does not match ${B.rows}×${B.cols}`);
  }
}

function outOrNew(out: Matrix | undefined, rows: number, cols: number, where: string): Matrix {
  if (out === undefined) return zeros(rows, cols);
  if (out.rows !== rows || out.cols !== cols) {
    throw new RangeError(`${where}: out is ${out.rows}×${out.cols}, expected ${rows}×${cols}`);
  }
  return out;
}

/** Aᵀ. */
export function transpose(A: Matrix, out?: Matrix): Matrix {
  const T = outOrNew(out, A.cols, A.rows, "transpose");
  const { rows, cols, data } = A;
  const t = T.data;
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = data[i * cols + j];
  return T;
}

/** C = A B. `out` must not alias A or B. */
export function matmul(A: Matrix, B: Matrix, out?: Matrix): Matrix {
  if (A.cols !== B.rows) throw new RangeError(`matmul: ${A.rows}×${A.cols} times ${B.rows}×${B.cols}`);
  const C = outOrNew(out, A.rows, B.cols, "matmul");
  const n = A.rows,
    p = A.cols,
    q = B.cols;
  const a = A.data,
    b = B.data,
    c = C.data;
  c.fill(0);
  for (let i = 0; i < n; i++) {
    const ci = i * q;
    for (let l = 0; l < p; l++) {
      const ail = a[i * p + l];
      if (ail === 0) continue;
      const bl = l * q;
      for (let j = 0; j < q; j++) c[ci + j] += ail * b[bl + j];
    }
  }
  return C;
}

/** C = Aᵀ B (A is p×n, B is p×q, C is n×q). `out` must not alias A or B. */
export function matmulTN(A: Matrix, B: Matrix, out?: Matrix): Matrix {
  if (A.rows !== B.rows) throw new RangeError(`matmulTN: (${A.rows}×${A.cols})ᵀ times ${B.rows}×${B.cols}`);
  const C = outOrNew(out, A.cols, B.cols, "matmulTN");
  const p = A.rows,
    n = A.cols,
    q = B.cols;
  const a = A.data,
    b = B.data,
    c = C.data;
  c.fill(0);
  for (let l = 0; l < p; l++) {
    const al = l * n,
      bl = l * q;
    for (let i = 0; i < n; i++) {
      const ali = a[al + i];
      if (ali === 0) continue;
      const ci = i * q;
      for (let j = 0; j < q; j++) c[ci + j] += ali * b[bl + j];
    }
  }
  return C;
}

/** C = A Bᵀ (A is n×p, B is q×p, C is n×q). `out` must not alias A or B. */
export function matmulNT(A: Matrix, B: Matrix, out?: Matrix): Matrix {
  if (A.cols !== B.cols) throw new RangeError(`matmulNT: ${A.rows}×${A.cols} times (${B.rows}×${B.cols})ᵀ`);
  const C = outOrNew(out, A.rows, B.rows, "matmulNT");
  const n = A.rows,
    p = A.cols,
    q = B.rows;
  const a = A.data,
    b = B.data,
    c = C.data;
  for (let i = 0; i < n; i++) {
    const ai = i * p;
    for (let j = 0; j < q; j++) {
      const bj = j * p;
      let s = 0;
      for (let l = 0; l < p; l++) s += a[ai + l] * b[bj + l];
      c[i * q + j] = s;
    }
  }
  return C;
}

/** y = A x. */
export function gemv(A: Matrix, x: ArrayLike<number>, out?: Float64Array): Float64Array {
  if (x.length !== A.cols) throw new RangeError(`gemv: ${A.rows}×${A.cols} times vector of length ${x.length}`);
  const y = out ?? new Float64Array(A.rows);
  const { rows, cols, data } = A;
  for (let i = 0; i < rows; i++) {
    let s = 0;
    const o = i * cols;
    for (let j = 0; j < cols; j++) s += data[o + j] * x[j];
    y[i] = s;
  }
  return y;
}

/** y = Aᵀ z. */
export function gemvT(A: Matrix, z: ArrayLike<number>, out?: Float64Array): Float64Array {
  if (z.length !== A.rows) throw new RangeError(`gemvT: (${A.rows}×${A.cols})ᵀ times vector of length ${z.length}`);
  const y = out ?? new Float64Array(A.cols);
  y.fill(0);
  const { rows, cols, data } = A;
  for (let i = 0; i < rows; i++) {
    const zi = z[i];
    if (zi === 0) continue;
    const o = i * cols;
    for (let j = 0; j < cols; j++) y[j] += data[o + j] * zi;
  }
  return y;
}

/** out = A + βB (shapes equal; out may alias A or B). */
export function addScaled(A: Matrix, beta: number, B: Matrix, out?: Matrix): Matrix {
  assertSameShape(A, B, "addScaled");
  const C = outOrNew(out, A.rows, A.cols, "addScaled");
  const a = A.data,
    b = B.data,
    c = C.data;
  for (let i = 0; i < a.length; i++) c[i] = a[i] + beta * b[i];
  return C;
}

/** A − B. */
export function sub(A: Matrix, B: Matrix, out?: Matrix): Matrix {
  return addScaled(A, -1, B, out);
}

/** A + B. */
export function add(A: Matrix, B: Matrix, out?: Matrix): Matrix {
  return addScaled(A, 1, B, out);
}

/** βA. */
export function scale(A: Matrix, beta: number, out?: Matrix): Matrix {
  const C = outOrNew(out, A.rows, A.cols, "scale");
  const a = A.data,
    c = C.data;
  for (let i = 0; i < a.length; i++) c[i] = beta * a[i];
  return C;
}

/** (A + Aᵀ)/2 of a square matrix. */
export function symmetricPart(A: Matrix, out?: Matrix): Matrix {
  if (A.rows !== A.cols) throw new RangeError(`symmetricPart: matrix is ${A.rows}×${A.cols}, not square`);
  const n = A.rows;
  const C = outOrNew(out, n, n, "symmetricPart");
  const a = A.data,
    c = C.data;
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const v = 0.5 * (a[i * n + j] + a[j * n + i]);
      c[i * n + j] = v;
      c[j * n + i] = v;
    }
  }
  return C;
}

/** ⟨x, y⟩ = Σ x_i y_i. */
export function dot(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new RangeError(`dot: lengths ${x.length} and ${y.length}`);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

/**
 * Euclidean norm ‖x‖₂ without overflow or harmful underflow: entries are scaled by the
 * running maximum (the LAPACK `dnrm2` / `dlassq` recurrence), so vectors with entries
 * near 1e300 or 1e-300 still give the right answer. Returns NaN if any entry is NaN and
 * Infinity if any is infinite.
 */
export function norm2(x: ArrayLike<number>): number {
  return scaledNorm(x.length, (i) => x[i]);
}

/**
 * ‖v‖₂ of the n values at(0), …, at(n − 1), overflow- and underflow-safe (the scaled sum of
 * squares of LAPACK's dnrm2: scale·√ssq with scale the largest |v_i| so far); NaN if any
 * value is NaN, Infinity if any is infinite. The one implementation behind {@link norm2},
 * {@link frobeniusDistance} and the SVD's row norms.
 */
export function scaledNorm(n: number, at: (i: number) => number): number {
  let scale = 0;
  let ssq = 1;
  for (let i = 0; i < n; i++) {
    const v = at(i);
    if (v !== v) return NaN;
    if (v === 0) continue;
    const a = Math.abs(v);
    if (a === Infinity) return Infinity;
    if (scale < a) {
      const r = scale / a;
      ssq = 1 + ssq * r * r;
      scale = a;
    } else {
      const r = a / scale;
      ssq += r * r;
    }
  }
  return scale * Math.sqrt(ssq);
}

/** True when every entry is finite. */
export function allFinite(x: ArrayLike<number>): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}

/** Frobenius norm ‖A‖_F, overflow-safe (see {@link norm2}). */
export function frobeniusNorm(A: Matrix): number {
  return norm2(A.data);
}

/** ‖A − B‖_F, overflow-safe, without allocating. */
export function frobeniusDistance(A: Matrix, B: Matrix): number {
  assertSameShape(A, B, "frobeniusDistance");
  const a = A.data,
    b = B.data;
  return scaledNorm(a.length, (i) => a[i] - b[i]);
}

/** Trace of a square matrix. */
export function trace(A: Matrix): number {
  if (A.rows !== A.cols) throw new RangeError(`trace: matrix is ${A.rows}×${A.cols}, not square`);
  let s = 0;
  for (let i = 0; i < A.rows; i++) s += A.data[i * A.cols + i];
  return s;
}
