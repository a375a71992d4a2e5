/**
 * Promotion planning (policy rule 3: promotion is a Git change that moves the same digest forward).
 * Pure: given the environment model and the files' texts, it says which environment of the target
 * stage must deploy which tag and digest, and which text edits in which file make it so. The CLI
 * (`image-pin promote`, `image-pin set`) and the language server (`imagePin/promote`) both call it.
 *
 * Edits go to the target environment's own place, never to a file another environment also uses
 * (a shared base, the chart's `values.yaml`): its overlay's `images:` entry, its values file's image
 * map, its Argo CD Application or Flux HelmRelease, or — for a plain environment — the manifest line
 * itself. When it has none, one is added (an `images:` entry, the map path in its values file, a
 * `kustomize.images` item or `valuesObject` / `spec.values` keys in its Application or HelmRelease).
 */
import * as posix from 'node:path/posix';
import { globMatcher } from '../glob';
import { fullName, parseReference, splitWritten } from '../reference';
import type { EffectiveImage, Environment, EnvironmentModel, HelmMapRef, Place } from '../env/types';
import type { ShaForm } from '../types';
import { type TextEdit, applyEdits, shaValue } from '../fix';
import { composed, yamlString } from '../env/edit';
import { type EditResult, type Want, editPlace } from '../env/edit';
import { addImageEntries, addListItem, addMapPath } from './edits';

export interface Move {
  /** The environment moved; none for an image `set --add` adds. */
  env?: Environment;
  image: string;
  from: { reference: string; digest?: string };
  to: { reference: string; digest: string; tag?: string };
  /** The file edited and the offset of the first edit (for file:line; see movedOffset). */
  file: string;
  offset: number;
  /** For an image written by an insertion shared with others (new `images:` entries): where its own text starts in it. */
  within?: number;
  /** Where the wanted reference comes from: a source environment, or the reference given to `set`. */
  source?: Environment;
}

export interface Equal {
  env: Environment;
  image: string;
  reference: string;
}

export interface Skip {
  image: string;
  env?: Environment;
  reason: string;
}

export interface Plan {
  moves: Move[];
  equal: Equal[];
  skipped: Skip[];
  /** The edits, by file (absolute path), non-overlapping. */
  edits: Map<string, TextEdit[]>;
}

export type PlanResult = ({ ok: true } & Plan) | { ok: false; error: string };

/**
 * Where a move's text starts once the plan's edits are applied to its file, as an offset into
 * `applyEdits(text, plan.edits.get(move.file))`: for an inserted override, its own first line (past the
 * line break and indentation the insertion starts with), not the end of the line it follows.
 */
export function movedOffset(plan: Pick<Plan, 'edits'>, move: Pick<Move, 'file' | 'offset' | 'within'>): number {
  let shift = 0;
  for (const e of plan.edits.get(move.file) ?? []) {
    if (e.start === move.offset && e.end === move.offset) return move.offset + shift + (move.within ?? /^\s*/.exec(e.newText)?.[0].length ?? 0);
    if (e.start >= move.offset) break;
    shift += e.newText.length - (e.end - e.start);
  }
  return move.offset + shift;
}

/** The stages of a model, in promotion order. */
export function stagesOf(model: EnvironmentModel): string[] {
  const seen = new Map<string, number>();
  for (const e of model.environments) if (!seen.has(e.stage)) seen.set(e.stage, e.stageOrder);
  return [...seen].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).map(([s]) => s);
}

/** The name images are matched by: the normalized repository (`nginx` = `docker.io/library/nginx`), else as written. */
export function imageKey(name: string): string {
  const parsed = parseReference(name);
  return parsed.ok ? fullName(parsed.ref) : name;
}

function stageCheck(model: EnvironmentModel, ...stages: string[]): string | undefined {
  const all = stagesOf(model);
  if (all.length === 0) return 'no stages found: no environment (overlay, values file, Argo CD / Flux application) in these paths';
  for (const s of stages) if (!all.includes(s)) return `unknown stage "${s}" (stages: ${all.join(', ')})`;
  return undefined;
}

export interface PromoteOptions {
  from: string;
  to: string;
  /** Globs of image names (as written, or normalized); none: every image. */
  images?: readonly string[];
  /** How paths are shown in messages (default: as they are). */
  display?: (file: string) => string;
  /** How the chart around a values file renders the map at `path`'s `sha` (I/O: scan/chartTemplates.ts). */
  shaForm?: ShaFormOf;
}

/** `image-pin promote`: the target stage deploys exactly the digests the source stage deploys. */
export function planPromotion(model: EnvironmentModel, text: (file: string) => string | undefined, opts: PromoteOptions): PlanResult {
  const problem = stageCheck(model, opts.from, opts.to);
  if (problem) return { ok: false, error: problem };
  if (opts.from === opts.to) return { ok: false, error: `--from and --to are the same stage (${opts.from})` };
  const sources = model.environments.filter((e) => e.stage === opts.from);
  const targets = model.environments.filter((e) => e.stage === opts.to);
  const match = opts.images?.length ? globMatcher(opts.images) : undefined;
  const wanted = (name: string) => !match || match(name) || match(imageKey(name));
  const planner = new Planner(model, text, opts.display, opts.shaForm);
  const reported = new Set<string>();
  const skipOnce = (image: string, reason: string) => {
    if (reported.has(reason)) return;
    reported.add(reason);
    planner.skipped.push({ image, reason });
  };
  // The source stage's images by key, in the order of its environments and their images: looked up
  // per target image (a workspace of a thousand environments asked every source for every target).
  const bySourceKey = new Map<string, Array<{ env: Environment; image: EffectiveImage }>>();
  for (const s of sources) {
    for (const i of s.images) {
      const key = imageKey(i.image);
      const list = bySourceKey.get(key);
      if (list) list.push({ env: s, image: i });
      else bySourceKey.set(key, [{ env: s, image: i }]);
    }
  }
  for (const env of targets) {
    for (const image of env.images) {
      if (!wanted(image.image)) continue;
      const deploying = bySourceKey.get(imageKey(image.image)) ?? [];
      if (deploying.length === 0) continue; // not an image both stages deploy
      // The counterpart: source environments laid out like this one (same kind, same folder of roots).
      const near = deploying.filter((d) => d.env.kind === env.kind && group(d.env) === group(env));
      const pool = near.length ? near : deploying;
      const unpinned = pool.find((d) => !d.image.digest);
      if (unpinned) {
        skipOnce(image.image, `source is not pinned: ${unpinned.image.reference} in ${opts.from}`);
        continue;
      }
      const refs = new Map(pool.map((d) => [`${d.image.tag ?? ''}@${d.image.digest}`, d]));
      if (refs.size > 1) {
        const list = [...refs.values()].map((d) => `${d.image.reference} (${planner.display(show(d.env))})`).join(', ');
        skipOnce(image.image, `ambiguous: ${opts.from} deploys ${image.image} as ${list}; promote with --image and PATHs that pick one`);
        continue;
      }
      const src = pool[0];
      planner.target(env, image, { digest: src.image.digest!, ...(src.image.tag ? { tag: src.image.tag } : {}) }, src.env);
    }
  }
  return { ok: true, ...planner.finish() };
}

export interface SetOptions {
  stage: string;
  /** `IMAGE[:TAG]@DIGEST`, the digest already resolved. */
  reference: string;
  /** A kustomization or values file to add the image to when the stage does not deploy it. */
  add?: string;
  display?: (file: string) => string;
  /** How the chart around a values file renders the map at `path`'s `sha` (I/O: scan/chartTemplates.ts). */
  shaForm?: ShaFormOf;
}

/** `image-pin set`: every environment of the stage deploys `reference`. */
export function planSet(model: EnvironmentModel, text: (file: string) => string | undefined, opts: SetOptions): PlanResult {
  const problem = stageCheck(model, opts.stage);
  if (problem) return { ok: false, error: problem };
  const written = splitWritten(opts.reference);
  if (!written || !written.digest) return { ok: false, error: `"${opts.reference}" is not a reference with a digest` };
  const want: Want = { digest: written.digest, ...(written.tag ? { tag: written.tag } : {}) };
  const key = imageKey(written.name);
  const planner = new Planner(model, text, opts.display, opts.shaForm);
  let deployed = false;
  for (const env of model.environments.filter((e) => e.stage === opts.stage)) {
    for (const image of env.images) {
      if (imageKey(image.image) !== key) continue;
      deployed = true;
      planner.target(env, image, want);
    }
  }
  if (!deployed) {
    if (!opts.add) return { ok: false, error: `stage ${opts.stage} does not deploy ${written.name}; --add FILE names the kustomization or values file to add it to` };
    const t = text(opts.add);
    if (t === undefined) return { ok: false, error: `cannot read ${opts.add}` };
    const base = posix.basename(opts.add);
    // A values file's `image` map is its chart's main image: the image given is never written over it.
    const holder = model.environments.find((e) => (e.root === opts.add || e.files.includes(opts.add!)) && e.images.some((i) => helmRef(i)?.path.join('.') === 'image'));
    if (holder && !/^(kustomization\.ya?ml|Kustomization)$/.test(base)) {
      const other = holder.images.find((i) => helmRef(i)?.path.join('.') === 'image')!;
      return { ok: false, error: `${planner.display(opts.add)}: its \`image\` map is ${other.image}'s (the chart's image); add ${written.name} by hand where the chart reads it` };
    }
    const got = /^(kustomization\.ya?ml|Kustomization)$/.test(base)
      ? addImageEntries(t, [{ name: written.name, want }])
      : addMapPath(t, ['image'], [['repository', written.name], ...(want.tag ? [['tag', want.tag] as [string, string]] : []), ['digest', want.digest]], undefined, { fresh: true });
    if (!got.ok) return { ok: false, error: `${planner.display(opts.add)}: ${got.error}` };
    planner.add(opts.add, got.edits);
    planner.moves.push({ image: written.name, from: { reference: '' }, to: { reference: opts.reference, digest: want.digest, ...(want.tag ? { tag: want.tag } : {}) }, file: opts.add, offset: got.edits[0].start });
  }
  return { ok: true, ...planner.finish() };
}

/** The folder that holds an environment's root: overlays of one tree, values files of one chart, Applications of one folder. */
function group(env: Environment): string {
  return posix.dirname(env.kind === 'kustomize' ? env.root : env.rootFile);
}

function show(env: Environment): string {
  return env.kind === 'kustomize' ? env.root : env.rootFile;
}

/** A new place: made on the file's text (`pos` maps an offset of the file as read into that text). */
type Make = (text: string, pos: (offset: number) => number) => EditResult;

interface Addition {
  key: string;
  make: Make;
  move: Move;
  skip: (why: string) => void;
}

type Placed = { file: string; edits: TextEdit[] } | { entry: string } | { file: string; addition: Make } | { error: string };

/**
 * Insertions made one after another, kept as insertions into the original text: one made inside (or
 * at either end of) an earlier one joins its text.
 */
class Insertions {
  private readonly blocks: Array<{ at: number; newText: string }> = [];

  /** Where an offset of the original text is now. */
  toCurrent(offset: number): number {
    let shift = 0;
    for (const b of this.blocks) if (b.at < offset) shift += b.newText.length;
    return offset + shift;
  }

  /** Records an insertion at `pos` of the current text; returns its offset in the original. */
  insert(pos: number, newText: string): number {
    let shift = 0;
    for (const b of this.blocks) {
      const start = b.at + shift;
      if (pos < start) break;
      if (pos <= start + b.newText.length) {
        b.newText = b.newText.slice(0, pos - start) + newText + b.newText.slice(pos - start);
        return b.at;
      }
      shift += b.newText.length;
    }
    const at = pos - shift;
    this.blocks.push({ at, newText });
    this.blocks.sort((a, b) => a.at - b.at);
    return at;
  }

  edits(): TextEdit[] {
    return this.blocks.map((b) => ({ start: b.at, end: b.at, newText: b.newText }));
  }
}

class Planner {
  readonly moves: Move[] = [];
  readonly equal: Equal[] = [];
  readonly skipped: Skip[] = [];
  private readonly edits = new Map<string, TextEdit[]>();
  /** New `images:` entries by kustomization, written together when the plan is finished. */
  private readonly entries = new Map<string, Array<{ name: string; want: Want; move: Move; env: Environment; reference: string }>>();
  /** New places (values map paths, Application overrides) by file, made together when the plan is finished. */
  private readonly additions = new Map<string, Addition[]>();
  /**
   * How many environments use each file: a file used by more than one is shared and never edited.
   * Counted when first asked (the Environments view plans every pair of stages after each change, and
   * most plans of a workspace in step edit nothing).
   */
  private users?: Map<string, number>;

  constructor(
    private readonly model: EnvironmentModel,
    private readonly text: (file: string) => string | undefined,
    readonly display: (file: string) => string = (f) => f,
    private readonly shaForm?: ShaFormOf,
  ) {}

  private usersOf(file: string): number {
    if (!this.users) {
      const users = (this.users = new Map<string, number>());
      for (const env of this.model.environments) {
        for (const f of new Set([...env.files, env.root, env.rootFile])) users.set(f, (users.get(f) ?? 0) + 1);
      }
    }
    return this.users.get(file) ?? 0;
  }

  /**
   * The environment's own files: its kustomization and the files in its folder no other environment
   * uses; its values file; its Application or HelmRelease. A chart's `values.yaml` and a base are never
   * its own, even when only one environment uses them today.
   */
  private owned(env: Environment, file: string): boolean {
    if (file === env.rootFile || file === env.root) return true;
    if (env.kind !== 'kustomize') return false;
    return file.startsWith(`${env.root}/`) && this.usersOf(file) <= 1;
  }

  add(file: string, edits: TextEdit[]): boolean {
    const list = this.edits.get(file) ?? [];
    // Two targets editing the same text (one entry that several images share) must agree, else the second is refused.
    for (const e of edits) {
      const same = list.find((x) => x.start === e.start && x.end === e.end);
      if (same && same.newText !== e.newText) return false;
      if (!same && list.some((x) => x.start < e.end && e.start < x.end)) return false;
      if (!same && e.start === e.end && list.some((x) => x.start === e.start && x.end === e.start)) return false;
    }
    for (const e of edits) if (!list.some((x) => x.start === e.start && x.end === e.end)) list.push(e);
    this.edits.set(file, list);
    return true;
  }

  target(env: Environment, image: EffectiveImage, want: Want, source?: Environment): void {
    const toReference = `${image.image}${want.tag ? `:${want.tag}` : ''}@${want.digest}`;
    if (image.digest === want.digest && (want.tag === undefined || image.tag === want.tag)) {
      this.equal.push({ env, image: image.image, reference: image.reference });
      return;
    }
    const move: Move = {
      env,
      image: image.image,
      from: { reference: image.reference, ...(image.digest ? { digest: image.digest } : {}) },
      to: { reference: toReference, digest: want.digest, ...(want.tag ? { tag: want.tag } : {}) },
      file: '',
      offset: 0,
      ...(source ? { source } : {}),
    };
    const where = this.display(show(env));
    // A reason that starts with the environment's own file (an Application's) does not name it twice.
    const skip = (why: string) => this.skipped.push({ image: image.image, env, reason: `${image.reference} in ${where}: ${why.startsWith(`${where}: `) ? why.slice(where.length + 2) : why}` });
    const got = this.placeFor(env, image, want);
    if ('entry' in got) {
      const list = this.entries.get(got.entry) ?? [];
      if (!list.some((x) => x.name === image.image && x.want.digest === want.digest && x.want.tag === want.tag)) list.push({ name: image.image, want, move, env, reference: image.reference });
      this.entries.set(got.entry, list);
      return;
    }
    if ('addition' in got) {
      const list = this.additions.get(got.file) ?? [];
      // By map too: one image in two maps (istio's proxy and proxy_init) is written in both.
      const key = `${env.id}|${image.image}|${helmRef(image)?.path.join('.') ?? ''}|${want.tag ?? ''}@${want.digest}`;
      if (!list.some((x) => x.key === key)) list.push({ key, make: got.addition, move, skip });
      this.additions.set(got.file, list);
      return;
    }
    if ('error' in got) {
      skip(got.error);
      return;
    }
    if (!this.add(got.file, got.edits)) {
      skip('another image is written at the same place with a different value');
      return;
    }
    this.moves.push({ ...move, file: got.file, offset: Math.min(...got.edits.map((e) => e.start)) });
  }

  /** The edits at the environment's own place for this image, or a new place in its own file. */
  private placeFor(env: Environment, image: EffectiveImage, wanted: Want): Placed {
    const p = image.provenance;
    const ref = helmRef(image);
    const emptyShaForm = ref && !ref.shaForm && hasShaKey(image) ? this.shaForm?.(p.base.file, ref.path) : undefined;
    const want: Want = emptyShaForm ? { ...wanted, emptyShaForm } : wanted;
    // Outermost own override first (an overlay of an overlay edits its own entry, not the inner one's).
    const places: Place[] = [...p.overrides].reverse();
    for (const extra of [p.digest, p.tag, p.name]) if (extra && !places.includes(extra)) places.push(extra);
    const own = places.find((pl) => pl.shape !== 'chart-app-version' && this.owned(env, pl.file));
    const exact: Want = { ...want, ...(image.tag ? { fallbackTag: image.tag } : {}) };
    // Decided by a global of the environment's file (`global.tag`, shared by other images): the image's
    // own map gets the keys instead, added as new places are (istio's proxy: the whole reference).
    const global = own?.shape === 'helm-value' && !!own.helm && !Object.values(own.helm.keys).some((k) => k.span.start === own.span.start);
    if (global && env.kind === 'helm' && ref) {
      const pairs = mapPairs(image, ref, want);
      if ('error' in pairs) return pairs;
      return { file: env.root, addition: (t) => addMapPath(t, ref.path, pairs) };
    }
    if (own) {
      const got = this.edit(own.file, (t) => editPlace(t, own, exact));
      if (!('error' in got) || !(env.app?.target === 'chart' && own.file === env.rootFile)) return got;
      // Parameters that set the tag or digest win over valuesObject: keys added there would not take effect.
      const h = own.helm;
      if (h?.parameters && (h.keys.tag || h.keys.digest)) return got;
      // An Application's `values` string that cannot be edited in place: `valuesObject`, which Argo CD
      // applies over it, gets the keys instead (refused there too when valuesObject already has them).
      const added = this.appAddition(env, image, want);
      return 'error' in added ? { error: `${got.error}; ${added.error}` } : added;
    }
    if (this.owned(env, p.base.file) && p.base.shape === 'site') return this.edit(p.base.file, (t) => editPlace(t, p.base, exact));
    if (env.kind === 'kustomize') return { entry: env.rootFile };
    if (env.kind === 'helm') {
      if (!ref) return { error: 'no image map to add to its values file' };
      const pairs = mapPairs(image, ref, want);
      if ('error' in pairs) return pairs;
      return { file: env.root, addition: (t) => addMapPath(t, ref.path, pairs) };
    }
    return this.appAddition(env, image, want);
  }

  /**
   * A new override in an Argo CD Application or a Flux HelmRelease, in the source that deploys the
   * image: a `kustomize.images` item (`name:tag@digest`, the form `kustomize edit set image` takes)
   * for a kustomization; for a chart, the image map's keys under `helm.valuesObject` (Argo CD applies
   * it over `valueFiles` and `values`) or `spec.values` (Flux applies it over `valuesFrom` and the
   * chart's values files). The maps and lists on the way are created when missing.
   */
  private appAddition(env: Environment, image: EffectiveImage, want: Want): Placed {
    const app = env.app;
    if (!app) return { error: `no override of it in ${show(env)} to edit, and no source to add one to` };
    const file = env.rootFile;
    if (app.target === 'kustomization') {
      // Argo CD's `kustomize edit set image` replaces the kustomization's entry of the same name: an image
      // that entry renames gets `name=newName…` (the rename kept); any other, an item of its own name.
      const rename = image.provenance.name.entry;
      const renamedHere = image.provenance.name.shape === 'kustomize-entry' && rename?.newName && !rename.argoString && rename.file === app.kustomization;
      const item = (renamedHere ? `${rename.name.value}=` : '') + composed(image.image, want.tag, want.digest);
      return { file, addition: (t, pos) => addListItem(t, { doc: pos(app.at.doc), path: [...app.at.path, 'kustomize', 'images'] }, item) };
    }
    const ref = helmRef(image);
    if (!ref) return { error: 'no image map of the chart to add to its values' };
    const pairs = mapPairs(image, ref, want);
    if ('error' in pairs) return pairs;
    const values = env.kind === 'flux' ? ['values'] : ['helm', 'valuesObject'];
    return { file, addition: (t, pos) => addMapPath(t, [...app.at.path, ...values, ...ref.path], pairs, pos(app.at.doc)) };
  }

  private edit(file: string, make: (text: string) => { ok: true; edits: TextEdit[] } | { ok: false; error: string }): { file: string; edits: TextEdit[] } | { error: string } {
    const t = this.text(file);
    if (t === undefined) return { error: `cannot read ${file}` };
    const got = make(t);
    return got.ok ? { file, edits: got.edits } : { error: `${this.display(file)}: ${got.error}` };
  }

  /**
   * New places in one file, made one after the other on the text the previous ones produced (a second
   * image's map may go under the `valuesObject:` the first one created), and turned back into
   * insertions into the file as read.
   */
  private addAll(file: string, list: Addition[]): void {
    const text = this.text(file);
    if (text === undefined) {
      for (const x of list) x.skip(`cannot read ${this.display(file)}`);
      return;
    }
    const blocks = new Insertions();
    let current = text;
    const done: Array<{ x: Addition; at: number }> = [];
    for (const x of list) {
      const got = x.make(current, (offset) => blocks.toCurrent(offset));
      if (!got.ok) {
        x.skip(`${this.display(file)}: ${got.error}`);
        continue;
      }
      if (got.edits.length !== 1 || got.edits[0].start !== got.edits[0].end) throw new Error('an addition is one insertion');
      done.push({ x, at: blocks.insert(got.edits[0].start, got.edits[0].newText) });
      current = applyEdits(current, got.edits);
    }
    if (done.length === 0) return;
    if (!this.add(file, blocks.edits())) {
      for (const { x } of done) x.skip('another edit is at the same place');
      return;
    }
    for (const { x, at } of done) this.moves.push({ ...x.move, file, offset: at });
  }

  finish(): Plan {
    for (const [file, list] of this.additions) this.addAll(file, list);
    for (const [file, list] of this.entries) {
      const got = this.edit(file, (t) => addImageEntries(t, list));
      if ('error' in got || !this.add(file, got.edits)) {
        const why = 'error' in got ? got.error : 'another edit is at the same place';
        for (const x of list) this.skipped.push({ image: x.name, env: x.env, reason: `${x.reference} in ${this.display(show(x.env))}: ${why}` });
        continue;
      }
      const added = got.edits[0].newText;
      for (const x of list) this.moves.push({ ...x.move, file, offset: got.edits[0].start, ...entryStart(added, x.name) });
    }
    for (const list of this.edits.values()) list.sort((a, b) => a.start - b.start);
    // One image in two containers of an environment is one reference moved (one edit).
    const once = <T>(list: T[], key: (x: T) => string) => {
      const seen = new Set<string>();
      return list.filter((x) => {
        const k = key(x);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
    };
    return {
      moves: once(this.moves, (m) => `${m.env?.id}|${m.image}|${m.file}|${m.offset}`),
      equal: once(this.equal, (e) => `${e.env.id}|${e.image}|${e.reference}`),
      skipped: once(this.skipped, (s) => `${s.env?.id}|${s.reason}`),
      edits: this.edits,
    };
  }
}

/** Where the new `images:` entry for `name` starts in the text inserted for several (its `- name:` line, past the indentation). */
function entryStart(inserted: string, name: string): { within?: number } {
  const line = `- name: ${yamlString(name)}`;
  let at = 0;
  for (const l of inserted.split('\n')) {
    const body = l.replace(/\r$/, '');
    if (body.trim() === line) return { within: at + body.indexOf('-') };
    at += l.length + 1;
  }
  return {};
}

/** The image's values map (any of its helm-value places knows the key path). */
function helmRef(image: EffectiveImage): HelmMapRef | undefined {
  const p = image.provenance;
  for (const pl of [p.name, p.tag, p.digest, p.registry, ...p.overrides]) if (pl?.helm) return pl.helm;
  return undefined;
}

/** Whether a layer's map of the image (the chart's own, or an environment's) has a `sha` key, set or empty. */
export function hasShaKey(image: EffectiveImage): boolean {
  const p = image.provenance;
  return [p.base, p.name, p.tag, p.digest, p.registry, ...p.overrides].some((pl) => pl?.helm?.keys.sha !== undefined);
}

/** How the chart whose values are `chartValues` renders the `sha` of the map at `path` (undefined: not known). */
export type ShaFormOf = (chartValues: string, path: readonly string[]) => ShaForm | undefined;

/**
 * The keys a new values map gets: the image's whole reference under its key, for a map that holds one
 * (`image: repo:tag`); else `tag` and `sha` where the chart reads its digest from `sha`; else `tag` and
 * `digest` when the chart's map (or a layer below) has a digest key; else `tag: tag@digest`.
 */
function mapPairs(image: EffectiveImage, ref: HelmMapRef, want: Want): Array<[string, string]> | { error: string } {
  const p = image.provenance;
  const tag = want.tag ?? image.tag;
  if (p.base.whole !== undefined) return [['image', composed(p.base.whole, tag, want.digest)]];
  if (p.name.role === 'reference') {
    const key = Object.keys(ref.keys).find((k) => ref.keys[k].span.start === p.name.span.start);
    if (!key) return { error: 'cannot tell which key of its values map holds the image' };
    return [[key, composed(image.image, tag, want.digest)]];
  }
  const tagPair: Array<[string, string]> = want.tag !== undefined ? [['tag', want.tag]] : [];
  // prometheus-community charts read the digest from `sha`, in the form it is written there.
  if (ref.shaForm) return [...tagPair, ['sha', shaValue(want.digest, ref.shaForm)]];
  // The chart's map has an empty `sha` its templates render: the digest goes there, beside a plain tag.
  if (want.emptyShaForm && tag) return [['tag', tag], ['sha', shaValue(want.digest, want.emptyShaForm)]];
  if (ref.defaultsHaveDigest || (p.digest?.shape === 'helm-value' && p.digest.role === 'digest')) return [...tagPair, ['digest', want.digest]];
  if (!tag) return { error: 'the chart has no digest key and there is no tag to write `tag@digest` with' };
  return [['tag', `${tag}@${want.digest}`]];
}
