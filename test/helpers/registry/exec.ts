import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';

/** The install command for the tools the harness runs. Tests must fail with it, never skip. */
export const REGISTRY_INSTALL = 'apt-get install -y docker-registry skopeo';

export interface ExecResult { stdout: Buffer; stderr: string; }

/**
 * Runs a program asynchronously. Never use a synchronous exec here: the token server lives in this
 * process, and a blocked event loop could not answer skopeo's token request.
 */
export function run(file: string, args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'buffer', timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024, env: opts.env },
      (err, stdout, stderr) => {
        if (err) {
          const detail = stderr.toString('utf8').trim();
          reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}${detail ? `\n${detail}` : ''}`));
          return;
        }
        resolve({ stdout, stderr: stderr.toString('utf8') });
      });
  });
}

/** Throws an Error with the install command when `path` is not an executable file. */
export async function assertInstalled(path: string, install: string): Promise<void> {
  try {
    await access(path, constants.X_OK);
  } catch {
    throw new Error(`${path} is missing; the registry test harness needs it. Install it with: ${install}`);
  }
}
