import { type RateClass, fitRates } from "./rates.js";
import type { RunResultFiles } from "./results.js";

/**
 * The fitted convergence of one run (results/rates.ts on its error curve), with only the
 * numbers its class gives a meaning to: λ and q for a linear run, the log-log slope for a
 * sublinear one, neither for a stalled or diverged run. For the gradient flow the curve is
 * fitted against its integrated time (flow_time), never against its adaptive step count,
 * so λ is per unit time there.
 */
export interface RunRate {
  /** The error column fitted. */
  metric: string;
  /** What the fit's t is: GD iterations, or the gradient flow's time. */
  axis: "iteration" | "flow_time";
  classification: RateClass;
  /** λ = −d ln e/dt over the tail window (linear runs). */
  linear_rate?: number;
  /** q = e^(−λ) per unit t (linear runs). */
  contraction?: number;
  /** d ln e/d ln t over the tail window (sublinear runs). */
  loglog_slope?: number;
  /** The tail window [from, to] (in `axis` units). */
  from: number;
  to: number;
}

/** The fitted rate of a run's `metric` curve (undefined when the folder has no valid metrics or no such column). */
export function runRate(files: RunResultFiles, metric = "rel_error"): RunRate | undefined {
  const t = files.metrics;
  if (!t || !t.data[metric]) return undefined;
  const flow = (files.config.method as { name?: string } | undefined)?.name === "gradient-flow" && t.data.flow_time !== undefined;
  const x = flow ? t.data.flow_time : t.data.iteration;
  const fit = fitRates(x, t.data[metric], { status: (files.summary as { status?: string } | undefined)?.status });
  return {
    metric,
    axis: flow ? "flow_time" : "iteration",
    classification: fit.classification,
    ...(fit.classification === "linear" && Number.isFinite(fit.linearRate) ? { linear_rate: fit.linearRate, contraction: fit.contraction } : {}),
    ...(fit.classification === "sublinear" ? { loglog_slope: fit.logLogSlope } : {}),
    from: fit.from,
    to: fit.to,
  };
}

/** One line: "rate (rel_error): linear, λ = 1.12e-1 per iteration (q = 0.894), fitted over [1000, 2000]". */
export function formatRunRate(r: RunRate): string {
  const unit = r.axis === "flow_time" ? "unit of flow time" : "iteration";
  const window = Number.isFinite(r.from) ? `, fitted over [${r.from}, ${r.to}]` : "";
  if (r.linear_rate !== undefined) {
    return `rate (${r.metric}): linear, λ = ${r.linear_rate.toExponential(2)} per ${unit} (q = ${r.contraction!.toPrecision(4)})${window}`;
  }
  if (r.loglog_slope !== undefined) return `rate (${r.metric}): sublinear, log-log slope ${r.loglog_slope.toFixed(2)} (e ∝ t^slope)${window}`;
  return `rate (${r.metric}): ${r.classification}${window}`;
}
