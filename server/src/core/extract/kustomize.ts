/**
 * Kustomize image overrides: `images:` entries of a kustomization
 * (`name`, `newName`, `newTag`, `digest`), and the `kustomize.images` strings
 * of an Argo CD Application (`img:tag`, `name=img:tag`).
 */
import { YAMLMap, isMap } from 'yaml';
import type { ImageSite, ScalarPart } from '../types';
import { scalarPart } from '../yamlSource';
import { WalkContext, deref, insertionPoint, isTemplated, stringAt } from './context';

export function kustomizeEntrySite(ctx: WalkContext, entry: unknown): ImageSite | null {
  const map = deref(ctx, entry);
  if (!isMap(map)) return null;
  const name = stringAt(ctx, map as YAMLMap, 'name');
  if (!name || !name.value) return null;
  const newName = stringAt(ctx, map as YAMLMap, 'newName');
  const newTag = stringAt(ctx, map as YAMLMap, 'newTag', true);
  const digest = stringAt(ctx, map as YAMLMap, 'digest', true);
  // Without a new tag or digest the entry only renames: the tag stays the one in the manifests.
  if (!newTag?.value && !digest?.value) return null;
  const parts = [name, newName, newTag, digest].filter((p): p is ScalarPart => !!p);
  if (parts.some((p) => isTemplated(ctx, p))) return null;
  let reference = newName?.value || name.value;
  if (newTag?.value) reference += `:${newTag.value}`;
  if (digest?.value) reference += `@${digest.value}`;
  const point = insertionPoint(ctx.source, map as YAMLMap);
  const shown = newTag?.value ? newTag : (newName ?? name);
  return {
    shape: 'kustomize',
    reference,
    span: shown.span,
    kustomize: { name, newName, newTag, digest, insertAt: point.at, indent: point.indent },
  };
}

/** An Argo CD `kustomize.images` string: `img:tag` or `name=img:tag`. */
export function argoKustomizeImageSite(ctx: WalkContext, item: unknown): ImageSite | null {
  const part = scalarPart(deref(ctx, item), ctx.source);
  if (!part || !part.value || isTemplated(ctx, part)) return null;
  const eq = part.value.indexOf('=');
  const prefixLength = eq === -1 ? 0 : eq + 1;
  const reference = part.value.slice(prefixLength);
  if (!reference) return null;
  return {
    shape: 'argocd-kustomize',
    reference,
    span: part.exact ? { start: part.span.start + prefixLength, end: part.span.end } : part.span,
    scalar: part,
    prefixLength,
  };
}
