import { expect } from "vitest";
import type { Stepper } from "../../src/algorithms/stepper.js";
import { buildInit, buildInstance } from "../../src/catalogue/instance.js";
import { createStepper } from "../../src/catalogue/registry.js";
import type { ResolvedConfig } from "../../src/config/schema.js";

/**
 * Runs `before` steps, saves the state, runs `after` more; a fresh stepper restored from the
 * state and run `after` steps must land on the same product bit for bit. Returns the first stepper.
 */
export function expectBitwiseResume(cfg: ResolvedConfig, before: number, after: number): Stepper {
  const inst = buildInstance(cfg);
  const a = createStepper(cfg, inst, buildInit(cfg, inst));
  for (let t = 0; t < before; t++) a.step();
  const saved = a.saveState!()!;
  for (let t = 0; t < after; t++) a.step();
  const b = createStepper(cfg, inst, buildInit(cfg, inst));
  b.restoreState!(saved);
  for (let t = 0; t < after; t++) b.step();
  expect(b.product().data).toEqual(a.product().data);
  return a;
}
