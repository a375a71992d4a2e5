/**
 * Verifying pinned references against their registries, shared by `image-pin check --online` and
 * the language server. The caller hands in (reference, place) items from any source — sites of a
 * scan, of an open document, or the effective references of an environment — and gets a verdict per
 * item. Requests go through the RegistryClient (auth, mirrors, proxies, retries, limits, cache):
 * one HEAD per unique repository:tag and at most one HEAD per unique repository@digest, all started
 * at once and bounded by the client's limits. A digest its tag points to exactly is proven by the
 * tag's answer and not asked again; a tag that moved to an index costs one GET more, to see
 * whether the pin is one of its platform manifests. The decisions are core/verify.ts's.
 */
import { type DigestAnswer, type PinQuestion, type PinVerdict, type TagAnswer, digestKey, judgePin, pinQuestion, tagKey } from '../core/verify';
export { countVerdicts, countsText, type VerifyCounts } from '../core/verify';
import { RegistryClient, RegistryError } from '../registry';
import { isIndexType } from '../registry/manifest';

export interface PinItem<P> {
  /** The reference as the workload pulls it (`repo:tag@sha256:…`, `repo@sha256:…`). */
  reference: string;
  /** Where it is: anything the caller needs to report it (a file and site, a document range, an environment). */
  place: P;
}

export interface VerifiedPin<P> {
  item: PinItem<P>;
  question: PinQuestion;
  verdict: PinVerdict;
}

export interface VerifyOptions {
  signal?: AbortSignal;
  /** Called as registry answers arrive: answers so far and expected. */
  onProgress?: (done: number, total: number) => void;
}


/** Verifies every item that carries a digest; items without one (or invalid) are left out of the result. */
export async function verifyPins<P>(client: RegistryClient, items: readonly PinItem<P>[], opts: VerifyOptions = {}): Promise<Array<VerifiedPin<P>>> {
  const { signal } = opts;
  const asked: Array<{ item: PinItem<P>; question: PinQuestion }> = [];
  for (const item of items) {
    const question = pinQuestion(item.reference);
    if (question) asked.push({ item, question });
  }
  let done = 0;
  let total = 0;
  const counted = <T>(p: Promise<T>): Promise<T> => {
    total++;
    return p.finally(() => opts.onProgress?.(++done, total));
  };

  // Tags first: their answers may make digest requests unnecessary.
  const tags = new Map<string, Promise<TagLookup>>();
  const indexChildren = new Map<string, Promise<TagAnswer>>();
  for (const { question: q } of asked) {
    if (!q.tag) continue;
    const key = tagKey({ ...q, tag: q.tag });
    if (!tags.has(key)) tags.set(key, counted(lookUpTag(client, q, q.tag, signal)));
  }
  const tagAnswer = async (q: PinQuestion): Promise<TagAnswer | undefined> => {
    if (!q.tag) return undefined;
    const key = tagKey({ ...q, tag: q.tag });
    const found = await tags.get(key)!;
    if (!('digest' in found) || found.digest === q.digest || !isIndexType(found.mediaType)) return found;
    // The tag moved to an index: the pin may be one of its platforms.
    let children = indexChildren.get(key);
    if (!children) indexChildren.set(key, (children = counted(indexOf(client, q, q.tag, found.digest, signal))));
    return children;
  };

  const byDigest = new Map<string, PinQuestion[]>();
  for (const { question: q } of asked) {
    const key = digestKey(q);
    const list = byDigest.get(key);
    if (list) list.push(q);
    else byDigest.set(key, [q]);
  }
  const digests = new Map<string, Promise<DigestAnswer>>();
  for (const [key, questions] of byDigest) {
    digests.set(
      key,
      (async () => {
        const answers = await Promise.all(questions.map((q) => (q.tag ? tags.get(tagKey({ ...q, tag: q.tag }))! : undefined)));
        if (answers.some((a) => a && 'digest' in a && a.digest === questions[0].digest)) return { exists: true };
        return counted(hasDigest(client, questions[0], signal));
      })(),
    );
  }

  return Promise.all(
    asked.map(async ({ item, question }) => {
      const [digest, tag] = await Promise.all([digests.get(digestKey(question))!, tagAnswer(question)]);
      return { item, question, verdict: judgePin(question, digest, tag) };
    }),
  );
}



type TagLookup = (TagAnswer & { digest: string; mediaType: string }) | Exclude<TagAnswer, { digest: string }>;

function refOf(q: PinQuestion, tag: string) {
  return { domain: q.domain, path: q.path, tag, domainExplicit: true };
}

async function lookUpTag(client: RegistryClient, q: PinQuestion, tag: string, signal: AbortSignal | undefined): Promise<TagLookup> {
  try {
    const r = await client.resolve(refOf(q, tag), { signal });
    return { digest: r.digest, mediaType: r.mediaType };
  } catch (err) {
    return failure(err);
  }
}

async function indexOf(client: RegistryClient, q: PinQuestion, tag: string, seenDigest: string, signal: AbortSignal | undefined): Promise<TagAnswer> {
  try {
    const r = await client.resolve(refOf(q, tag), { signal, withPlatforms: true, seenDigest });
    return { digest: r.digest, children: (r.platforms ?? []).map((p) => p.digest) };
  } catch (err) {
    return failure(err);
  }
}

async function hasDigest(client: RegistryClient, q: PinQuestion, signal: AbortSignal | undefined): Promise<DigestAnswer> {
  try {
    return { exists: await client.hasManifest({ domain: q.domain, path: q.path, domainExplicit: true }, q.digest, { signal }) };
  } catch (err) {
    const f = failure(err);
    return 'gone' in f ? { exists: false } : f;
  }
}

/** A tag or repository the registry does not know is an answer (the tag is gone); anything else is no answer. */
function failure(err: unknown): { gone: string } | { error: string } {
  if (err instanceof RegistryError) {
    if (err.code === 'tag-not-found' || err.code === 'repository-not-found') return { gone: err.message };
    return { error: err.message };
  }
  return { error: `the check failed unexpectedly (${err instanceof Error ? err.name : typeof err})` };
}
