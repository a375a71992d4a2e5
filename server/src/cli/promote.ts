/**
 * `image-pin promote --from STAGE --to STAGE` and `image-pin set IMAGE[:TAG][@DIGEST] --stage STAGE`:
 * promotion as a Git change (policy rule 3). The plan is core/promote's; this reads the workspace,
 * resolves `set`'s tag when no digest is given, prints what moves (and a diff without --write) and
 * writes through the one safe write module.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { createTwoFilesPatch } from 'diff';
import { applyEdits } from '../core/fix';
import { globProblem } from '../core/glob';
import { type Move, Plan, PlanResult, movedOffset, planPromotion, planSet } from '../core/promote/plan';
import { parseReference } from '../core/reference';
import { LineIndex } from '../core/text';
import { writeEdits } from '../pin/writeFile';
import { BINARY_REASON, readForCheck } from '../scan/readFile';
import { scan } from '../scan/scanner';
import { EXIT_FINDINGS, EXIT_OK, Io, USAGE, UsageError, parseOptions, registryClientOptions } from './common';
import { VERSION } from './version';
import { chartShaForm } from '../scan/chartTemplates';

const COMMON = {
  write: { type: 'boolean', default: false },
  format: { type: 'string', default: 'text' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export async function promote(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseOptions(() =>
    parseArgs({ args, allowPositionals: true, options: { ...COMMON, from: { type: 'string' }, to: { type: 'string' }, image: { type: 'string', multiple: true } } }),
  );
  if (values.help) return help(io);
  checkFormat(values.format);
  if (!values.from || !values.to) throw new UsageError('promote needs --from STAGE and --to STAGE');
  for (const g of values.image ?? []) {
    const problem = globProblem(g);
    if (problem) throw new UsageError(`--image ${g}: ${problem}`);
  }
  const ws = await workspace(positionals, values.config, io);
  const plan = planPromotion(ws.model, ws.text, { from: values.from, to: values.to, images: values.image, display: show, shaForm: chartShaForm });
  return finish(plan, ws, values, io, `${values.from} → ${values.to}`);
}

export async function set(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseOptions(() =>
    parseArgs({ args, allowPositionals: true, options: { ...COMMON, stage: { type: 'string' }, add: { type: 'string' }, 'no-cache': { type: 'boolean', default: false } } }),
  );
  if (values.help) return help(io);
  checkFormat(values.format);
  const [reference, ...paths] = positionals;
  if (!reference) throw new UsageError('set needs IMAGE[:TAG][@DIGEST]');
  if (!values.stage) throw new UsageError('set needs --stage STAGE');
  const parsed = parseReference(reference);
  if (!parsed.ok) throw new UsageError(`"${reference}" is not an image reference: ${parsed.error}`);
  let pinned = reference;
  if (!parsed.ref.digest) {
    if (!parsed.ref.tag) throw new UsageError(`"${reference}" has neither a tag nor a digest: give IMAGE:TAG or IMAGE@DIGEST`);
    const resolved = await resolveTag(reference, values.config, values['no-cache']);
    if ('error' in resolved) {
      io.err(`image-pin: ${resolved.error}\n`);
      return EXIT_FINDINGS;
    }
    pinned = `${reference}@${resolved.digest}`;
  }
  const ws = await workspace(paths, values.config, io);
  const add = values.add ? path.resolve(values.add).split(path.sep).join('/') : undefined;
  const plan = planSet(ws.model, ws.text, { stage: values.stage, reference: pinned, ...(add ? { add } : {}), display: show, shaForm: chartShaForm });
  return finish(plan, ws, values, io, `set ${pinned}`);
}

function help(io: Io): number {
  io.out(USAGE);
  return EXIT_OK;
}

function checkFormat(format: string): void {
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not "${format}"`);
}

/** The tag's digest from the registry, as `pin` asks it. */
async function resolveTag(reference: string, configFile: string | undefined, noCache: boolean): Promise<{ digest: string } | { error: string }> {
  const { RegistryClient, RegistryError } = require('../registry') as typeof import('../registry');
  const { ConfigResolver } = require('../scan/configResolver') as typeof import('../scan/configResolver');
  const config = new ConfigResolver(configFile).forDir(process.cwd());
  const client = new RegistryClient(registryClientOptions(config, { noCache }));
  const parsed = parseReference(reference);
  try {
    if (!parsed.ok) return { error: parsed.error };
    const got = await client.resolve(parsed.ref);
    return { digest: got.digest };
  } catch (err) {
    return { error: err instanceof RegistryError ? err.message : `could not resolve ${reference}: ${(err as Error).message}` };
  } finally {
    await client.close();
  }
}

interface Loaded {
  model: NonNullable<Awaited<ReturnType<typeof scan>>['environments']>['model'];
  text: (file: string) => string | undefined;
}

async function workspace(paths: string[], configFile: string | undefined, io: Io): Promise<Loaded> {
  const result = await scan(paths.length ? paths : ['.'], { configFile, cacheDir: false, version: VERSION });
  for (const e of result.configErrors) io.err(`image-pin: invalid config: ${e.message}\n`);
  for (const e of result.ioErrors) io.err(`${e.path}: ${e.message}\n`);
  if (result.configErrors.length || result.ioErrors.length) throw new UsageError('fix the errors above first');
  const j = result.environments!;
  return { model: j.model, text: j.text };
}

const show = (p: string) => (path.relative(process.cwd(), p) || '.').split(path.sep).join('/');

async function finish(
  result: PlanResult,
  ws: Loaded,
  values: { write: boolean; format: string },
  io: Io,
  what: string,
): Promise<number> {
  if (!result.ok) throw new UsageError(result.error);
  const plan: Plan = result;
  // file:line of a move is in the file as written (or as the diff's new side shows it).
  const lines = new Map<string, LineIndex>();
  const where = (m: Move) => {
    let li = lines.get(m.file);
    if (!li) lines.set(m.file, (li = new LineIndex(applyEdits(ws.text(m.file) ?? '', plan.edits.get(m.file) ?? []))));
    const p = li.position(movedOffset(plan, m));
    return { file: show(m.file), line: p.line + 1, column: p.character + 1 };
  };

  const writeErrors: string[] = [];
  const diffs: string[] = [];
  for (const [file, edits] of plan.edits) {
    const text = ws.text(file)!;
    if (!values.write) {
      const name = show(file);
      diffs.push(createTwoFilesPatch(`a/${name}`, `b/${name}`, text, applyEdits(text, edits), undefined, undefined, { context: 3 }).replace(/^=+\n/, ''));
      continue;
    }
    // Read as a check reads (non-blocking, regular files only): a FIFO put in the file's place never makes this wait.
    const read = readForCheck(file, Infinity);
    if (read.kind === 'error') {
      writeErrors.push(`${show(file)}: not written: ${read.reason}`);
      continue;
    }
    if (read.kind === 'skipped' && read.reason !== BINARY_REASON) {
      writeErrors.push(`${show(file)}: not written: it is not a regular file; left as it is`);
      continue;
    }
    // The edits' offsets are in the text the model read; the bytes must still decode to it.
    if (read.kind !== 'text' || read.text !== text) {
      writeErrors.push(`${show(file)}: not written: it changed on disk since it was read; left as it is`);
      continue;
    }
    const written = writeEdits({ file, original: read.bytes, text, edits, root: path.dirname(file) });
    if (!written.ok) writeErrors.push(`${show(file)}: not written: ${written.reason}`);
  }

  const moved = plan.moves.map((m) => ({
    image: m.image,
    ...(m.env ? { stage: m.env.stage, environment: show(m.env.kind === 'kustomize' ? m.env.root : m.env.rootFile) } : {}),
    from: m.from.reference || null,
    fromDigest: m.from.digest ?? null,
    to: m.to.reference,
    toDigest: m.to.digest,
    ...where(m),
  }));
  const skipped = plan.skipped.map((s) => ({ image: s.image, reason: s.reason }));
  const equal = plan.equal.map((e) => ({ image: e.image, environment: show(e.env.kind === 'kustomize' ? e.env.root : e.env.rootFile), reference: e.reference }));
  if (values.format === 'json') {
    io.out(JSON.stringify({ moved, equal, skipped, written: values.write && writeErrors.length === 0, errors: writeErrors }, null, 2) + '\n');
  } else {
    const out: string[] = [...diffs];
    for (const m of moved) out.push(`${m.file}:${m.line}:${m.column} ${m.image} ${m.fromDigest ?? m.from ?? '(not deployed)'} -> ${m.toDigest}${m.environment ? ` (${m.environment})` : ''}\n`);
    for (const s of skipped) out.push(`skipped: ${s.reason}\n`);
    const verb = values.write ? 'moved' : 'to move';
    out.push(`${what}: ${moved.length} ${verb}, ${equal.length} already equal, ${skipped.length} skipped${values.write ? '' : ' (dry run: --write applies the diff)'}\n`);
    io.out(out.join(''));
  }
  for (const e of writeErrors) io.err(`${e}\n`);
  return plan.skipped.length || writeErrors.length ? EXIT_FINDINGS : EXIT_OK;
}
