import { writeFile } from 'node:fs/promises';
import { assertInstalled, run } from './exec';

const HTPASSWD = '/usr/bin/htpasswd';

/** Writes an htpasswd file with bcrypt entries, the only kind docker-registry accepts. */
export async function writeHtpasswd(file: string, users: Record<string, string>): Promise<void> {
  await assertInstalled(HTPASSWD, 'apt-get install -y apache2-utils');
  const lines = await Promise.all(Object.entries(users).map(async ([user, password]) => {
    // -C 4 is bcrypt's minimum cost: the registry checks the hash on every request.
    const { stdout } = await run(HTPASSWD, ['-Bbn', '-C', '4', user, password]);
    return stdout.toString('utf8').trim();
  }));
  await writeFile(file, lines.join('\n') + '\n', { mode: 0o600 });
}
