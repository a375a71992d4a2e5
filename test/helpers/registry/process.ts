import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/**
 * Runs the registry under a /bin/sh guard. The guard waits for EOF on its stdin, a pipe from this Node
 * process, then kills the registry and removes `dir`. The pipe closes when Node exits for any reason,
 * kill -9 included, so a crashed test never leaves a registry running. The guard's own stdout/stderr are
 * /dev/null (a write to a dead pipe would kill it before it cleans up); the registry's log goes to fd 3.
 * It runs in its own session so a Ctrl-C aimed at the test runner does not kill it before it cleans up.
 */
const GUARD = `
dir=$1; shift
"$@" >&3 2>&1 3>&- &
reg=$!
echo "registry-pid $reg" >&3
exec 3>&-
cleanup() { kill "$reg" 2>/dev/null; wait "$reg"; rm -rf "$dir"; exit 0; }
trap cleanup TERM INT HUP
read -r _ || :
cleanup
`;

export interface RegistryProcess {
  pid: number;
  /** 'host:port' from the registry's `listening on` log line. */
  address: string;
  /** Ends the registry and waits until the guard has removed the temp dir. */
  stop(): Promise<void>;
}

const LOG_TAIL_CHARS = 8000;

export async function launchRegistry(binary: string, configPath: string, dir: string, env: NodeJS.ProcessEnv,
  timeoutMs = 10_000): Promise<RegistryProcess> {
  const child = spawn('/bin/sh', ['-c', GUARD, 'image-pin-registry-guard', dir, binary, 'serve', configPath], {
    stdio: ['pipe', 'ignore', 'ignore', 'pipe'],
    detached: true,
    env,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Unreferenced: a test that forgets stop() still lets Node exit, which closes the pipe and cleans up.
  child.unref();
  const stdin = child.stdin!;
  stdin.on('error', () => { /* the guard is gone already; exited settles stop() */ });
  (stdin as unknown as { unref?: () => void }).unref?.();
  const log = child.stdio[3] as Readable;
  (log as unknown as { unref?: () => void }).unref?.();

  let tail = '';
  let pid: number | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => stopping ??= (async () => {
    child.ref(); // keep Node alive until the guard is done
    stdin.end();
    await exited;
    await rm(dir, { recursive: true, force: true }); // normally already gone
  })();

  try {
    const address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`docker-registry did not report its port within ${timeoutMs} ms`)), timeoutMs);
      // Keep reading after startup too: at log level info the registry logs every request and would block on a full pipe.
      log.setEncoding('utf8');
      log.on('data', (chunk: string) => {
        tail = (tail + chunk).slice(-LOG_TAIL_CHARS);
        pid ??= Number(/registry-pid (\d+)/.exec(tail)?.[1]) || undefined;
        const m = /msg="listening on ([0-9.]+:\d+)/.exec(tail);
        if (m && pid !== undefined) { clearTimeout(timer); resolve(m[1]); }
      });
      log.on('end', () => { clearTimeout(timer); reject(new Error('docker-registry exited during startup')); });
      child.on('error', (err) => { clearTimeout(timer); reject(err); });
    });
    return { pid: pid!, address, stop };
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n--- registry log ---\n${tail}`);
  }
}
