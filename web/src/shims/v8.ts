/**
 * Browser stand-in for `node:v8`: the kernels set V8's relaxed-SIMD flag before compiling
 * the `wasm-relaxed` module on Node 20. A browser has no such switch (Chromium enables relaxed
 * SIMD by default), so setting a flag does nothing and the module's validation decides.
 */
export function setFlagsFromString(_flags: string): void {}

export default { setFlagsFromString };
