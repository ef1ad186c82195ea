/** Dense linear algebra: matrices, BLAS-like kernels and small factorizations. */
export * from "./matrix.js";
export * from "./qr.js";
export * from "./eig.js";
export * from "./svd.js";
export * from "./cholesky.js";
