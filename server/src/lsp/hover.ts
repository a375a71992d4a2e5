/**
 * Hover on an image reference: how it normalizes, what it pins, and — when a lookup of its tag is
 * still cached — what the tag points at now and whether the pin is stale. Never a network request.
 */
import type { Hover, HoverParams, MarkupContent } from 'vscode-languageserver';
import { resolutionTarget } from '../core/fix';
import { formatReference, parseReference } from '../core/reference';
import type { Resolved } from '../registry';
import { chartTagOf } from '../scan/chartTemplates';
import { RULE_INFO } from '../core/ruleInfo';
import type { RegistryAccess } from './registryAccess';
import type { EnvironmentService } from './environments';
import type { Validator } from './validation';
import type { PinVerification } from './verification';

export async function hover(params: HoverParams, validator: Validator, access: RegistryAccess, verification?: PinVerification, environments?: EnvironmentService): Promise<Hover | null> {
  const state = await validator.current(params.textDocument.uri);
  if (!state || state.sites === 'none') return null;
  const hit = await validator.siteAt(state, params.position);
  if (!hit) return null;
  const { site, range, index } = hit;
  const lines = [`**Image** \`${site.reference}\``, ''];
  // Why the finding matters (VS Code shows its message just above; other editors may not).
  for (const f of state.findings.filter((x) => x.site === index)) {
    lines.push(`**Why ${f.rule}**: ${RULE_INFO[f.rule].summary}`, '');
  }
  const parsed = parseReference(site.reference);
  if (!parsed.ok) {
    lines.push(`Not a valid image reference: ${parsed.error}`);
    return markdown(lines, range);
  }
  const ref = parsed.ref;
  const chartTag = site.helm?.tagFromAppVersion && state.policy?.path ? chartTagOf(state.policy.path, validator.chartText) : undefined;
  const fallback = chartTag
    ? `none: the chart deploys \`${chartTag.tag}\` from Chart.yaml appVersion${chartTag.tag !== chartTag.appVersion ? ` \`${chartTag.appVersion}\` as its templates print it` : chartTag.rendered ? '' : ' (its templates do not say how they print it)'}`
    : 'none (the chart fills in its appVersion; no Chart.yaml beside this file says which)';
  lines.push(`- Name: \`${formatReference({ domain: ref.domain, path: ref.path })}\``);
  lines.push(`- Registry: \`${ref.domain}\``);
  lines.push(`- Tag: ${ref.tag ? `\`${ref.tag}\`` : site.helm?.tagFromAppVersion ? fallback : 'none (pulls `latest`)'}`);
  lines.push(`- Pinned digest: ${ref.digest ? `\`${ref.digest}\`` : 'none'}`);
  if (ref.digest && verification) lines.push('', await verificationLine(verification, site.reference, ref.tag, ref.domain, access.trusted));

  const file = state.policy?.path;
  const deployed = file && environments ? environments.deployers(file, hit.index) : [];
  if (deployed.length > 0) lines.push('', ...environmentLines(deployed, site.reference));

  const target = resolutionTarget(site, chartTag);
  const now = 'error' in target ? undefined : access.cached(target.ref);
  lines.push('');
  if (now && !('error' in target)) lines.push(...registryLines(now, target.ref.tag, ref.digest));
  else lines.push('_No registry lookup of this tag is cached; pinning it looks it up._');
  return markdown(lines, range);
}

function registryLines(now: Resolved, tag: string, pinned: string | undefined): string[] {
  const out = [`**Registry** (cached lookup): \`${tag}\` points to \`${now.digest}\``, `- Media type: \`${now.mediaType}\``];
  if (now.platforms?.length) {
    out.push(`- Platforms: ${now.platforms.map((p) => `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`).join(', ')}`);
  }
  if (pinned) {
    // A pin of one platform's manifest is current while the tag's index still lists it.
    const current = pinned === now.digest || !!now.platforms?.some((p) => p.digest === pinned);
    out.push(current ? '- The pinned digest is current.' : `- **Stale pin**: the tag has moved on from the pinned digest to \`${now.digest}\`.`);
  }
  return out;
}

/** What each environment that deploys this reference makes of it, in stage order. */
function environmentLines(deployed: ReturnType<EnvironmentService['deployers']>, written: string): string[] {
  const out = ['**Environments** that deploy it:'];
  for (const { env, image } of deployed) {
    const same = image.reference === written ? ' (as written)' : '';
    out.push(`- ${env.stage} \`${env.name}\` (${env.kind}): \`${image.reference}\`${same}${image.digest ? '' : ' — not pinned'}`);
  }
  return out;
}

/** What verification found for a pinned reference, in one sentence. */
async function verificationLine(verification: PinVerification, reference: string, tag: string | undefined, registry: string, trusted: boolean): Promise<string> {
  const known = await verification.verdict(reference);
  if (!known) return trusted ? '_Not verified against the registry yet._' : '_Not verified: registries are not contacted in an untrusted workspace._';
  const when = ago(Date.now() - known.at);
  const v = known.verdict;
  switch (v.status) {
    case 'verified':
      if (tag && v.platformOf) return `Verified ${when}: \`${tag}\` points to the index \`${v.platformOf}\`, which still lists this platform's manifest.`;
      return tag ? `Verified ${when}: \`${tag}\` still points here.` : `Verified ${when}: this digest exists in ${registry}.`;
    case 'moved-tag':
      return v.now ? `Verified ${when}: the tag \`${v.tag}\` now points to \`${v.now}\`.` : `Verified ${when}: the tag \`${v.tag}\` no longer exists.`;
    case 'unknown-digest':
      return `Verified ${when}: this digest does not exist in ${v.registry}.`;
    case 'registry-error':
      return `Could not verify this pin (${when}): ${v.reason}`;
  }
}

/** `just now`, `2 minutes ago`, `1 hour ago`. */
export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const unit = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'} ago`;
  if (s < 10) return 'just now';
  if (s < 60) return unit(s, 'second');
  if (s < 3600) return unit(Math.floor(s / 60), 'minute');
  return unit(Math.floor(s / 3600), 'hour');
}

function markdown(lines: string[], range: Hover['range']): Hover {
  const contents: MarkupContent = { kind: 'markdown', value: lines.join('\n') };
  return { contents, range };
}
