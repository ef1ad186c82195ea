/**
 * Every test file gets its own temp root, removed when the file's tests end: `TMPDIR` is
 * pointed at a fresh `matsense-tests-*` folder, so the folders the tests make with
 * `fs.mkdtempSync(path.join(os.tmpdir(), …))` — and those of the CLI processes they start,
 * which inherit the environment — live inside it and go with it. Before, a full test run
 * left thousands of `matsense-*` folders in /tmp.
 *
 * The real temp folder is remembered in `MATSENSE_TEST_TMP_BASE` (a worker process that runs
 * several files must not nest a file's root in the previous, removed, one). Setting
 * `MATSENSE_KEEP_TEST_TMP=1` keeps the roots (their paths are printed) for debugging.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll } from "vitest";

process.env.MATSENSE_TEST_TMP_BASE ??= os.tmpdir();
const root = fs.mkdtempSync(path.join(process.env.MATSENSE_TEST_TMP_BASE, "matsense-tests-"));
process.env.TMPDIR = root;

afterAll(() => {
  if (process.env.MATSENSE_KEEP_TEST_TMP === "1") {
    process.stderr.write(`matsense tests: temp folders kept in ${root}\n`);
    return;
  }
  fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
});
