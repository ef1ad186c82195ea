/**
 * Kernel helper threads for the compute worker. The library's kernel thread pool
 * (src/kernels/wasm.ts) starts its threads synchronously and waits for them with
 * Atomics.wait, but a browser only starts a new worker once its creator returns to its
 * event loop. So the compute worker starts helper workers ahead of time (between runs);
 * its kernel host (./kernel-host.ts) hands one out per kernel thread and sends it the
 * thread's source and data, which it runs. The work goes through
 * a MessageChannel given to the helper at its start: Chrome delivers a worker's
 * postMessage to its own child only when the creator yields, but a port's messages go
 * straight to the helper while the creator waits. Threads need memory shared between
 * workers, i.e. a cross-origin-isolated page.
 */

const HELPER_SOURCE = `
self.onmessage = (ev) => {
  self.onmessage = null;
  const port = ev.data;
  port.onmessage = (m) => {
    port.onmessage = null;
    const { source, workerData } = m.data;
    const require = () => ({ workerData });
    new Function("require", source)(require);
  };
  postMessage("up");
};
`;

/** A started helper and the port its work goes to. */
export interface Helper {
  worker: Worker;
  port: MessagePort;
}

const idle: Helper[] = [];
let helperUrl: string | null = null;

/** Helpers that are started and waiting for work. */
export function idleHelpers(): number {
  return idle.length;
}

/** Takes a started helper (undefined when none is left). */
export function takeHelper(): Helper | undefined {
  return idle.shift();
}

/** Starts helpers until `count` are idle (resolves when they all run). */
export async function ensureHelpers(count: number): Promise<void> {
  if (idle.length >= count) return;
  helperUrl ??= URL.createObjectURL(new Blob([HELPER_SOURCE], { type: "text/javascript" }));
  const started: Promise<void>[] = [];
  for (let i = idle.length; i < count; i++) {
    const w = new Worker(helperUrl);
    const channel = new MessageChannel();
    w.postMessage(channel.port2, [channel.port2]);
    started.push(
      new Promise<void>((resolve, reject) => {
        w.onmessage = () => {
          w.onmessage = null;
          idle.push({ worker: w, port: channel.port1 });
          resolve();
        };
        w.onerror = (e) => reject(new Error(`a kernel helper thread did not start: ${e.message}`));
      }),
    );
  }
  await Promise.all(started);
}
