import { type JSONPath, ParseErrorCode, printParseErrorCode, visit } from "jsonc-parser";
import { requireNodeBuiltin } from "./node-builtins.js";

/**
 * Strict reading of the JSON files a user hands to matsense (configs, grids) and of the
 * JSON matsense reads back. On top of `JSON.parse` it
 *
 * - accepts a UTF-8 byte-order mark;
 * - refuses duplicate keys, naming the key, its path and both lines (JSON.parse silently
 *   keeps the last value);
 * - refuses number literals that do not survive as a float64: `1e309` (overflows to ∞),
 *   `1e-400` (underflows to 0) — JSON.parse turns the first into Infinity, which then
 *   reads as `null` everywhere;
 * - refuses nesting deeper than {@link MAX_JSON_DEPTH} (before any recursive parsing, so
 *   a file of 10⁶ `[` is a one-line error, not a stack overflow);
 * - reports syntax errors with line:column, the offending line and a caret.
 *
 * The syntax check uses jsonc-parser (the scanner of VS Code) with comments and trailing
 * commas disallowed; the value is then built by `JSON.parse`.
 */

/** Deepest nesting of objects/arrays accepted in a JSON input file. */
export const MAX_JSON_DEPTH = 64;

/** A JSON input that cannot be used; the message says where (line:column) and why. */
export class JsonInputError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
    readonly field?: string,
    /** What is wrong: unreadable file, empty, not JSON, a strict rule (depth, duplicate key, number), not an object. */
    readonly kind: "io" | "empty" | "syntax" | "depth" | "duplicate" | "number" | "top-level" = "syntax",
  ) {
    super(message);
    this.name = "JsonInputError";
  }
}

/** 1-based line and column of a character offset, and the text of that line. */
export function lineColumn(text: string, offset: number): { line: number; column: number; lineText: string } {
  let line = 1,
    start = 0;
  const end = Math.min(Math.max(0, offset), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  let stop = text.indexOf("\n", start);
  if (stop < 0) stop = text.length;
  return { line, column: end - start + 1, lineText: text.slice(start, stop).replace(/\r$/, "") };
}

/** "line 3, column 7:\n    <line>\n    <caret>" (the line shortened around the column when long). */
function locate(text: string, offset: number): { where: string; excerpt: string; line: number; column: number } {
  const { line, column, lineText } = lineColumn(text, offset);
  let shown = lineText,
    caret = column - 1;
  if (shown.length > 100) {
    const from = Math.max(0, caret - 50);
    shown = (from > 0 ? "…" : "") + shown.slice(from, from + 100) + (from + 100 < lineText.length ? "…" : "");
    caret = caret - from + (from > 0 ? 1 : 0);
  }
  return { where: `line ${line}, column ${column}`, excerpt: `\n    ${shown}\n    ${" ".repeat(Math.max(0, caret))}^`, line, column };
}

/** A JSON path as a config path: problem.singularValues[2]. */
export function formatJsonPath(p: JSONPath): string {
  let s = "";
  for (const k of p) s += typeof k === "number" ? `[${k}]` : s ? `.${k}` : k;
  return s;
}

const SYNTAX: Partial<Record<ParseErrorCode, string>> = {
  [ParseErrorCode.InvalidSymbol]: "unexpected character",
  [ParseErrorCode.InvalidNumberFormat]: "invalid number",
  [ParseErrorCode.PropertyNameExpected]: "a property name in double quotes was expected",
  [ParseErrorCode.ValueExpected]: "a value was expected",
  [ParseErrorCode.ColonExpected]: "a colon ':' was expected",
  [ParseErrorCode.CommaExpected]: "a comma ',' was expected",
  [ParseErrorCode.CloseBraceExpected]: "a closing brace '}' was expected",
  [ParseErrorCode.CloseBracketExpected]: "a closing bracket ']' was expected",
  [ParseErrorCode.EndOfFileExpected]: "unexpected text after the end of the JSON value",
  [ParseErrorCode.InvalidCommentToken]: "comments are not allowed in JSON",
  [ParseErrorCode.UnexpectedEndOfComment]: "unterminated comment",
  [ParseErrorCode.UnexpectedEndOfString]: "unterminated string",
  [ParseErrorCode.UnexpectedEndOfNumber]: "unterminated number",
  [ParseErrorCode.InvalidUnicode]: "invalid \\u escape",
  [ParseErrorCode.InvalidEscapeCharacter]: "invalid escape character",
  [ParseErrorCode.InvalidCharacter]: "invalid character in a string (control characters must be escaped)",
};

/** Offset of the first point where nesting exceeds `maxDepth`, or -1 (strings are skipped). */
function tooDeepAt(text: string, maxDepth: number): number {
  let depth = 0,
    inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > maxDepth) return i;
    } else if (c === 125 || c === 93) depth--;
  }
  return -1;
}

/** True when a number literal has a non-zero digit in its mantissa (so it is not 0). */
function nonZeroMantissa(literal: string): boolean {
  return /[1-9]/.test(literal.split(/[eE]/)[0]);
}

/**
 * True when a JS value nests objects/arrays deeper than `maxDepth` (iterative, so it is
 * safe on values built in code that no JSON file would allow).
 */
export function nestedDeeperThan(value: unknown, maxDepth = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (d + 1 > maxDepth) return true;
    for (const child of Object.values(v as object)) stack.push([child, d + 1]);
  }
  return false;
}

export interface ParseJsonOptions {
  /** What the text is, for messages: `config file my.json`. */
  source?: string;
  /** Require the top level to be an object (default true). */
  object?: boolean;
  maxDepth?: number;
}

/**
 * Parses JSON text strictly (see the module comment). Throws {@link JsonInputError} with
 * the source, line:column and the offending line.
 */
export function parseJsonText(text: string, opts: ParseJsonOptions = {}): unknown {
  const source = opts.source ?? "JSON input";
  const maxDepth = opts.maxDepth ?? MAX_JSON_DEPTH;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === "") throw new JsonInputError(`${source} is empty (expected a JSON object { … })`, undefined, undefined, undefined, "empty");
  const deep = tooDeepAt(text, maxDepth);
  if (deep >= 0) {
    const l = locate(text, deep);
    throw new JsonInputError(`${source}: nested more than ${maxDepth} levels deep at ${l.where}`, l.line, l.column, undefined, "depth");
  }
  const fast = canonicalJson(text);
  if (fast !== undefined) return checkTopLevel(fast, source, opts);
  const fail = (offset: number, message: string, field: string | undefined, kind: JsonInputError["kind"]): never => {
    const l = locate(text, offset);
    throw new JsonInputError(`${source}${kind === "syntax" ? " is not valid JSON:" : ","} ${l.where}: ${message}${l.excerpt}`, l.line, l.column, field, kind);
  };
  const keys: Map<string, number>[] = [];
  visit(
    text,
    {
      onObjectBegin: () => void keys.push(new Map()),
      onObjectEnd: () => void keys.pop(),
      onObjectProperty: (name, offset, _len, _line, _col, pathSupplier) => {
        const seen = keys[keys.length - 1];
        if (!seen) return;
        const first = seen.get(name);
        if (first !== undefined) {
          const parent = formatJsonPath(pathSupplier());
          const field = parent ? `${parent}.${name}` : name;
          fail(
            offset,
            `duplicate key "${name}" (${field}; first at line ${lineColumn(text, first).line}) — each key may appear once in an object`,
            field,
            "duplicate",
          );
        }
        seen.set(name, offset);
      },
      onLiteralValue: (value, offset, length, _line, _col, pathSupplier) => {
        if (typeof value !== "number") return;
        const field = formatJsonPath(pathSupplier());
        const literal = text.slice(offset, offset + length);
        const at = field ? `${field}: ` : "";
        if (!Number.isFinite(value))
          fail(offset, `${at}${literal} is not a finite number (too large: the largest 64-bit float is about 1.8e308)`, field, "number");
        if (value === 0 && nonZeroMantissa(literal))
          fail(
            offset,
            `${at}${literal} is too small to be represented: it underflows to 0 (the smallest positive 64-bit float is about 5e-324)`,
            field,
            "number",
          );
      },
      onError: (code, offset) => fail(offset, SYNTAX[code] ?? printParseErrorCode(code), undefined, "syntax"),
    },
    { disallowComments: true, allowTrailingComma: false },
  );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // jsonc-parser accepted something JSON.parse does not: report JSON.parse's reason at its position
    const m = /position (\d+)/.exec((e as Error).message);
    fail(m ? Number(m[1]) : 0, (e as Error).message.replace(/ in JSON at position \d+.*$/, ""), undefined, "syntax");
  }
  return checkTopLevel(value, source, opts);
}

function checkTopLevel(value: unknown, source: string, opts: ParseJsonOptions): unknown {
  if (opts.object !== false && (value === null || typeof value !== "object" || Array.isArray(value))) {
    const kind = Array.isArray(value) ? "an array [ … ]" : value === null ? "null" : `a ${typeof value}`;
    throw new JsonInputError(`${source}: the top level must be a JSON object { … }, not ${kind}`, undefined, undefined, undefined, "top-level");
  }
  return value;
}

/**
 * The value of `text` when it is exactly what `JSON.stringify(value, null, 2)` (plus an
 * optional line end) or `JSON.stringify(value)` writes — as every file matsense writes is —
 * else undefined. Such a text has no duplicate keys (they would collapse), no number that
 * overflows or underflows (it would print as null or 0) and no comments, so the strict
 * scan of {@link parseJsonText} is not needed (it made reading 10⁵ run folders ≈ 2× slower).
 */
function canonicalJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== "object") return undefined;
  const body = text.endsWith("\n") ? text.slice(0, -1) : text;
  return JSON.stringify(value, null, 2) === body || JSON.stringify(value) === body ? value : undefined;
}

/**
 * Reads and strictly parses a JSON file (see {@link parseJsonText}). A file that cannot be
 * read gets a message naming the path and the reason in words (no bare ENOENT).
 */
export function readJsonInput(file: string, what = "config", opts: Omit<ParseJsonOptions, "source"> = {}): unknown {
  let text: string;
  try {
    text = requireNodeBuiltin("node:fs", "reading a file").readFileSync(file, "utf8");
  } catch (e) {
    throw new JsonInputError(`cannot read ${what} file ${file}: ${fileErrorReason(e)}`, undefined, undefined, undefined, "io");
  }
  return parseJsonText(text, { ...opts, source: `${what} file ${file}` });
}

/** A file-system error in words: "no such file or directory (ENOENT)". */
export function fileErrorReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOENT: "no such file or directory",
    EISDIR: "it is a directory, not a file",
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    ENOTDIR: "a part of the path is not a directory",
    EMFILE: "too many open files",
  };
  return code && words[code] ? `${words[code]} (${code})` : (e as Error).message;
}
