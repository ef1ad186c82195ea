/**
 * The command protocol between the kernel thread pool (wasm.ts) and its worker threads
 * (worker-source.ts), stated once: each worker owns a slot of {@link SLOT_INTS} int32
 * (64 bytes) in a shared control array; the pool writes the arguments, then bumps SEQ; the
 * worker runs the op on [LO, HI), writes ERR, sets DONE = SEQ and notifies. A float64 at
 * byte {@link SCALAR_BYTE} of the slot (ints 12–13) carries the result of sum64 and the
 * `scale` argument of the fused kernels; R and ACC are the fused kernels' r and acc offsets.
 */
export const SLOT_INTS = 16;

/** Byte offset of the float64 scalar inside a slot. */
export const SCALAR_BYTE = 48;

/** Int32 index of each field inside a slot. */
export const CTRL = { SEQ: 0, DONE: 1, OP: 2, A: 3, X: 4, Y: 5, ROWS: 6, COLS: 7, LO: 8, HI: 9, ERR: 10, READY: 11, R: 14, ACC: 15 } as const;

/** Operation codes (0 stops the worker); 8 and above are the raw commands of the structured kernels. */
export const OP = {
  STOP: 0,
  GEMV64: 1,
  GEMV32: 2,
  GEMVT64: 3,
  GEMVT32: 4,
  SUM64: 5,
  FUSED64: 6,
  FUSED32: 7,
  COMP_APPLY: 8,
  COMP_SG: 9,
  COMP_STF: 10,
  FWHT_BLOCKS: 11,
  FWHT_LEVELS: 12,
  SRHT_FILL: 13,
  SRHT_SG: 14,
  SRHT_STF: 15,
  METRIC_SIDE: 16,
  FUSED_BATCH64: 17,
  FUSED_BATCH32: 18,
} as const;

/** The int32 slots that carry a raw command's integer arguments, in order (up to 7). */
export const RAW_ARGS = [CTRL.A, CTRL.X, CTRL.Y, CTRL.ROWS, CTRL.COLS, CTRL.R, CTRL.ACC] as const;
