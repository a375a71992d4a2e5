/**
 * The npm package as a user gets it: `npm pack` in this checkout (which builds through `prepare`),
 * then `npm install` of the tarball into an empty folder, offline and with an empty npm cache, which
 * works only because the package has no run-time dependency.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run } from './cliRun';
import { REPO_ROOT } from './paths';

/** npm's environment for a test: no registry is reached, no audit or funding request, no update check. */
export function offlineNpmEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    npm_config_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    ...extra,
  };
}

export interface Packed {
  tarball: string;
  /** What `npm pack` printed on stdout. */
  packStdout: string;
}

/** `npm pack` of this checkout into `dir`. */
export async function packCheckout(dir: string): Promise<Packed> {
  const r = await run('npm', ['pack', '--pack-destination', dir], { env: offlineNpmEnv() });
  if (r.code !== 0) throw new Error(`npm pack failed (${r.code}):\n${r.stderr}`);
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  return { tarball: path.join(dir, `${manifest.name}-${manifest.version}.tgz`), packStdout: r.stdout };
}

/** `npm install` of the tarball into the empty folder `project`; returns the folder of its commands. */
export async function installTarball(tarball: string, project: string): Promise<string> {
  fs.mkdirSync(project, { recursive: true });
  const r = await run('npm', ['install', '--cache', path.join(project, '..', 'npm-cache'), tarball], { cwd: project, env: offlineNpmEnv() });
  if (r.code !== 0) throw new Error(`npm install of ${tarball} failed (${r.code}):\n${r.stderr}`);
  return path.join(project, 'node_modules', '.bin');
}
