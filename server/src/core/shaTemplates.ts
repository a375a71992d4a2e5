/**
 * How a chart's templates render an image map's `sha` key, read from the templates' text: the form a
 * digest is written in when the values leave `sha:` empty. kube-prometheus-stack renders
 * `repo:tag@sha256:{{ .sha }}` (the hex alone) and copies `image.tag` into the operator's `version`
 * field, which must stay a plain version; kube-state-metrics renders `repo:tag@{{ .sha }}` (the whole
 * `sha256:<hex>`). Templates are Go templates, not YAML: they are read as text here. No I/O.
 */
import type { ShaForm } from './types';

/** One place a template renders a `sha`: the expression it is read from (`.Values.x.image`, or `` for `.sha`), and its form. */
export interface ShaRendering {
  subject: string;
  form: ShaForm;
}

/**
 * Every rendering of a `sha` field in one template's text. Read by scanning, in time linear in the
 * text (a hostile chart's template cannot make it backtrack): each `{{ … }}` action, then the field
 * chains in it that end in `.sha` (not `.sha256` nor `.shaX`).
 */
export function shaRenderings(text: string): ShaRendering[] {
  const out: ShaRendering[] = [];
  for (const [open, close] of templateActions(text)) {
    const rendering = renderingIn(text, open, close);
    if (rendering) out.push(rendering);
  }
  return out;
}

/**
 * Each action `{{ … }}` of a template's text as [where `{{` is, where its `}}` is], in order. Each
 * `indexOf` starts past the last one found, so a long run of `{{` without `}}` is read once.
 */
export function* templateActions(text: string): Generator<[number, number]> {
  for (let open = text.indexOf('{{'); open >= 0; ) {
    const close = text.indexOf('}}', open + 2);
    if (close < 0) return;
    yield [open, close];
    open = text.indexOf('{{', close + 2);
  }
}

/** The action `{{ … }}` at [open, close) as a rendering of a `sha`, or undefined. */
function renderingIn(text: string, open: number, close: number): ShaRendering | undefined {
  let body = text.slice(open + 2, close);
  if (body.startsWith('-')) body = body.slice(1);
  if (body.endsWith('-')) body = body.slice(0, -1);
  const fields = shaFields(body);
  if (fields.length !== 1) return undefined;
  const { subject, end } = fields[0];
  const printf = /\bprintf\s+"([^"\\]*)"/.exec(body);
  if (printf) {
    // `printf "%s:%s@sha256:%s" .repository .tag .sha`: the `sha` is the last argument, so the last verb.
    if (body.slice(end).trim() !== '') return undefined;
    const format = printf[1];
    const verb = Math.max(format.lastIndexOf('%s'), format.lastIndexOf('%v'));
    if (verb < 0) return undefined;
    if (format.slice(0, verb).endsWith('@sha256:')) return { subject, form: 'hex' };
    if (format.slice(0, verb).endsWith('@')) return { subject, form: 'whole' };
    return undefined;
  }
  // `@sha256:{{ .Values.x.image.sha }}` / `@{{ $img.sha }}`: the action is the field alone.
  if (body.trim() !== `${subject}.sha`) return undefined;
  const before = text.slice(Math.max(0, open - 8), open);
  if (before.endsWith('@sha256:')) return { subject, form: 'hex' };
  if (before.endsWith('@')) return { subject, form: 'whole' };
  return undefined;
}

/** The first two `X.sha` field chains in an action's body: `X` (`.Values.a.image`, `$img`, or empty for `.sha`) and where each ends. */
function shaFields(body: string): Array<{ subject: string; end: number }> {
  const out: Array<{ subject: string; end: number }> = [];
  const word = (c: string | undefined) => c !== undefined && /[\w$]/.test(c);
  for (let at = body.indexOf('.sha'); at >= 0; at = body.indexOf('.sha', at + 4)) {
    if (word(body[at + 4])) continue;
    let from = at;
    while (from > 0 && (word(body[from - 1]) || body[from - 1] === '.')) from--;
    out.push({ subject: body.slice(from, at), end: at + 4 });
    // Two are enough to refuse the action: stopping keeps the scan linear (`.sha.sha.sha…`).
    if (out.length > 1) break;
  }
  return out;
}

/**
 * The form for an empty `sha` of the map at `path` (`['alertmanager','alertmanagerSpec','image']`):
 * what the templates render for `.Values.<path>.sha` when they name it, else what every rendering in
 * the chart agrees on (maps passed to a helper: `include "…image" .Values.x.image`). None found, or
 * two forms: undefined (the digest then rides on the tag, as for any chart).
 */
export function templateShaForm(renderings: readonly ShaRendering[], path?: readonly string[]): ShaForm | undefined {
  const forms = new Set(renderingsOf(renderings, path).map((r) => r.form));
  return forms.size === 1 ? [...forms][0] : undefined;
}

/**
 * The renderings that speak for the map at `path`: those naming `.Values.<path>` when any do, else all
 * of the chart's (maps passed to a helper). Shared by the `sha` form and the tag default (./tagTemplates).
 */
export function renderingsOf<R extends { subject: string }>(renderings: readonly R[], path?: readonly string[]): readonly R[] {
  const subject = path && `.Values.${path.join('.')}`;
  const named = subject ? renderings.filter((r) => r.subject === subject) : [];
  return named.length ? named : renderings;
}
