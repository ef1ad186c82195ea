/**
 * Failures never destroy results (issue 25, defect 3) and a full disk is one line naming the
 * path (defect 6): a real full file system — a small tmpfs mounted in a private mount
 * namespace (`unshare -r -m`; skipped where user namespaces are not available) — under
 * `run --resume` and `run --force` of a finished run, and under a first run's lock.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { bin, built, tmp } from "./helpers.js";

const canMount = spawnSync("unshare", ["-r", "-m", "sh", "-c", `mount -t tmpfs -o size=64k tmpfs ${tmp()}`]).status === 0;

/**
 * Runs `body` (sh) in a private mount namespace with a fresh tmpfs of `size` bytes mounted
 * at $D and the current directory there; `fill` leaves about this many bytes free before
 * the body; $BIN is the CLI; $OUT a folder outside the tmpfs for results. Returns $OUT.
 */
function onSmallDisk(body: string, fill?: number): string {
  const out = tmp(),
    d = tmp();
  const script = [
    "set -u",
    `mount -t tmpfs -o size=1m tmpfs "$D" || exit 90`,
    `cd "$D"`,
    `S="--set problem.n=6 --set operator.m=80 --set operator.backend=ts"`,
    `node "$BIN" run -q --out r $S --set stop.maxIterations=200 || exit 91`,
    `sha256sum r/* > "$OUT/before"`,
    ...(fill !== undefined
      ? [`avail=$(df -B1 --output=avail "$D" | tail -1)`, `dd if=/dev/zero of=fill bs=4096 count=$(( (avail - ${fill}) / 4096 )) 2>/dev/null`]
      : []),
    body,
    `sha256sum r/* > "$OUT/after"`,
    `ls -A r > "$OUT/ls"`,
  ].join("\n");
  const r = spawnSync("unshare", ["-r", "-m", "sh", "-c", script], { env: { ...process.env, D: d, BIN: bin, OUT: out }, encoding: "utf8", timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return out;
}

const read = (dir: string, f: string) => fs.readFileSync(path.join(dir, f), "utf8");

describe.skipIf(!built || !canMount)("a full disk never destroys a finished result", () => {
  it("run --resume of a finished run on a full disk: exit 1, one line naming the path, the old result unchanged, no temp files", () => {
    // 24 KiB free: the lock and the start fit, the metrics of 20 000 more iterations do not
    const out = onSmallDisk(`node "$BIN" run -q --resume r --set stop.maxIterations=20000 2> "$OUT/err"; echo $? > "$OUT/code"`, 24576);
    expect(read(out, "code").trim()).toBe("1");
    expect(read(out, "err")).toMatch(/^matsense: cannot write \S+: ENOSPC: no space left on device[^\n]*\n$/);
    expect(read(out, "after")).toBe(read(out, "before"));
    expect(read(out, "ls").trim().split("\n").sort()).toEqual(["X.npy", "checkpoint.json", "config.json", "metrics.csv", "summary.json"]);
  });

  it("run --force over a finished run on a full disk keeps the old result", () => {
    const out = onSmallDisk(`node "$BIN" run -q --force --out r $S --set stop.maxIterations=20000 2> "$OUT/err"; echo $? > "$OUT/code"`, 24576);
    expect(read(out, "code").trim()).toBe("1");
    expect(read(out, "err")).toMatch(/ENOSPC/);
    expect(read(out, "after")).toBe(read(out, "before"));
    expect(read(out, "ls").trim().split("\n").sort()).toEqual(["X.npy", "checkpoint.json", "config.json", "metrics.csv", "summary.json"]);
  });

  it("a sweep on a disk that fills up: exit 1 with one line naming the file, no stack trace, no temp file, no lock, no staging folder left", () => {
    const grid = JSON.stringify({
      base: { problem: { n: 8, rank: 2 }, operator: { backend: "ts" }, stop: { maxIterations: 3000 } },
      vary: { "model.k": [2, 3, 4, 5] },
      seeds: 2,
    });
    const out = onSmallDisk(
      [
        `echo '${grid}' > g.json`,
        `node "$BIN" sweep -q -w 2 -g g.json --out P 2> "$OUT/err"; echo $? > "$OUT/code"`,
        `find P \\( -name "*.tmp-*" -o -name matsense.lock -o -name ".matsense-staging*" \\) > "$OUT/left"`,
      ].join("\n"),
      40960,
    );
    expect(read(out, "code").trim()).toBe("1");
    expect(read(out, "err")).toMatch(/^matsense: cannot write \S+: ENOSPC: no space left on device[^\n]*\n$/);
    expect(read(out, "left")).toBe("");
  });

  it("a read-only file system: one line naming the folder and the reason (was ENOENT: mkdir), the finished run untouched", () => {
    const out = onSmallDisk(
      [
        `mount -o remount,ro "$D"`,
        `node "$BIN" run -q --out new/deeper $S 2> "$OUT/err"; echo $? > "$OUT/code"`,
        `node "$BIN" run -q --resume r --set stop.maxIterations=400 2> "$OUT/err2"; echo $? > "$OUT/code2"`,
      ].join("\n"),
    );
    expect(read(out, "code").trim()).toBe("1");
    expect(read(out, "err")).toMatch(/^matsense: cannot create the folder new\/deeper: \S+ cannot be written \(read-only file system or no permission\)\n$/);
    expect(read(out, "code2").trim()).toBe("1");
    expect(read(out, "err2")).toMatch(/^matsense: cannot write \S+matsense\.lock: EROFS[^\n]*\n$/);
    expect(read(out, "after")).toBe(read(out, "before"));
  });

  it("a completely full disk: the lock is not left behind as an empty file, no *.tmp-PID, the error names the lock", () => {
    const out = onSmallDisk(`node "$BIN" run -q --out r2 $S 2> "$OUT/err"; echo $? > "$OUT/code"; ls -A r2 > "$OUT/ls2" 2>/dev/null; true`, 0);
    expect(read(out, "code").trim()).toBe("1");
    expect(read(out, "err")).toMatch(/^matsense: cannot write r2\/matsense\.lock: ENOSPC[^\n]*\n$/);
    expect(read(out, "ls2")).toBe("");
  });
});
