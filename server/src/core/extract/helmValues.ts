/**
 * Helm values' split image maps, in the dialects real charts use:
 * `{registry?, repository, tag?, digest?}`, `{registry?, image, tag?, digest?}` (ingress-nginx),
 * `{hub, image, tag?}` (istio) and `{name, tag}`; and Kubernetes image volumes `{reference}`.
 */
import { YAMLMap } from 'yaml';
import type { HelmSplitParts, ImageSite, ScalarPart } from '../types';
import { WalkContext, findPair, insertionPoint, isTemplated, pullPolicySlot, stringAt } from './context';

export function helmSplitSite(ctx: WalkContext, map: YAMLMap): ImageSite | null {
  const at = (key: string, nonString = false) => stringAt(ctx, map, key, nonString);
  let dialect: HelmSplitParts['dialect'];
  let repository: ScalarPart | undefined;
  let registry: ScalarPart | undefined;
  if ((repository = at('repository'))) {
    dialect = 'repository';
    registry = at('registry');
  } else if (findPair(map, 'hub') && (repository = at('image'))) {
    dialect = 'hub';
    registry = at('hub');
  } else if ((repository = at('image')) && (findPair(map, 'registry') || findPair(map, 'tag') || findPair(map, 'digest'))) {
    dialect = 'image';
    registry = at('registry');
  } else if ((repository = at('name')) && findPair(map, 'tag')) {
    dialect = 'name';
  } else {
    return null;
  }
  if (!repository.value) return null;
  const tag = at('tag', true);
  const digest = at('digest', true);
  const parts = [registry, repository, tag, digest].filter((p): p is ScalarPart => !!p);
  if (parts.some((p) => isTemplated(ctx, p))) return null;

  const tagValue = tag?.value ?? '';
  const digestValue = digest?.value ?? '';
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
