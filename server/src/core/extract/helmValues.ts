/**
 * Helm values' split image maps, in the dialects real charts use:
 * `{registry?, repository, tag?, digest?}` (or `sha`, see `shaDigest`), `{registry?, image, tag?, digest?}` (ingress-nginx),
 * `{hub, image, tag?}` (istio) and `{name, tag}`; and Kubernetes image volumes `{reference}`.
 * Which maps hold an image, and in which dialect, is decided in ./classify.
 */
import { YAMLMap } from 'yaml';
import type { HelmSplitParts, ImageSite, ScalarPart, ShaForm } from '../types';
import { shaDigest, type ImageMapDialect, type MapView } from './classify';
import { WalkContext, deref, findPair, insertionPoint, isTemplated, keyOf, pullPolicySlot, stringAt } from './context';
import { scalarPart } from '../yamlSource';

export function helmSplitSite(ctx: WalkContext, map: YAMLMap, dialect: ImageMapDialect, tagKey: 'tag' | 'version' | undefined): ImageSite | null {
  const at = (key: string, nonString = false) => stringAt(ctx, map, key, nonString);
  const repository = at(dialect === 'repository' ? 'repository' : dialect === 'name' ? 'name' : 'image');
  const registry = dialect === 'hub' ? at('hub') : dialect === 'name' ? undefined : at('registry');
  if (!repository?.value) return null;
  const tag = tagKey ? at(tagKey, true) : undefined;
  let digest = at('digest', true);
  let digestValue = digest?.value ?? '';
  let shaForm: ShaForm | undefined;
  let emptySha: ScalarPart | undefined;
  if (!digestValue && dialect === 'repository') {
    // prometheus-community charts keep the digest in `sha`; an empty `digest` key does not hide it.
    // Only a string: Helm would render a plain all-digit hex as a number (`1.2e+63`), not a digest.
    const sha = at('sha');
    const written = at('sha', true);
    if (written && written.value === '' && !digest) emptySha = written;
    const read = sha?.value ? shaDigest(sha.value) : undefined;
    if (read) {
      digest = sha;
      digestValue = read.digest;
      shaForm = read.form;
    }
  }
  const parts = [registry, repository, tag, digest].filter((p): p is ScalarPart => !!p);
  if (parts.some((p) => isTemplated(ctx, p))) return null;

  const tagValue = tag?.value ?? '';
  let reference = registry?.value ? `${registry.value.replace(/\/+$/, '')}/${repository.value}` : repository.value;
  if (tagValue) reference += `:${tagValue}`;
  if (digestValue) reference += `@${digestValue}`;

  const point = insertionPoint(ctx.source, map);
  const helm: HelmSplitParts = {
    dialect,
    registry,
    repository,
    tag,
    digest,
    ...(shaForm ? { shaForm } : {}),
    ...(emptySha ? { emptySha } : {}),
    tagFromAppVersion: !tagValue,
    insertAt: point.at,
    indent: point.indent,
  };
  const shown = tagValue ? tag! : repository;
  return {
    shape: 'helm-split',
    reference,
    span: shown.span,
    helm,
    pullPolicy: pullPolicySlot(ctx, map, 'pullPolicy', 'Always'),
  };
}

/** A Kubernetes image volume source: `volumes[].image: {reference, pullPolicy}`. */
export function imageVolumeSite(ctx: WalkContext, map: YAMLMap): ImageSite | null {
  const reference = stringAt(ctx, map, 'reference');
  if (!reference || !reference.value || isTemplated(ctx, reference)) return null;
  return {
    shape: 'scalar',
    reference: reference.value,
    span: reference.span,
    scalar: reference,
    pullPolicy: pullPolicySlot(ctx, map, 'pullPolicy', 'Always'),
  };
}

/** The classifier's view of a parsed map: its keys and its string scalars. */
export function mapView(ctx: WalkContext, map: YAMLMap): MapView {
  const keys: string[] = [];
  for (const pair of map.items) {
    const k = keyOf(pair);
    if (k !== null) keys.push(k);
  }
  return {
    keys,
    text: (key) => {
      const pair = findPair(map, key);
      return pair ? scalarPart(deref(ctx, pair.value), ctx.source)?.value : undefined;
    },
  };
}
