import * as path from 'node:path';
import { format } from 'node:util';
import { openWorkbench, screenshot, type Workbench } from './browser';
import { startCodeServer, type CodeServer } from './codeServer';

export interface ExtensionTestsOptions {
  /** Absolute path of the extension folder (its package.json), loaded as the extension under development. */
  extensionDevelopmentPath: string;
  /** Absolute path of the test module whose `run(): Promise<void>` runs inside the extension host. */
  extensionTestsPath: string;
  /** Folder the window opens. */
  workspace: string;
  userSettings?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  trust?: boolean;
  /** Upper bound for page load plus the whole suite (default 180 s); on expiry this throws. */
  timeoutMs?: number;
}

export interface ExtensionTestsResult {
  /** 0 when `run()` resolved, non-zero when it rejected or threw. */
  exitCode: number;
  /** What the workbench and the extension host logged during the run (mocha's reporter output included), as `[level] text`. */
  log: string[];
}

/**
 * The equivalent of @vscode/test-electron's runTests for code-server: the web workbench takes
 * extensionDevelopmentPath / extensionTestsPath as a `payload` URL parameter, runs the tests in
 * the server-side extension host (Node 24, `vscode.env.remoteName` set) and reports the result
 * through `window.codeAutomationExit`.
 */
export async function runExtensionTests(options: ExtensionTestsOptions): Promise<ExtensionTestsResult> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  const log: string[] = [];
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;
  try {
    server = await startCodeServer({
      workspace: options.workspace,
      userSettings: options.userSettings,
      env: options.env,
      trust: options.trust,
      testPayload: true,
    });
    const remote = (file: string) => `vscode-remote://127.0.0.1:${server!.port}${path.resolve(file)}`;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', remote(options.extensionDevelopmentPath)],
      ['extensionTestsPath', remote(options.extensionTestsPath)],
    ]);

    let reportExit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => (reportExit = resolve));
    workbench = await openWorkbench(server.url, options.workspace, {
      query: { payload },
      waitForWorkbench: false,
      beforeLoad: async (page) => {
        await page.exposeFunction('codeAutomationExit', (code: unknown) => reportExit(Number(code)));
        // Everything the workbench and the extension host log, as (level, console arguments);
        // mocha's reporter output arrives here with its printf-style arguments still separate.
        await page.exposeFunction('codeAutomationLog', (level: unknown, args: unknown) =>
          log.push(`[${String(level)}] ${Array.isArray(args) ? format(...args) : String(args)}`),
        );
      },
    });

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      const shot = await screenshot(workbench.page, 'extension-tests-timeout').catch(() => '(no screenshot)');
      throw new Error(
        `extension tests did not finish within ${timeoutMs} ms. Screenshot: ${shot}\n` +
          `--- log (last 40) ---\n${log.slice(-40).join('\n')}\n` +
          `--- browser console (last 40) ---\n${workbench.console.slice(-40).join('\n')}\n` +
          `--- code-server ---\n${server.logs()}`,
      );
    }
    return { exitCode: outcome, log };
  } finally {
    await workbench?.close();
    await server?.stop();
  }
}
