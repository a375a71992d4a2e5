import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { e2eInstall } from './install';

export interface CodeServerOptions {
  /** Folder code-server opens; the browser helpers open it again with `?folder=`. */
  workspace: string;
  /** Extensions folder to use (kept on stop); by default a fresh one inside the temp folder. */
  extensionsDir?: string;
  /** Merged over the defaults below and written to the user's settings.json. */
  userSettings?: Record<string, unknown>;
  /** A .vsix installed with `code-server --install-extension` (same folders) before the start. */
  vsixPath?: string;
  /** Extra environment for code-server and therefore for the extension host. */
  env?: NodeJS.ProcessEnv;
  /** Keep workspace trust on (for trust tests). Default: `--disable-workspace-trust`. */
  trust?: boolean;
  /**
   * Start with `--vscode-option enable-smoke-test-driver`: code-server 4.139's web workbench honours
   * the `payload` URL parameter (extensionDevelopmentPath / extensionTestsPath) only then.
   */
  testPayload?: boolean;
}

export interface CodeServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  userDataDir: string;
  extensionsDir: string;
  /** Everything code-server printed so far (stdout and stderr interleaved). */
  logs(): string;
  /** Kills the whole process tree and removes the temp folder. Safe to call twice. */
  stop(): Promise<void>;
}

/** Settings that keep a fresh profile quiet and offline. */
const DEFAULT_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

const HEALTH_TIMEOUT_MS = 30_000;
const INSTALL_TIMEOUT_MS = 60_000;

/**
 * Kills code-server's process group once its stdin reaches EOF, which happens both when stop()
 * closes the pipe and when the test process dies, even by SIGKILL. It ignores the signals a
 * Ctrl+C or a runner's group kill would send, so it outlives the test process long enough to
 * clean up. Its own output goes nowhere: a write to a dead parent's pipe would kill it first.
 * bash, not sh: dash's kill builtin does not take a negative process-group id.
 */
const WATCHDOG_SCRIPT = `
trap '' INT HUP TERM
group=$1 tmp=$2
cat >/dev/null
kill -TERM -- "-$group" 2>/dev/null
i=0
while kill -0 -- "-$group" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
kill -KILL -- "-$group" 2>/dev/null
rm -rf "$tmp"
`;

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const install = e2eInstall();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-pin-code-server-'));
  try {
    const port = await freePort();
    const userDataDir = path.join(tmp, 'user-data');
    const extensionsDir = options.extensionsDir ?? path.join(tmp, 'extensions');
    const configFile = path.join(tmp, 'config.yaml');
    fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
    fs.mkdirSync(extensionsDir, { recursive: true });
    fs.writeFileSync(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
    fs.writeFileSync(
      path.join(userDataDir, 'User', 'settings.json'),
      JSON.stringify({ ...DEFAULT_SETTINGS, ...options.userSettings }, null, 2),
    );

    // code-server writes config and state under the XDG folders (even for `--version`), and the git
    // extension leaves IPC sockets in TMPDIR when the extension host is killed: all go to the temp folder.
    fs.mkdirSync(path.join(tmp, 'tmp'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      // No gallery: otherwise the server looks up open-vsx.org, which must not leave the machine.
      EXTENSIONS_GALLERY: '{}',
      ...options.env,
      XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'),
      XDG_DATA_HOME: path.join(tmp, 'xdg-data'),
      XDG_CACHE_HOME: path.join(tmp, 'xdg-cache'),
      TMPDIR: path.join(tmp, 'tmp'),
    };
    const common = ['--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

    if (options.vsixPath) {
      await installVsix(install.node, [install.codeServerEntry, ...common, '--force', '--install-extension', options.vsixPath], env);
    }

    const args = [
      install.codeServerEntry,
      ...common,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      ...(options.trust ? [] : ['--disable-workspace-trust']),
      ...(options.testPayload ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
      options.workspace,
    ];
    // detached: its own process group, so the watchdog can kill the extension host and every
    // other helper process together with it.
    const server = spawn(install.node, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    server.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
    server.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const serverExit = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.unref();
    (server.stdout as unknown as net.Socket).unref();
    (server.stderr as unknown as net.Socket).unref();

    // A failed spawn also emits 'error'; without a listener that would crash the test process.
    server.once('error', (error) => (log += `spawn error: ${error.message}\n`));
    if (server.pid === undefined) {
      throw new Error(`could not spawn code-server with ${install.node}: ${log}`);
    }
    const watchdog = spawn('/bin/bash', ['-c', WATCHDOG_SCRIPT, 'code-server-watchdog', String(server.pid), tmp], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    watchdog.once('error', () => undefined);
    if (watchdog.pid === undefined) {
      process.kill(-server.pid, 'SIGKILL');
      throw new Error('could not spawn /bin/bash for the code-server watchdog');
    }
    const watchdogExit = new Promise<void>((resolve) => watchdog.once('exit', () => resolve()));
    // Neither child keeps the test process alive; if a test forgets stop(), its exit still
    // closes the pipe and the watchdog cleans up.
    watchdog.unref();
    (watchdog.stdin as unknown as net.Socket).unref();

    let stopped: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopped ??= (async () => {
        // Ref'd again so the process stays alive until both have exited.
        watchdog.ref();
        server.ref();
        watchdog.stdin?.end();
        await watchdogExit;
        // The watchdog has sent SIGKILL by now; this bound only guards against a broken watchdog.
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 10_000)));
        const outcome = await Promise.race([serverExit, late]);
        clearTimeout(timer);
        if (outcome === 'late') {
          throw new Error(`code-server (pid ${server.pid}) is still running after stop()`);
        }
        fs.rmSync(tmp, { recursive: true, force: true });
      })();
      return stopped;
    };

    const url = `http://127.0.0.1:${port}`;
    try {
      await waitForHealth(url, server, () => log);
    } catch (error) {
      await stop();
      throw error;
    }
    return { url, port, userDataDir, extensionsDir, logs: () => log, stop };
  } catch (error) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
}

function installVsix(node: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(node, args, { env, timeout: INSTALL_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`code-server --install-extension failed: ${error.message}\n${stdout}${stderr}`));
      } else if (!/was successfully installed/.test(stdout + stderr)) {
        reject(new Error(`code-server --install-extension did not report success:\n${stdout}${stderr}`));
      } else {
        resolve();
      }
    });
  });
}

/** Asks the kernel for a free loopback port. Another process could take it before code-server binds; unlikely here. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`code-server exited (${server.exitCode ?? server.signalCode}) before it was healthy:\n${log()}`);
    }
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    await delay(200);
  }
  throw new Error(`code-server did not answer ${url}/healthz within ${HEALTH_TIMEOUT_MS} ms:\n${log()}`);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
