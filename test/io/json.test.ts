import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { JsonInputError, MAX_JSON_DEPTH, lineColumn, parseJsonText, readJsonInput } from "../../src/io/json.js";
import { resolveConfig } from "../../src/config/schema.js";

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "",
    err = "";
  const code = await main(["node", "matsense", ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

function file(text: string, name = "c.json"): string {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "matsense-json-")), name);
  fs.writeFileSync(f, text);
  return f;
}

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected an error");
}

describe("strict JSON input", () => {
  it("accepts a UTF-8 byte-order mark", () => {
    expect(parseJsonText('\ufeff{"seed": 3}')).toEqual({ seed: 3 });
  });

  it("refuses duplicate keys, naming the key, its path and the line of the first one", () => {
    const m = message(() => parseJsonText('{"problem": {"n": 20,\n  "n": 30}}', { source: "config file c.json" }));
    expect(m).toContain('duplicate key "n"');
    expect(m).toContain("problem.n");
    expect(m).toContain("line 2, column 3");
    expect(m).toContain("first at line 1");
  });

  it("gives line:column, the offending line and a caret for a syntax error", () => {
    const m = message(() => parseJsonText('{\n  "seed": 1\n  "problem": {}\n}'));
    expect(m).toContain("line 3, column 3");
    expect(m).toContain('    "problem": {}');
    expect(m.split("\n")[2]).toBe("      ^");
  });

  it("says that the top level must be an object for an array, a number or null", () => {
    expect(message(() => parseJsonText("[1, 2]"))).toContain("the top level must be a JSON object { … }, not an array");
    expect(message(() => parseJsonText("3"))).toContain("not a number");
    expect(message(() => parseJsonText("null"))).toContain("not null");
  });

  it("refuses number literals that overflow to ∞ or underflow to 0, naming the field", () => {
    const big = message(() => parseJsonText('{"problem": {"n": 1e309}}'));
    expect(big).toContain("problem.n: 1e309 is not a finite number (too large");
    expect(message(() => parseJsonText('{"init": {"alpha": 1e-400}}'))).toContain("init.alpha: 1e-400 is too small to be represented: it underflows to 0");
    expect(message(() => parseJsonText('{"p": {"s": [1, 2e400]}}'))).toContain("p.s[1]");
    // exact zeros and ordinary small numbers are fine
    expect(parseJsonText('{"a": 0, "b": 0.0e-500, "c": 5e-324}')).toEqual({ a: 0, b: 0, c: 5e-324 });
  });

  it(`refuses nesting deeper than ${MAX_JSON_DEPTH} levels without recursing (5000 and 10⁶ levels)`, () => {
    for (const depth of [5000, 1_000_000]) {
      const m = message(() => parseJsonText(`{"a": ${"[".repeat(depth)}${"]".repeat(depth)}}`));
      expect(m).toContain(`nested more than ${MAX_JSON_DEPTH} levels deep`);
    }
    // brackets inside strings do not count
    expect(parseJsonText(`{"a": "${"[".repeat(1000)}"}`)).toEqual({ a: "[".repeat(1000) });
  });

  it("names the path and the reason in words when a file cannot be read", () => {
    const missing = path.join(os.tmpdir(), "no-such-dir-matsense", "my.json");
    const m = message(() => readJsonInput(missing, "config"));
    expect(m).toBe(`cannot read config file ${missing}: no such file or directory (ENOENT)`);
    expect(message(() => readJsonInput(os.tmpdir(), "grid"))).toContain("it is a directory");
  });

  it("lineColumn counts lines and columns from 1", () => {
    expect(lineColumn("ab\ncd", 4)).toEqual({ line: 2, column: 2, lineText: "cd" });
  });

  it("throws JsonInputError (not SyntaxError) for every bad input", () => {
    for (const t of ["", "{", '{"a":}', "{'a':1}", '{"a":1,}', "// c\n{}", '{"a": NaN}', '{"a": 01}']) {
      expect(() => parseJsonText(t)).toThrow(JsonInputError);
    }
  });
});

describe("messages of the CLI for bad config files (issue 14 item 7, issue 15 item 6)", () => {
  it("a missing config file names the path, exit 2", async () => {
    const r = await cli("run", "--config", "/nonexistent/my.json");
    expect(r.code).toBe(2);
    expect(r.err).toBe("matsense: cannot read config file /nonexistent/my.json: no such file or directory (ENOENT)\n");
  });

  it("problem.n = 1e309 is 'not a finite number', not 'must be a number (got null)'", async () => {
    const r = await cli("config", "--config", file('{"problem": {"n": 1e309}}'));
    expect(r.code).toBe(2);
    expect(r.err).toContain("problem.n: 1e309 is not a finite number");
    expect(r.err).not.toContain("got null");
  });

  it("a config with a BOM runs; a duplicate key is refused with exit 2", async () => {
    expect((await cli("config", "--config", file('\ufeff{"seed": 4}'))).out).toContain('"seed": 4');
    const r = await cli("config", "--config", file('{"seed": 4, "seed": 5}'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('duplicate key "seed"');
  });

  it("invalid JSON reports line:column and the line, and a JSON array gets its own message", async () => {
    const r = await cli("config", "--config", file('{\n "seed": 1,\n}'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/line 3, column 1: a property name in double quotes was expected/);
    const a = await cli("sweep", "--grid", file("[{}]"));
    expect(a.code).toBe(2);
    expect(a.err).toContain("the top level must be a JSON object { … }, not an array");
  });

  it("--set values follow the same strict rules: 5000-deep nesting and 1e309 are refused naming the field (exit 2)", async () => {
    const deep = await cli("config", "--set", `problem.singularValues=${"[".repeat(5000)}${"]".repeat(5000)}`);
    expect(deep.code).toBe(2);
    expect(deep.err).toContain("problem.singularValues: nested more than 64 levels deep");
    const big = await cli("config", "--set", "problem.n=1e309");
    expect(big.code).toBe(2);
    expect(big.err).toContain("problem.n: 1e309 is not a finite number");
    // a value that is not JSON is still taken as a string
    expect((await cli("config", "--set", "method.name=precgd")).out).toContain('"name": "precgd"');
  });

  it("operator.m = 2^53 'exceeds the largest safe integer'; Infinity from the library is 'not a finite number'", () => {
    expect(message(() => resolveConfig({ operator: { m: 9007199254740992 } }))).toContain("operator.m: exceeds the largest safe integer");
    expect(message(() => resolveConfig({ problem: { n: Infinity } }))).toBe("problem.n: is not a finite number (got Infinity)");
  });

  it("an unknown preset says 'unknown preset' with the closest name, exit 2", async () => {
    const r = await cli("reproduce", "xiong-symetric", "--quick");
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown preset "xiong-symetric"; did you mean "xiong-symmetric"?');
    expect(r.err).not.toContain("invalid config");
  });
});
