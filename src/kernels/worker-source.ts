import { CTRL, OP, RAW_ARGS, SCALAR_BYTE, SLOT_INTS } from "./protocol.js";

/** `c[i], c[j], …` for the first n raw-argument slots. */
const raw = (n: number) =>
  RAW_ARGS.slice(0, n)
    .map((i) => `c[${i}]`)
    .join(", ");

/**
 * Source of the kernel worker thread (run with `new Worker(WORKER_SOURCE, { eval: true })`,
 * so no separate file has to be found from both src/ and dist/). The worker instantiates
 * the already compiled kernels module on the shared memory it is given and then serves
 * commands from its slot of the control array (the protocol of protocol.ts, whose constants
 * are interpolated here): wait for SEQ to change → run op on [LO, HI) → DONE = SEQ → notify.
 * OP.STOP stops it.
 */
export const WORKER_SOURCE = `
"use strict";
const { workerData } = require("node:worker_threads");
const { module, memory, ctrl, slot } = workerData;
const c = new Int32Array(ctrl, slot * ${4 * SLOT_INTS}, ${SLOT_INTS});
const r = new Float64Array(ctrl, slot * ${4 * SLOT_INTS} + ${SCALAR_BYTE}, 1);
let k;
try {
  k = new WebAssembly.Instance(module, { env: { memory } }).exports;
} catch (e) {
  Atomics.store(c, ${CTRL.READY}, 2);
  Atomics.notify(c, ${CTRL.READY});
  throw e;
}
Atomics.store(c, ${CTRL.READY}, 1);
Atomics.notify(c, ${CTRL.READY});
let seen = 0; // the pool starts at sequence 0 (a command may already be posted when we get here)
for (;;) {
  Atomics.wait(c, ${CTRL.SEQ}, seen);
  const seq = Atomics.load(c, ${CTRL.SEQ});
  if (seq === seen) continue;
  seen = seq;
  const op = c[${CTRL.OP}];
  if (op === ${OP.STOP}) break;
  let err = 0;
  try {
    const a = c[${CTRL.A}], x = c[${CTRL.X}], y = c[${CTRL.Y}], rows = c[${CTRL.ROWS}], cols = c[${CTRL.COLS}], lo = c[${CTRL.LO}], hi = c[${CTRL.HI}];
    switch (op) {
      case ${OP.GEMV64}: k.gemv64(a, x, y, cols, lo, hi); break;
      case ${OP.GEMV32}: k.gemv32(a, x, y, cols, lo, hi); break;
      case ${OP.GEMVT64}: k.gemvT64(a, x, y, rows, cols, lo, hi); break;
      case ${OP.GEMVT32}: k.gemvT32(a, x, y, rows, cols, lo, hi); break;
      case ${OP.SUM64}: r[0] = k.sum64(a, lo, hi); break;
      case ${OP.FUSED64}: k.fused64(a, x, y, c[${CTRL.R}], c[${CTRL.ACC}], rows, cols, lo, hi, r[0]); break;
      case ${OP.FUSED32}: k.fused32(a, x, y, c[${CTRL.R}], c[${CTRL.ACC}], rows, cols, lo, hi, r[0]); break;
      // raw commands (ThreadPool.postRaw): integer arguments in the RAW_ARGS slots, range [LO, HI), float r[0]
      case ${OP.COMP_APPLY}: k.compApply(${raw(6)}, lo, hi, r[0]); break;
      case ${OP.COMP_SG}: k.compSG(${raw(6)}, lo, hi, r[0]); break;
      case ${OP.COMP_STF}: k.compStF(${raw(7)}, lo, hi, r[0]); break;
      case ${OP.FWHT_BLOCKS}: k.fwhtBlocks(${raw(2)}, lo, hi); break;
      case ${OP.FWHT_LEVELS}: k.fwhtLevels(${raw(3)}, lo, hi); break;
      case ${OP.SRHT_FILL}: k.srhtFill(${raw(6)}, lo, hi); break;
      case ${OP.SRHT_SG}: k.srhtSG(${raw(6)}, lo, hi); break;
      case ${OP.SRHT_STF}: k.srhtStF(${raw(7)}, lo, hi); break;
      case ${OP.METRIC_SIDE}: k.metricSide(${raw(1)}); break;
      case ${OP.FUSED_BATCH64}: k.fusedBatch64(${raw(6)}, lo, hi, r[0]); break;
      case ${OP.FUSED_BATCH32}: k.fusedBatch32(${raw(6)}, lo, hi, r[0]); break;
      default: err = 2;
    }
  } catch (e) {
    err = 1;
  }
  c[${CTRL.ERR}] = err;
  Atomics.store(c, ${CTRL.DONE}, seq);
  Atomics.notify(c, ${CTRL.DONE});
}
`;
