/**
 * How a chart's templates render an image map's `sha` key, read from the templates' text: the form a
 * digest is written in when the values leave `sha:` empty. kube-prometheus-stack renders
 * `repo:tag@sha256:{{ .sha }}` (the hex alone) and copies `image.tag` into the operator's `version`
 * field, which must stay a plain version; kube-state-metrics renders `repo:tag@{{ .sha }}` (the whole
 * `sha256:<hex>`). Templates are Go templates, not YAML: they are read as text here. No I/O.
 */
import type { ShaForm } from './extract/classify';

/** One place a template renders a `sha`: the expression it is read from (`.Values.x.image`, or `` for `.sha`), and its form. */
export interface ShaRendering {
  subject: string;
  form: ShaForm;
}

/** `{{ … }}` actions, with what comes right before them (the text a direct rendering follows). */
const ACTION = /\{\{-?([\s\S]*?)-?\}\}/g;
/** A field chain ending in `.sha` (not `.sha256` nor `.shaX`): `$img.sha`, `.Values.a.image.sha`, `.sha`. */
const SHA_FIELD = /((?:\$[\w]*|\.Values|\.)?(?:\.?[A-Za-z_][\w]*)*?)\.sha(?![\w])/g;

/** Every rendering of a `sha` field in one template's text. */
export function shaRenderings(text: string): ShaRendering[] {
  const out: ShaRendering[] = [];
  for (const m of text.matchAll(ACTION)) {
    const body = m[1];
    const fields = [...body.matchAll(SHA_FIELD)];
    if (fields.length !== 1) continue;
    const subject = fields[0][1];
    const printf = /\bprintf\s+"((?:[^"\\]|\\.)*)"/.exec(body);
    let form: ShaForm | undefined;
    if (printf) {
      // `printf "%s:%s@sha256:%s" .repository .tag .sha`: the verb the `sha` fills is the last one.
      const format = printf[1];
      if (/@sha256:%[sv]$/.test(format) || /@sha256:%[sv][^%]*$/.test(format)) form = 'hex';
      else if (/@%[sv][^%]*$/.test(format)) form = 'whole';
      if (form && !body.trimEnd().endsWith(fields[0][0])) form = undefined;
    } else if (/^\s*(?:\$[\w]*|\.)[\w.$]*\s*$/.test(body)) {
      // `@sha256:{{ .Values.x.image.sha }}` / `@{{ $img.sha }}`: the action is the field alone.
      const before = text.slice(Math.max(0, m.index - 8), m.index);
      if (before.endsWith('@sha256:')) form = 'hex';
      else if (before.endsWith('@')) form = 'whole';
    }
    if (form) out.push({ subject, form });
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
  const subject = path && `.Values.${path.join('.')}`;
  const named = subject ? renderings.filter((r) => r.subject === subject) : [];
  const forms = new Set((named.length ? named : renderings).map((r) => r.form));
  return forms.size === 1 ? [...forms][0] : undefined;
}
