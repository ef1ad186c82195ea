import type { ConfigInput } from "./schema.js";

/**
 * Returns its argument unchanged; in TypeScript it checks a config object against
 * {@link ConfigInput} where it is written and keeps its literal types, so a config kept in a
 * variable (`const base = defineConfig({ method: { name: "gd" } })`) can be spread into
 * `runConfig` calls without widening `"gd"` to `string`. Plain JavaScript needs none of this.
 */
export function defineConfig<const T extends ConfigInput>(config: T): T {
  return config;
}
