import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { type NpyData, encodeNpy } from "./npy.js";

/**
 * Writes a file atomically: to `<file>.tmp-<pid>` first, then renamed over the target, so
 * a reader (or a crash) never sees a half-written file.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array | Uint8Array[]): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fd = fs.openSync(tmp, "w");
    try {
      for (const chunk of Array.isArray(data) ? data : [data]) {
        if (typeof chunk === "string") fs.writeSync(fd, chunk);
        else {
          let off = 0;
          while (off < chunk.byteLength) off += fs.writeSync(fd, chunk, off, Math.min(chunk.byteLength - off, 1 << 30));
        }
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    // a full disk or a read-only folder: no temp file is left holding space, the old file stays
    fs.rmSync(tmp, { force: true });
    throw fileError(e, file);
  }
}

/** A failed write, with the file it was for (Node's messages for fd writes name no path). */
export class FileWriteError extends Error {
  constructor(
    readonly file: string,
    readonly code: string | undefined,
    cause: unknown,
    verb = "write",
  ) {
    super(`cannot ${verb} ${JSON.stringify(file).slice(1, -1) || '""'}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "FileWriteError";
  }
}

/** `e` as a {@link FileWriteError} naming `file` (unchanged when it already is one). */
export function fileError(e: unknown, file: string): Error {
  if (e instanceof FileWriteError) return e;
  return new FileWriteError(file, (e as NodeJS.ErrnoException)?.code, e);
}

/** Writes JSON (2-space indented, trailing newline) atomically. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + "\n");
}

/** Writes a float64/float32/int32 array as .npy atomically. */
export function writeNpyAtomic(file: string, shape: readonly number[], data: NpyData): void {
  writeFileAtomic(file, encodeNpy(shape, data));
}

/**
 * Creates a directory (and parents) if needed. A failure names the folder and the reason,
 * found at the nearest existing ancestor: a file where a folder goes, or a folder that
 * cannot be written (read-only file system, no permission) — Node's recursive mkdir
 * reports the latter as ENOENT.
 */
export function ensureDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    if (dir === "") throw new FileWriteError(dir, "ENOENT", new Error("the folder name is empty"), "create the folder");
    let p = path.resolve(dir);
    while (!fs.existsSync(p) && path.dirname(p) !== p) p = path.dirname(p);
    let reason = e instanceof Error ? e.message : String(e);
    if (!fs.statSync(p).isDirectory()) reason = `${p} is a file, not a folder`;
    else {
      try {
        fs.accessSync(p, fs.constants.W_OK);
      } catch {
        reason = `${p} cannot be written (read-only file system or no permission)`;
      }
    }
    throw new FileWriteError(dir, (e as NodeJS.ErrnoException).code, new Error(reason), "create the folder");
  }
}

/** Formats a number for CSV: shortest round-trip decimal, "nan"/"inf"/"-inf" for non-finite. */
export function csvNumber(v: number | undefined): string {
  if (v === undefined) return "";
  if (Number.isNaN(v)) return "nan";
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  return String(v);
}

/** The rows a resumed metrics file starts with: the first `bytes` bytes of `file` (header line included), whose header is `columns`. */
export interface CsvPrefix {
  columns: string[];
  file: string;
  bytes: number;
}

/**
 * The complete lines of a text file in order, each with the byte offset just past its line end
 * (a last line without its "\n" was cut while being written: not a line), read in blocks of
 * 1 MiB — memory does not grow with the file.
 */
export function* fileLines(file: string): Generator<{ text: string; end: number }> {
  const fd = fs.openSync(file, "r");
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let carry = Buffer.alloc(0);
    let offset = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) return;
      let start = 0;
      for (let i = buf.indexOf(10); i >= 0 && i < n; i = buf.indexOf(10, i + 1)) {
        const piece = buf.subarray(start, i);
        const text = (carry.length ? Buffer.concat([carry, piece]) : piece).toString("utf8");
        carry = Buffer.alloc(0);
        yield { text, end: offset + i + 1 };
        start = i + 1;
      }
      carry = Buffer.concat([carry, buf.subarray(start, n)]);
      offset += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A CSV file written row by row to `<file>.partial` (flushed as it goes, so an interrupted
 * run keeps its rows) and renamed to `file` by {@link close}. The columns are fixed by the
 * first row; later rows fill missing columns with "".
 */
export class CsvStream {
  private fd: number;
  private columns: string[] | null = null;
  private readonly partial: string;
  private closed = false;

  /**
   * `prefix`: the header (`columns`) and rows already recorded (a resumed run): the first `bytes`
   * bytes of `file`, copied first in blocks (or, when `file` is this stream's own partial file,
   * kept in place and cut after them) — never held in memory, however many rows they are.
   */
  constructor(
    readonly file: string,
    private readonly leadingColumns: string[] = [],
    prefix?: CsvPrefix,
  ) {
    this.partial = `${file}.partial`;
    const inPlace = prefix !== undefined && path.resolve(prefix.file) === path.resolve(this.partial);
    try {
      if (inPlace) fs.truncateSync(this.partial, prefix.bytes);
      // appending: every write lands after the kept rows
      this.fd = fs.openSync(this.partial, inPlace ? "a" : "w");
    } catch (e) {
      throw fileError(e, this.partial);
    }
    if (prefix) {
      this.columns = prefix.columns;
      if (!inPlace) this.copyPrefix(prefix);
    }
  }

  private copyPrefix(prefix: CsvPrefix): void {
    let src: number | undefined;
    try {
      src = fs.openSync(prefix.file, "r");
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, Math.max(1, prefix.bytes)));
      for (let at = 0; at < prefix.bytes; ) {
        const n = fs.readSync(src, buf, 0, Math.min(buf.length, prefix.bytes - at), at);
        if (n === 0) throw new Error(`${prefix.file} ended after ${at} of the ${prefix.bytes} bytes to continue`);
        for (let off = 0; off < n; ) off += fs.writeSync(this.fd, buf, off, n - off);
        at += n;
      }
    } catch (e) {
      throw fileError(e, this.partial);
    } finally {
      if (src !== undefined) fs.closeSync(src);
    }
  }

  private put(text: string): void {
    try {
      fs.writeSync(this.fd, text);
    } catch (e) {
      throw fileError(e, this.partial);
    }
  }

  /** Forces the rows written so far to disk (before a checkpoint that refers to them). */
  sync(): void {
    if (!this.closed) fs.fsyncSync(this.fd);
  }

  write(row: Record<string, number>): void {
    if (!this.columns) {
      const lead = this.leadingColumns.filter((c) => c in row);
      this.columns = [...lead, ...Object.keys(row).filter((c) => !lead.includes(c))];
      this.put(this.columns.join(",") + "\n");
    }
    this.put(this.columns.map((c) => csvNumber(row[c])).join(",") + "\n");
  }

  /** Finishes the file (renames the partial file into place). Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      fs.renameSync(this.partial, this.file);
    } catch (e) {
      throw fileError(e, this.partial);
    }
  }

  /** Closes the file without renaming it (a result that is discarded). Safe to call after close. */
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      fs.closeSync(this.fd);
    } catch {
      /* already unusable */
    }
  }
}

/** Resolves a path relative to the current directory. */
export function resolvePath(p: string): string {
  return path.resolve(process.cwd(), p);
}

/** The read buffer of {@link sha256File}, allocated once (a 1 MiB buffer per file made GC dominate aggregating 10⁵ runs). */
let hashBuffer: Buffer | undefined;

/** SHA-256 of a file's bytes, as 64 lowercase hex digits (read in 1 MiB blocks). */
export function sha256File(file: string): string {
  const h = createHash("sha256");
  const fd = fs.openSync(file, "r");
  try {
    const buf = (hashBuffer ??= Buffer.allocUnsafe(1 << 20));
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest("hex");
}

/** SHA-256 of a string's UTF-8 bytes (64 lowercase hex digits). */
export function sha256Text(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
