import { closest, distance } from "fastest-levenshtein";

/**
 * "Did you mean …" for a misspelled config path: the known path that shares its last
 * segment with it (e.g. `alpha` → `init.alpha`) when exactly one does, otherwise the known
 * path (or section) at the smallest Levenshtein edit distance, if that distance is at most
 * max(2, ⌊length/4⌋) — far enough for typos and transpositions (init.alpah, problme.n),
 * near enough not to suggest an unrelated field.
 */
export function suggestPath(unknown: string, known: string[]): string | undefined {
  const candidates = [...new Set(known.flatMap((p) => p.split(".").map((_, i, a) => a.slice(0, i + 1).join("."))))].filter((p) => p !== unknown);
  if (candidates.length === 0) return undefined;
  const leaf = unknown.split(".").pop()!;
  const sameLeaf = known.filter((p) => p !== unknown && p.split(".").pop() === leaf);
  if (sameLeaf.length === 1) return sameLeaf[0];
  const best = closest(unknown, candidates);
  return distance(unknown, best) <= Math.max(2, Math.floor(unknown.length / 4)) ? best : undefined;
}

/** " — did you mean a, b?" for the unknown paths that have a suggestion, or "". */
export function didYouMean(unknown: string[], known: string[]): string {
  const hints = unknown.map((u) => suggestPath(u, known)).filter((s): s is string => s !== undefined);
  return hints.length ? ` — did you mean ${[...new Set(hints)].join(", ")}?` : "";
}
