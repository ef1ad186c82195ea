import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { SlurmOptionError, aggregateScript, arrayScript, parseSlurmOptions, slurmTimeSeconds, warnSeconds } from "../../src/launchers/slurm.js";
import { slurmList } from "../../src/results/status.js";

const dir = "/scratch/my sweep";

describe("matsense slurm: the array script", () => {
  const o = parseSlurmOptions(
    { shards: "8", throttle: "3", time: "01:00:00", cpusPerTask: "4", mem: "2G", partition: "short", extra: "#SBATCH --account=lab; #SBATCH --qos=low" },
    dir,
    "demo",
  );
  const text = arrayScript(o);

  it("task i runs shard i of N with N written out (not Slurm's own task count)", () => {
    expect(text).toMatch(/--shard "\$SLURM_ARRAY_TASK_ID\/8"/);
    expect(text).not.toMatch(/SLURM_ARRAY_TASK_COUNT|SLURM_ARRAY_TASK_MAX/);
    expect(text).toContain("#SBATCH --array=0-7%3");
  });

  it("execs node on the absolute bin/matsense.js (so scancel's SIGTERM reaches the sweep), never npx", () => {
    const exec = text.split("\n").find((l) => l.startsWith("exec "))!;
    expect(exec).toBeDefined();
    expect(exec).not.toMatch(/npx/);
    const cli = path.resolve(__dirname, "../../bin/matsense.js");
    expect(exec).toContain(`${process.execPath} ${cli} sweep`);
    expect(path.isAbsolute(cli)).toBe(true);
  });

  it("takes kernel threads from SLURM_CPUS_PER_TASK and writes logs to DIR/slurm/", () => {
    expect(text).toContain('--cpus "${SLURM_CPUS_PER_TASK:-4}"');
    expect(text).toContain(`#SBATCH --output=${dir}/slurm/task-%A_%a.log`);
    expect(text).toContain(`--out '${dir}'`);
  });

  it("asks for SIGUSR1 to the batch shell a tenth of the time limit before it", () => {
    expect(text).toContain("#SBATCH --signal=B:USR1@300");
    expect(warnSeconds("00:05:00")).toBe(30);
    expect(warnSeconds("1")).toBe(10);
    expect(slurmTimeSeconds("1-02:03:04")).toBe(86400 + 2 * 3600 + 3 * 60 + 4);
    expect(slurmTimeSeconds("90")).toBe(5400);
    expect(slurmTimeSeconds("10:30")).toBe(630);
  });

  it("passes memory, partition and the raw #SBATCH lines to both scripts", () => {
    for (const t of [text, aggregateScript(o)]) {
      expect(t).toContain("#SBATCH --partition=short");
      expect(t).toContain("#SBATCH --account=lab");
      expect(t).toContain("#SBATCH --qos=low");
      expect(t).toContain("#SBATCH --mem=2G");
    }
    expect(aggregateScript(o)).toMatch(/^exec .* aggregate '\/scratch\/my sweep'$/m);
  });

  it("lets a resubmitted task take over the run lock of a task that died on another node after 5 min", () => {
    expect(text).toContain('export MATSENSE_LOCK_STALE_SECONDS="${MATSENSE_LOCK_STALE_SECONDS:-300}"');
  });

  it("is a valid bash script", () => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "matsense-sbatch-")), "a.sbatch");
    fs.writeFileSync(f, text);
    expect(spawnSync("bash", ["-n", f]).status).toBe(0);
  });

  it("refuses bad options with one line naming the option", () => {
    const bad: [Record<string, string>, RegExp][] = [
      [{ shards: "0" }, /--shards must be a positive integer \(got "0"\)/],
      [{}, /--shards is required/],
      [{ shards: "2.5" }, /--shards/],
      [{ shards: "2", throttle: "-1" }, /--throttle/],
      [{ shards: "2", time: "1h" }, /--time must be a Slurm time limit/],
      [{ shards: "2", mem: "lots" }, /--mem/],
      [{ shards: "2", cpusPerTask: "0" }, /--cpus-per-task/],
      [{ shards: "2", partition: "a b" }, /--partition/],
      [{ shards: "2", extra: "--time=5" }, /--extra takes #SBATCH lines/],
    ];
    for (const [raw, re] of bad) {
      let err: unknown;
      try {
        parseSlurmOptions(raw, dir, "x");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SlurmOptionError);
      expect((err as Error).message).toMatch(re);
      expect((err as Error).message).not.toContain("\n");
    }
  });
});

describe("slurmList", () => {
  it("writes indices as a Slurm array list with ranges", () => {
    expect(slurmList([3, 17, 42])).toBe("3,17,42");
    expect(slurmList([0, 1, 2, 3, 7, 9, 10])).toBe("0-3,7,9,10");
    expect(slurmList([5, 4, 4, 6])).toBe("4-6");
    expect(slurmList([])).toBe("");
  });
});
