/**
 * scripts/redis.sh and scripts/slurm.sh run by hand (no port given): they take free ports from
 * the kernel, print them and record them in their state folder, so two of them — or one next
 * to another user's service — do not collide. Before, both defaulted to fixed ports (6390;
 * 6817/6818): a second Redis started by hand failed on the first one's port.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { root, tmp } from "./helpers.js";
import { sh } from "./services.js";

/** Resolves with the first line a TCP server at 127.0.0.1:`port` answers to `message`. */
function ask(port: number, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => s.write(message));
    s.once("data", (d) => {
      resolve(String(d).split("\r\n")[0]);
      s.end();
    });
    s.once("error", reject);
  });
}

const redisCheck = sh("redis.sh", "check", {});
const redisMissing = redisCheck.status === 3;
// one line saying how to get Redis (.ci/run installs it, so nothing skips in CI)
if (redisMissing) process.stderr.write(`matsense tests (redis.sh): skipping: ${redisCheck.text}\n`);
const started: NodeJS.ProcessEnv[] = [];
afterAll(() => {
  for (const env of started) sh("redis.sh", "stop", env);
});

// as by hand: no port given
delete process.env.MATSENSE_REDIS_PORT;
delete process.env.MATSENSE_SLURM_PORT;

describe("service scripts pick free ports when run by hand", () => {
  it("free_ports N gives N consecutive ports nothing listens on", () => {
    const r = spawnSync(
      "bash",
      ["-c", `. ${JSON.stringify(path.join(root, "scripts", "ports.sh"))}; p=$(free_ports 2); port_free $p && port_free $((p + 1)) && echo $p`],
      {
        encoding: "utf8",
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const p = Number(r.stdout.trim());
    expect(Number.isInteger(p) && p > 0 && p < 65535).toBe(true);
  });

  it.skipIf(redisMissing)(
    "two Redis started by hand run side by side on the ports they print and record; a restart keeps its port",
    async () => {
      const envs = [{ MATSENSE_REDIS_STATE: tmp("redis-a") }, { MATSENSE_REDIS_STATE: tmp("redis-b") }];
      const ports: number[] = [];
      for (const env of envs) {
        const r = sh("redis.sh", "start", env);
        started.push(env);
        expect(r.status, r.text).toBe(0);
        const port = Number(fs.readFileSync(path.join(env.MATSENSE_REDIS_STATE, "port"), "utf8").trim());
        expect(r.text).toContain(`redis://127.0.0.1:${port}`);
        expect(sh("redis.sh", "url", env).text).toBe(`redis://127.0.0.1:${port}`);
        expect(await ask(port, "PING\r\n")).toBe("+PONG");
        ports.push(port);
      }
      expect(ports[0]).not.toBe(ports[1]);
      expect(sh("redis.sh", "stop", envs[0]).status).toBe(0);
      await expect(ask(ports[0], "PING\r\n")).rejects.toThrow();
      const again = sh("redis.sh", "start", envs[0]);
      expect(again.status, again.text).toBe(0);
      expect(again.text).toContain(`redis://127.0.0.1:${ports[0]}`);
      expect(await ask(ports[0], "PING\r\n")).toBe("+PONG");
    },
    120000,
  );
});
