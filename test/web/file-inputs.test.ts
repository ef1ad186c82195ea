import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Session, SessionError } from "../../web/src/engine.js";
import { defaultState, queryToState } from "../../web/src/state.js";
import { fileInputProblems } from "../../web/src/fileInputs.js";

/**
 * The explorer refuses configs that read files (a web page has no file system), naming the
 * field, before the library's readers run. In Node the readers would succeed on the real
 * files made here, so each refusal below fails if the check is removed.
 */
describe("explorer: inputs from files are refused, naming the field", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matsense-web-files-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const csv = path.join(dir, "entries.csv");
  // a 3×3 matrix, every entry observed (1-based): completion-file resolves and runs in Node
  fs.writeFileSync(csv, Array.from({ length: 9 }, (_, e) => `${Math.floor(e / 3) + 1},${(e % 3) + 1},${e % 4}`).join("\n") + "\n");
  const completion = {
    problem: { n: 3, rank: 1, truth: "none" },
    operator: { type: "completion-file", file: csv, indexBase: 1 },
    model: { type: "asymmetric", k: 1 },
  };
  const message = /: cannot be read \(the explorer runs in a web page, which has no file system\); run this config with the CLI/;

  it("completion-file: the session is refused with operator.file and the file named (never a throw of the reader)", () => {
    let err: unknown;
    try {
      new Session({ ...defaultState(), config: completion }).dispose();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SessionError);
    expect((err as SessionError).problems).toEqual([{ path: "operator.file", message: expect.stringMatching(message) }]);
    expect((err as SessionError).problems[0].message.startsWith(`${csv}: cannot be read`)).toBe(true);
  });

  it("a link with a file input gives the defaults and a notice naming the field", () => {
    const q = `?problem.n=3&problem.rank=1&problem.truth=none&operator.type=completion-file&operator.file=${encodeURIComponent(csv)}&operator.indexBase=1`;
    const d = queryToState(q + "&model.type=asymmetric&model.k=1");
    expect(d.notice).toMatch(/^The link's parameters were not usable.*operator\.file: .*entries\.csv: cannot be read \(the explorer runs in a web page/);
    expect(d.state).toEqual(defaultState());
  });

  it("names every file field the config would read, and only those", () => {
    const all = {
      problem: { truth: "file", file: "M.npy" },
      operator: { type: "dense-file", file: "A.npy", yFile: "y.npy" },
      init: { type: "file", dir: "run" },
    };
    expect(fileInputProblems(all).map((p) => p.path)).toEqual(["problem.file", "operator.file", "operator.yFile", "init.dir"]);
    // problem.file / init.dir are read only with truth "file" / init.type "file"
    expect(fileInputProblems({ problem: { truth: "psd", file: "M.npy" }, init: { dir: "run" } })).toEqual([]);
    expect(fileInputProblems({ problem: { n: 5 } })).toEqual([]);
  });

  it("a config without files still runs", () => {
    const s = new Session({ ...defaultState(), config: { problem: { n: 4, rank: 1 }, stop: { maxIterations: 3 } } });
    s.advance(Infinity);
    expect(s.runs[0].status).toBe("max-iterations");
    s.dispose();
  });
});
