import type { Aggregate } from "./aggregate.js";
import { formatValue, shortLabel } from "./aggregate.js";
import { medianOf } from "./diagnosticsColumns.js";

/** The runs.csv diagnostics columns shown in reports, with their headers. */
const COLUMNS: [string, string][] = [
  ["final_signal_error", "final signal"],
  ["final_spurious_norm", "final spurious"],
  ["signal_over_spurious", "signal / spurious"],
  ["spurious_loglog_slope", "spurious log-log slope"],
  ["alignment_first_iters", "top direction aligned (sin ≤ 0.1)"],
  ["growth_iters", "error ≤ 0.9"],
  ["alignment_first_at_growth", "top direction's sin at error ≤ 0.9"],
  ["alignment_iters", "alignment iters (sin ≤ 0.1)"],
  ["perturbation_ratio_min", "perturbation min"],
  ["perturbation_ratio_median", "perturbation median"],
  ["perturbation_ratio_max", "perturbation max"],
  ["loss_over_error_decrease", "ln-decrease of loss / of error over [T/2, T]"],
  ["final_error_column_share", "largest column share of ‖Δ‖²"],
  ["final_error_column_observed", "observed entries of that column"],
  ["observed_per_column", "mean observed per column"],
  ["operator_factor", "‖A(Δ)‖²/‖Δ‖² (fit window)"],
  ["imbalance_min_eig", "\\|λ_min(FᵀF − GᵀG)\\| (bound quantity)"],
  ["imbalance_bound_rate", "bound rate −ln(1 − η\\|λ_min\\|)"],
  ["slow_mode_norm2", "slow mode q = σ_min² of F (or X)"],
  ["predicted_rate", "predicted rate −ln(1 − η q)"],
  ["linear_rate", "fitted rate λ"],
  ["rate_over_predicted", "fitted / predicted"],
];

/** A number as shown in report tables (3 significant digits, "—" for missing, "never" for ∞). */
export function formatReportNumber(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return "—";
  if (v === Infinity) return "never";
  if (Number.isInteger(v) && Math.abs(v) < 1e7) return String(v);
  const a = Math.abs(v);
  return a >= 0.01 && a < 1000 ? String(Number(v.toPrecision(3))) : v.toExponential(2);
}

/**
 * The "Diagnostics" section of a preset report (medians over seeds of the columns of
 * {@link import("./diagnosticsColumns.js").diagnosticsColumns}), or no lines when the
 * sweep did not record `record.diagnostics`.
 */
export function diagnosticsReportLines(agg: Aggregate, labels: Record<string, string>): string[] {
  const present = COLUMNS.filter(([c]) => c !== "linear_rate" && agg.points.some((p) => p.median[c] !== undefined));
  if (!present.length) return [];
  const cols = agg.points.some((p) => p.median.predicted_rate !== undefined)
    ? COLUMNS.filter(([c]) => c === "linear_rate" || present.some(([q]) => q === c))
    : present;
  const lab = (p: string) => labels[p] ?? shortLabel(p);
  const lines = ["## Diagnostics (record.diagnostics)", ""];
  lines.push(
    `| ${[...agg.paths.map(lab), ...cols.map(([, h]) => h)].join(" | ")} |`,
    `|${Array(agg.paths.length + cols.length)
      .fill("---")
      .join("|")}|`,
  );
  for (const p of agg.points)
    lines.push(`| ${[...agg.paths.map((k) => formatValue(p.params[k])), ...cols.map(([c]) => formatReportNumber(p.median[c]))].join(" | ")} |`);
  // the outcome table matters where some run fits the measurements without recovering M*
  if (agg.runs.some((r) => r.interpolated === 1)) {
    lines.push(
      "",
      "Outcomes per point (runs): recovered = final rel_error < 1e-6; interpolated = the loss has converged (final loss < 1e-12) while the error " +
        "(≥ 1e-6) is frozen (|ln(e(T)/e(T/2))| < 0.01): more iterations will not change either class; undecided = the loss is still above 1e-12 " +
        "at this budget.",
      "",
    );
    const header = [...agg.paths.map(lab), "recovered", "interpolated", "undecided"];
    lines.push(`| ${header.join(" | ")} |`, `|${Array(header.length).fill("---").join("|")}|`);
    for (const p of agg.points) {
      const rs = agg.runs.filter((r) => r.point === p.point && r.recovered !== undefined);
      const rec = rs.filter((r) => r.recovered === 1).length,
        int = rs.filter((r) => r.interpolated === 1).length;
      const cells = [...agg.paths.map((k) => formatValue(p.params[k])), `${rec}/${rs.length}`, `${int}/${rs.length}`, `${rs.length - rec - int}/${rs.length}`];
      lines.push(`| ${cells.join(" | ")} |`);
    }
  }
  lines.push(
    "",
    "Medians over seeds. signal = ‖U*ᵀΔV*‖_F/‖M*‖_F, spurious = ‖U⊥ᵀPV⊥‖_F/‖M*‖_F (Δ = P − M*); the spurious log-log slope is fitted over the tail [T/2, T]; " +
      "alignment iters: first recorded iteration where sin of the largest principal angle between the truth's subspaces and the factors' top-r " +
      "singular subspaces is ≤ 0.1; " +
      "perturbation = ‖A*A(Δ) − Δ‖₂/‖Δ‖_F over iterations ≥ 1; the spurious log-log slope is shown only where the spurious part is sublinear. " +
      "For k > r, q = max(σ_min(F)², σ_min(G)²) is the slow mode's quantity (≈ ‖U⊥ᵀF w‖², w spanning the null space of V*ᵀG; σ_min(X)² for XXᵀ) " +
      "and the predicted rate " +
      "−ln(1 − η q) is exact under the identity operator; under sensing fitted / predicted is the operator's factor on the slow mode, measured. " +
      "|λ_min(FᵀF − GᵀG)| is the convergence theorem's lower-bound quantity, not the rate. Medians over the fit window. Definitions: docs/diagnostics.md.",
    "",
  );
  return lines;
}

/**
 * The "symmetric part" section of a report: for the points whose runs record sym_rel_error (FGᵀ under
 * symmetric Aᵢ: the skew part is invisible), the fit of ‖(P + Pᵀ)/2 − M*‖_F/‖M*‖_F — its class (the
 * runs' tally), λ for linear runs and the log-log slope for sublinear ones (medians over those runs).
 */
export function symmetricPartReportLines(agg: Aggregate, labels: Record<string, string>): string[] {
  const lab = (p: string) => labels[p] ?? shortLabel(p);
  const rows: string[] = [];
  for (const p of agg.points) {
    const rs = agg.runs.filter((r) => r.point === p.point && typeof r.sym_rate_class === "string" && r.sym_rate_class !== "");
    if (!rs.length) continue;
    const tally = new Map<string, number>();
    for (const r of rs) tally.set(String(r.sym_rate_class), (tally.get(String(r.sym_rate_class)) ?? 0) + 1);
    const med = (c: string) => medianOf(rs.map((r) => Number(r[c])));
    rows.push(
      `| ${[
        ...agg.paths.map((k) => formatValue(p.params[k])),
        formatReportNumber(med("final_sym_rel_error")),
        formatReportNumber(med("sym_linear_rate")),
        formatReportNumber(med("sym_loglog_slope")),
        [...tally].map(([c, n]) => `${c} ×${n}`).join(", "),
      ].join(" | ")} |`,
    );
  }
  if (!rows.length) return [];
  return [
    "## The symmetric part (sym_rel_error)",
    "",
    `| ${[...agg.paths.map(lab), "final sym_rel_error", "λ (linear runs)", "log-log slope (sublinear runs)", "class"].join(" | ")} |`,
    `|${Array(agg.paths.length + 4)
      .fill("---")
      .join("|")}|`,
    ...rows,
    "",
    "Medians over seeds of the fit of sym_rel_error = ‖(P + Pᵀ)/2 − M*‖_F/‖M*‖_F, " +
      "recorded where the measurements see only the symmetric part of FGᵀ " +
      "(symmetric Aᵢ); same window [T/2, T] and classification rule as above.",
    "",
  ];
}
