/**
 * Above this many entries (n1·n2) a problem is "large": M* is formed only on demand, y =
 * A(M*) is measured from the factors of M*, and errors are computed from the factors by a
 * QR-based formula — nothing of size n1×n2 is formed in the loop. One constant for all of
 * these, so a problem is large or small everywhere at once.
 */
export const DENSE_ENTRIES_LIMIT = 4_000_000;
