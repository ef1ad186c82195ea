/**
 * Starts and stops the real engines for the integration tests with the repo's scripts
 * (scripts/slurm.sh, scripts/redis.sh), which record the daemons' PIDs. Tests never install
 * system packages: when Slurm or Redis is missing (`check` exits 3), `skip` is set and one
 * line says how to get it (`.ci/run` installs them first, so nothing skips in CI).
 */
import { spawnSync } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";
import { root } from "./helpers.js";

export interface Service {
  env: NodeJS.ProcessEnv;
  skip?: string;
  stop: () => void;
}

/** Runs `scripts/<script> <cmd>` with the environment plus `env`; its exit status and output. */
export function sh(script: string, cmd: string, env: NodeJS.ProcessEnv): { status: number; text: string } {
  const r = spawnSync("bash", [path.join(root, "scripts", script), cmd], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 300000 });
  return { status: r.status ?? -1, text: `${r.stdout}${r.stderr}`.trim() };
}

/** Starts a service when it is installed (else `skip` with how to install it); throws when it is installed but does not start. */
export function startService(script: "slurm.sh" | "redis.sh", env: NodeJS.ProcessEnv): Service {
  const check = sh(script, "check", env);
  if (check.status === 3) {
    const why = `skipping: ${check.text}`;
    process.stderr.write(`matsense tests (${script}): ${why}\n`);
    return { env, skip: why, stop: () => {} };
  }
  if (check.status !== 0) throw new Error(`${script} check failed: ${check.text}`);
  const start = sh(script, "start", env);
  if (start.status !== 0) throw new Error(`${script} start failed: ${start.text}`);
  return {
    env,
    stop: () => {
      const r = sh(script, "stop", env);
      if (r.status !== 0) process.stderr.write(`${script} stop: ${r.text}\n`);
    },
  };
}

/** Runs a service script command (e.g. a Redis restart) with the service's environment. */
export function serviceCommand(script: "slurm.sh" | "redis.sh", cmd: string, env: NodeJS.ProcessEnv): string {
  const r = sh(script, cmd, env);
  if (r.status !== 0) throw new Error(`${script} ${cmd} failed: ${r.text}`);
  return r.text;
}

/** True when nothing listens on 127.0.0.1:`port` (a listener can be opened and is closed again). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/**
 * A port p with p … p + count − 1 free on 127.0.0.1 (Slurm needs two consecutive ones), taken
 * from the one the kernel hands out for port 0 — never a fixed port, which another test run
 * or another engineer's service may hold.
 */
export async function freePorts(count = 1): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once("error", reject);
      srv.listen(0, "127.0.0.1", () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    if (base + count > 65536) continue;
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = await portFree(base + i);
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}
