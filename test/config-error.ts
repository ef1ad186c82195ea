import { ConfigError } from "../src/config/schema.js";

/** The ConfigError that `fn` throws; fails the test if it throws nothing, rethrows any other error. */
export function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
}
