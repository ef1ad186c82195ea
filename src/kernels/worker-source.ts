/**
 * Source of the kernel worker thread (run with `new Worker(WORKER_SOURCE, { eval: true })`,
 * so no separate file has to be found from both src/ and dist/). The worker instantiates
 * the already compiled kernels module on the shared memory it is given and then serves
 * commands from its 16-int slot of the control array (see ThreadPool in wasm.ts):
 * wait for SEQ to change → run op on [LO, HI) → DONE = SEQ → notify. op 0 stops it.
 */
export const WORKER_SOURCE = `
"use strict";
const { workerData } = require("node:worker_threads");
const { module, memory, ctrl, slot } = workerData;
const c = new Int32Array(ctrl, slot * 64, 16);
const r = new Float64Array(ctrl, slot * 64 + 48, 2);
let k;
try {
  k = new WebAssembly.Instance(module, { env: { memory } }).exports;
} catch (e) {
  Atomics.store(c, 11, 2);
  Atomics.notify(c, 11);
  throw e;
}
Atomics.store(c, 11, 1);
Atomics.notify(c, 11);
let seen = 0; // the pool starts at sequence 0 (a command may already be posted when we get here)
for (;;) {
  Atomics.wait(c, 0, seen);
  const seq = Atomics.load(c, 0);
  if (seq === seen) continue;
  seen = seq;
  const op = c[2];
  if (op === 0) break;
  let err = 0;
  try {
    const a = c[3], x = c[4], y = c[5], rows = c[6], cols = c[7], lo = c[8], hi = c[9];
    switch (op) {
      case 1: k.gemv64(a, x, y, cols, lo, hi); break;
      case 2: k.gemv32(a, x, y, cols, lo, hi); break;
      case 3: k.gemvT64(a, x, y, rows, cols, lo, hi); break;
      case 4: k.gemvT32(a, x, y, rows, cols, lo, hi); break;
      case 5: r[0] = k.sum64(a, lo, hi); break;
      case 6: k.fused64(a, x, y, c[14], c[15], rows, cols, lo, hi, r[0]); break;
      case 7: k.fused32(a, x, y, c[14], c[15], rows, cols, lo, hi, r[0]); break;
      // raw commands (ThreadPool.postRaw): integer arguments in slots 3–7, 14, 15, range [8, 9), float r[0]
      case 8: k.compApply(c[3], c[4], c[5], c[6], c[7], c[14], lo, hi, r[0]); break;
      case 9: k.compSG(c[3], c[4], c[5], c[6], c[7], c[14], lo, hi, r[0]); break;
      case 10: k.compStF(c[3], c[4], c[5], c[6], c[7], c[14], c[15], lo, hi, r[0]); break;
      case 11: k.fwhtBlocks(c[3], c[4], lo, hi); break;
      case 12: k.fwhtLevels(c[3], c[4], c[5], lo, hi); break;
      case 13: k.srhtFill(c[3], c[4], c[5], c[6], c[7], c[14], lo, hi); break;
      case 14: k.srhtSG(c[3], c[4], c[5], c[6], c[7], c[14], lo, hi); break;
      case 15: k.srhtStF(c[3], c[4], c[5], c[6], c[7], c[14], c[15], lo, hi); break;
      default: err = 2;
    }
  } catch (e) {
    err = 1;
  }
  c[10] = err;
  Atomics.store(c, 1, seq);
  Atomics.notify(c, 1);
}
`;
