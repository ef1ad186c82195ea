/**
 * Starts and stops the real engines for the integration tests with the repo's scripts
 * (scripts/slurm.sh, scripts/redis.sh), which record the daemons' PIDs. Tests never install
 * system packages: when Slurm or Redis is missing (`check` exits 3), `skip` is set and one
 * line says how to get it (`.ci/run` installs them first, so nothing skips in CI).
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { root } from "./helpers.js";

export interface Service {
  env: NodeJS.ProcessEnv;
  skip?: string;
  stop: () => void;
}

function sh(script: string, cmd: string, env: NodeJS.ProcessEnv): { status: number; text: string } {
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
