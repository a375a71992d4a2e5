/** Running a program or the built `image-pin` command in a folder, and writing a tree of files for it to work on. */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI, REPO_ROOT } from './paths';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program (in the repository root unless told); never rejects (the exit code is in the result). */
export function run(file: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: opts.cwd ?? REPO_ROOT, env: opts.env ?? process.env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return run(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...env } });
}

/**
 * `runCli` with no Docker config (a path that does not exist under `cwd`), so the developer's own
 * credentials and credential helpers never take part in a test against the loopback registry.
 */
export function runCliWithoutDockerConfig(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return runCli(args, cwd, { DOCKER_CONFIG: path.join(cwd, '.no-docker-config'), ...env });
}

/** Writes `{relativePath: text}` under `root`, creating folders. */
export function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
}
