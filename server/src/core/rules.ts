/**
 * The policy: image sites + configuration → findings. One function per decision,
 * no I/O. Rule ids are stable: they appear in config, output and docs.
 */
import type { Allowance, ImagePinConfig } from './config';
import { severityOf } from './config';
import { globMatcher } from './glob';
import type { Extraction } from './extract';
import { familiarName, fullName, parseReference, splitWritten } from './reference';
import type { ChartTag, Finding, Grammar, JudgedSite, RuleId } from './types';

export interface RuleContext {
  config: ImagePinConfig;
  /** The file's path relative to the config's folder, with `/` separators. */
  relativePath: string;
  /** Today as `YYYY-MM-DD` (UTC), for allowance expiry. */
  today: string;
  /** What an empty `tag:` deploys in the Helm chart the file belongs to: its appVersion as the templates print it. */
  chartTag?: ChartTag;
  /** When judging what an environment deploys: its stage, for allowances that name stages. */
  stage?: string;
  /** Other paths (relative, like `relativePath`) an allowance's `paths` may match: the environment's root and files. */
  alsoPaths?: readonly string[];
}

/** The day `todayUtc()` last made, and the milliseconds it spans: every keystroke asks, twice (a Date's `toISOString` is a few µs). */
let day = { text: '', from: 0, to: -1 };
const DAY_MS = 86_400_000;

export function todayUtc(now?: Date): string {
  if (now) return now.toISOString().slice(0, 10);
  const ms = Date.now();
  if (ms < day.from || ms >= day.to) {
    const from = ms - (ms % DAY_MS);
    day = { text: new Date(from).toISOString().slice(0, 10), from, to: from + DAY_MS };
  }
  return day.text;
}

type Verdict = { rule: RuleId; message: string } | null;

export function evaluate(extraction: Pick<Extraction, 'syntaxErrors'> & { sites: readonly JudgedSite[] }, ctx: RuleContext): Finding[] {
  const findings: Finding[] = [];
  // A template's leftovers (branches, indentation from includes) are already left out by the extraction.
  const first = extraction.syntaxErrors[0];
  if (first) {
    const severity = severityOf(ctx.config, 'yaml-syntax');
    if (severity !== 'off') findings.push({ rule: 'yaml-syntax', span: first.span, message: `YAML syntax error: ${first.message}`, severity });
  }
  const sites = extraction.sites;
  for (let index = 0; index < sites.length; index++) {
    const site = sites[index];
    const verdict = judge(site, ctx);
    if (!verdict) continue;
    if (site.ignored && (site.ignored.length === 0 || site.ignored.includes(verdict.rule))) continue;
    const severity = severityOf(ctx.config, verdict.rule);
    // One object per finding (a scan makes one for nearly every site), its fields in one order.
    if (severity !== 'off') findings.push({ rule: verdict.rule, span: site.span, message: verdict.message, image: site.reference, site: index, severity });
  }
  return findings;
}

const floatingMatchers = new WeakMap<string[], { match: (tag: string) => boolean; seen: Map<string, boolean> }>();

export function isFloatingTag(config: ImagePinConfig, tag: string): boolean {
  let m = floatingMatchers.get(config.floatingTags);
  if (!m) {
    m = { match: globMatcher(config.floatingTags, { nocase: true }), seen: new Map() };
    floatingMatchers.set(config.floatingTags, m);
  }
  let floating = m.seen.get(tag);
  if (floating === undefined) {
    floating = m.match(tag);
    if (m.seen.size < 10000) m.seen.set(tag, floating);
  }
  return floating;
}

/** What the rules need of a reference's grammar; memoised, as a workspace repeats the same references many times. */
const grammarMemo = new Map<string, Grammar>();
export function grammarOf(reference: string): Grammar {
  let g = grammarMemo.get(reference);
  if (!g) {
    if (grammarMemo.size >= 20000) grammarMemo.clear();
    const parsed = parseReference(reference);
    if (!parsed.ok) g = { ok: false, error: parsed.error };
    else {
      const { tag, digest } = parsed.ref;
      g = tag !== undefined && digest !== undefined ? { ok: true, tag, digest, repository: fullName(parsed.ref) } : { ok: true, tag, digest };
    }
    grammarMemo.set(reference, g);
  }
  return g;
}

/**
 * A message that depends on the tag alone, made once per tag: a workspace repeats a few tags in
 * thousands of findings, and one string each (joined from three parts, flattened again when printed)
 * was garbage for every one.
 */
const floatingMessages = new Map<string, string>();
const unpinnedMessages = new Map<string, string>();
function tagMessage(memo: Map<string, string>, tag: string, make: (tag: string) => string): string {
  let message = memo.get(tag);
  if (message === undefined) {
    if (memo.size >= 10000) memo.clear();
    memo.set(tag, (message = make(tag)));
  }
  return message;
}

/** How the deployed tag comes from the appVersion, when the chart's templates print more than it (` ${appVersion} as the templates print it`). */
function fromAppVersion(t: ChartTag): string {
  return t.tag === t.appVersion ? '' : ` ${t.appVersion} as the chart's templates print it`;
}

export function judge(site: JudgedSite, ctx: RuleContext): Verdict {
  const ref = site.grammar ?? grammarOf(site.reference);
  // Messages lead with the problem and do not repeat the reference (the range shows it; the
  // hover has the details): the Problems panel cuts long lines.
  if (!ref.ok) return { rule: 'invalid-reference', message: `invalid image reference: ${ref.error}` };
  if (ref.digest) return null;

  let rule: RuleId;
  let message: string;
  if (site.helm?.tagFromAppVersion) {
    rule = 'unpinned-tag';
    message = ctx.chartTag
      ? `empty tag deploys ${ctx.chartTag.tag} from Chart.yaml appVersion${fromAppVersion(ctx.chartTag)}, which can be pushed again: pin it to a digest`
      : 'empty tag: the chart fills in its appVersion, which can be pushed again: pin it to a digest';
  } else if (!ref.tag) {
    rule = 'missing-tag';
    message = 'no tag or digest, so it pulls whatever "latest" is: pin it to a digest';
  } else if (isFloatingTag(ctx.config, ref.tag)) {
    rule = 'floating-tag';
    message = tagMessage(floatingMessages, ref.tag, (tag) => `floating tag "${tag}": pin it to a digest`);
  } else {
    rule = 'unpinned-tag';
    message = tagMessage(unpinnedMessages, ref.tag, (tag) => `tag "${tag}" without a digest can be pushed again: pin it to a digest`);
  }

  const allowance = findAllowance(site, ctx);
  if (!allowance) return { rule, message };
  const where = allowance.origin ? ` (${allowance.origin.file}:${allowance.origin.line})` : '';
  const why = allowance.reason ? `: ${allowance.reason}` : '';
  if (allowance.until < ctx.today) {
    return {
      rule: 'expired-allowance',
      message: `allowance expired on ${allowance.until}${where}${why}: pin it to a digest or renew the allowance`,
    };
  }
  const slot = site.pullPolicy;
  // Shapes without a pull policy of their own (Kustomize and Argo CD image overrides, Actions steps)
  // change an image that is declared elsewhere: the pull policy is checked where the container is.
  if (!slot || slot.value === slot.always) return null;
  const now = slot.value === null ? 'is not set (the default does not count)' : `is "${slot.value}"`;
  return {
    rule: 'pull-policy',
    message: `${slot.key} ${now}: a mutable tag is allowed until ${allowance.until}${why} only with ${slot.key}: ${slot.always}`,
  };
}

const allowanceMatchers = new WeakMap<Allowance, { path: (p: string) => boolean; image: (names: string[]) => boolean }>();

function findAllowance(site: JudgedSite, ctx: RuleContext): Allowance | undefined {
  if (ctx.config.allowances.length === 0) return undefined;
  const names = imageNames(site.reference);
  // The latest-expiring matching allowance decides: an expired one does not shadow a renewed one.
  let best: Allowance | undefined;
  for (const allowance of ctx.config.allowances) {
    let m = allowanceMatchers.get(allowance);
    if (!m) {
      const path = allowance.paths.length ? globMatcher(allowance.paths) : () => true;
      const img = allowance.images.length ? globMatcher(allowance.images) : () => true;
      m = { path, image: (ns) => ns.some((n) => img(n)) };
      allowanceMatchers.set(allowance, m);
    }
    if (allowance.stages?.length && (ctx.stage === undefined || !allowance.stages.includes(ctx.stage))) continue;
    const pathMatches = m.path(ctx.relativePath) || (allowance.paths.length > 0 && !!ctx.alsoPaths?.some((p) => m!.path(p)));
    if (pathMatches && m.image(names) && (!best || allowance.until > best.until)) best = allowance;
  }
  return best;
}

/** The names an allowance pattern may be written against: as written, familiar and fully qualified, each with and without the tag. */
function imageNames(reference: string): string[] {
  const written = splitWritten(reference);
  const parsed = parseReference(reference);
  const names = new Set<string>();
  const add = (name: string, tag?: string) => {
    names.add(name);
    if (tag) names.add(`${name}:${tag}`);
  };
  if (written) add(written.name, written.tag);
  if (parsed.ok) {
    add(familiarName(parsed.ref), parsed.ref.tag);
    add(fullName(parsed.ref), parsed.ref.tag);
  }
  return [...names];
}
