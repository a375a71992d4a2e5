import { assertInstalled, REGISTRY_INSTALL, run } from './exec';
import type { RunningRegistry } from './registry';

const SKOPEO = '/usr/bin/skopeo';

/**
 * The digest skopeo reports for `name:tag`: an independent second opinion on what the registry serves.
 * For a multi-arch tag this is the digest of the index/list itself, not of a platform child: skopeo 1.9.3
 * computes `.Digest` from the top-level manifest it fetched, then picks a platform only for the other fields
 * (checked by the harness tests against sha256 of the pushed index bytes).
 * Async with a timeout: a token server in this process must stay free to answer skopeo.
 */
export async function skopeoDigest(reg: RunningRegistry, nameAndTag: string): Promise<string> {
  await assertInstalled(SKOPEO, REGISTRY_INSTALL);
  const args = ['inspect', '--format', '{{.Digest}}'];
  args.push(reg.certDir ? `--cert-dir=${reg.certDir}` : '--tls-verify=false');
  if (reg.pushCredentials) args.push('--creds', `${reg.pushCredentials.username}:${reg.pushCredentials.password}`);
  else args.push('--no-creds');
  args.push(`docker://${reg.host}/${nameAndTag}`);
  const { stdout } = await run(SKOPEO, args, { timeoutMs: 30_000 });
  const digest = stdout.toString('utf8').trim();
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new Error(`skopeo inspect ${nameAndTag}: unexpected output ${JSON.stringify(digest)}`);
  return digest;
}
