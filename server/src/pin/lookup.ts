/** Asking the registry for the digest a pin candidate's tag points at, a failure becoming its message. */
import { RegistryClient, RegistryError, type RegistryErrorCode } from '../registry';
import { type PinCandidate, targetName } from './plan';

export type LookupResult = { digest: string; mediaType?: string; mirror?: string } | { error: string; code?: RegistryErrorCode };

export async function lookUpCandidate(
  client: RegistryClient,
  candidate: PinCandidate,
  opts: { signal?: AbortSignal; withPlatforms?: boolean } = {},
): Promise<LookupResult> {
  const target = candidate.target;
  if ('error' in target) return { error: target.error };
  try {
    return await client.resolve(target.ref, { keepPlatformOf: target.currentDigest, signal: opts.signal, withPlatforms: opts.withPlatforms });
  } catch (err) {
    if (err instanceof RegistryError) return { error: err.message, code: err.code };
    return { error: `could not resolve ${targetName(target)}: ${(err as Error).message}` };
  }
}
