/**
 * Config fields that name a file (docs/inputs.md): the explorer runs in a web page, which has
 * no file system, so a config that would read one is refused before the library tries — with
 * a message of the CLI's form for a file it cannot read (`field: file: cannot be read (…)`),
 * naming the field. Without this the library's readers would throw from inside the page's
 * validation (completion-file counts its entries when the config is resolved). Pure module.
 */
import { ConfigError, getPath } from "../../src/config/schema.js";
import type { FieldProblem } from "./checks.js";

/** The file fields and when the library reads them (a field that is set but not used is left to the schema). */
const FILE_FIELDS: { path: string; read: (c: Record<string, unknown>) => boolean }[] = [
  { path: "problem.file", read: (c) => getPath(c, "problem.truth") === "file" },
  { path: "operator.file", read: () => true },
  { path: "operator.yFile", read: () => true },
  { path: "init.dir", read: (c) => getPath(c, "init.type") === "file" },
];

/** One problem per file the config `input` (as written, before resolution) would read. */
export function fileInputProblems(input: Record<string, unknown>): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const f of FILE_FIELDS) {
    const file = getPath(input, f.path);
    if (file === undefined || !f.read(input)) continue;
    const message =
      `${String(file)}: cannot be read (the explorer runs in a web page, which has no file system); ` +
      "run this config with the CLI (npx matsense run), or drop a finished run's folder on the page to view it";
    out.push({ path: f.path, message });
  }
  return out;
}

/** Throws a ConfigError naming each file field the config would read (see {@link fileInputProblems}). */
export function refuseFileInputs(input: Record<string, unknown>): void {
  const problems = fileInputProblems(input);
  // the message names the file: no "(got …)" after it
  if (problems.length) throw new ConfigError(problems.map((p) => ({ path: p.path, value: undefined, message: p.message })));
}
