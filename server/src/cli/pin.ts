/**
 * `image-pin pin`: resolve every unpinned reference to the digest its tag points at now and
 * rewrite it in place. Without --write it prints a unified diff and changes nothing.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { createTwoFilesPatch } from 'diff';
import type { PinStyle } from '../core/config';
import { LineIndex } from '../core/text';
import { todayUtc } from '../core/rules';
import { mayDeclareApp } from '../core/env';
import { judgeEnvironments } from '../scan/environments';
import { applyEdits } from '../core/fix';
import { RegistryClient } from '../registry';
import { extractLocated } from '../scan/checkText';
import { ConfigResolver } from '../scan/configResolver';
import { listFiles } from '../scan/files';
import { readForCheck } from '../scan/readFile';
import { lookUpCandidate } from '../pin/lookup';
import { PinOutcome, outcomeFor, planPins } from '../pin/plan';
import { writeEdits } from '../pin/writeFile';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, Io, USAGE, UsageError, parseOptions, parseTimeout, registryClientOptions } from './common';
import { displayLikeFiles } from '../scan/display';

interface FileWork {
  display: string;
  absolute: string;
  /** The folder being pinned that holds it: writes stay inside. */
  root: string;
  text: string;
  /** The file's bytes as read: the write edits these and checks the file still holds them. */
  bytes: Buffer;
  lines: LineIndex;
  outcomes: PinOutcome[];
  newText?: string;
  writeError?: string;
}

export async function pin(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseOptions(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        write: { type: 'boolean', default: false },
        style: { type: 'string' },
        update: { type: 'boolean', default: false },
        format: { type: 'string', default: 'text' },
        config: { type: 'string' },
        'no-cache': { type: 'boolean', default: false },
        'verify-digests': { type: 'boolean', default: false },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  if (values.help) {
    io.out(USAGE);
    return EXIT_OK;
  }
  if (values.format !== 'text' && values.format !== 'json') throw new UsageError(`--format must be text or json, not "${values.format}"`);
  if (values.style !== undefined && values.style !== 'tag-digest' && values.style !== 'digest') {
    throw new UsageError(`--style must be tag-digest or digest, not "${values.style}"`);
  }

  const timeout = parseTimeout(values.timeout);

  const resolver = new ConfigResolver(values.config);
  const baseConfig = resolver.forDir(process.cwd());
  const { files, problems } = listFiles(positionals.length ? positionals : ['.'], resolver);
  for (const p of problems) io.err(`${p.path}: ${p.message}\n`);

  const client = new RegistryClient(
    registryClientOptions(baseConfig, { verifyDigests: values['verify-digests'], noCache: values['no-cache'], timeoutSeconds: timeout }),
  );

  // Every file is read and extracted first: the environment model decides where an environment's
  // finding is pinned (an overlay's entry, an environment's values file) from the whole workspace.
  const read: Array<{ file: (typeof files)[number]; text: string; bytes: Buffer; extraction: ReturnType<typeof extractLocated>; config: ReturnType<ConfigResolver['forFile']> }> = [];
  for (const file of files) {
    if (file.skipped) {
      io.err(`${file.display}: ${file.skipped}\n`);
      continue;
    }
    const config = resolver.forFile(file.absolute);
    const got = readForCheck(file.absolute, config.maxFileSize);
    if (got.kind === 'error') {
      io.err(`${file.display}: ${got.reason}\n`);
      continue;
    }
    if (got.kind === 'skipped') continue;
    read.push({ file, text: got.text, bytes: got.bytes, config, extraction: extractLocated(got.text, { path: file.absolute, imageKeys: config.imageKeys, fast: true }) });
  }
  const held = new Map(read.map((r) => [r.file.absolute, r.text]));
  const judgement = judgeEnvironments(
    read.map((r) => ({ absolute: r.file.absolute, extraction: { sites: r.extraction.sites, declaresApp: mayDeclareApp(r.text) } })),
    { resolver, today: todayUtc(), texts: (f) => held.get(f), display: displayLikeFiles(read.map((r) => r.file)) },
  );

  const work: FileWork[] = [];
  const pending: Array<Promise<void>> = [];
  for (const { file, text, bytes, extraction, config } of read) {
    const candidates = planPins(extraction, config, resolver.relativePath(config, file.absolute), {
      update: values.update,
      file: file.absolute,
      environments: { covered: judgement.model.covered.get(file.absolute), placed: judgement.placed.get(file.absolute) },
    });
    if (candidates.length === 0) continue;
    const style = (values.style as PinStyle | undefined) ?? config.pinStyle;
    const entry: FileWork = { display: file.display, absolute: file.absolute, root: file.root, text, bytes, lines: new LineIndex(text), outcomes: [] };
    work.push(entry);
    for (const candidate of candidates) {
      pending.push(lookUpCandidate(client, candidate).then((resolved) => void entry.outcomes.push(outcomeFor(text, candidate, style, resolved))));
    }
  }
  await Promise.all(pending);
  await client.close();

  for (const entry of work) {
    entry.outcomes.sort((a, b) => a.candidate.span.start - b.candidate.span.start);
    const edits = entry.outcomes.flatMap((o) => o.edits);
    if (edits.length === 0) continue;
    entry.newText = applyEdits(entry.text, edits);
    if (values.write) {
      const written = writeEdits({ file: entry.absolute, original: entry.bytes, text: entry.text, edits, root: entry.root });
      if (!written.ok) entry.writeError = `${entry.display}: not written: ${written.reason}`;
    }
  }

  const failed = work.flatMap((w) => w.outcomes.filter((o) => o.error)).length + work.filter((w) => w.writeError).length;
  if (values.format === 'json') io.out(pinJson(work, values.write));
  else io.out(pinText(work, values.write));
  for (const w of work) if (w.writeError) io.err(`${w.writeError}\n`);
  if (problems.length) return EXIT_USAGE;
  return failed > 0 ? EXIT_FINDINGS : EXIT_OK;
}

/** 1-based line and column of an outcome's reference. */
function position(entry: FileWork, outcome: PinOutcome): { line: number; column: number } {
  const start = entry.lines.position(outcome.candidate.span.start);
  return { line: start.line + 1, column: start.character + 1 };
}

function pinText(work: FileWork[], wrote: boolean): string {
  const out: string[] = [];
  let pinned = 0;
  let unchanged = 0;
  let failed = 0;
  let notWritten = 0;
  for (const entry of work) {
    if (entry.newText !== undefined && !wrote) {
      const name = entry.display.split(path.sep).join('/');
      out.push(createTwoFilesPatch(`a/${name}`, `b/${name}`, entry.text, entry.newText, undefined, undefined, { context: 3 }).replace(/^=+\n/, ''));
    }
    for (const o of entry.outcomes) {
      const { line, column } = position(entry, o);
      const where = `${entry.display}:${line}:${column}`;
      if (o.error) {
        failed++;
        out.push(`${where} not pinned: ${o.error}\n`);
      } else if (o.unchanged) {
        unchanged++;
      } else if (wrote && entry.writeError) {
        // Resolved, but its file was not written: not pinned.
        notWritten++;
      } else {
        pinned++;
        if (wrote) out.push(`${where} pinned ${o.candidate.reference} -> ${o.newReference}\n`);
      }
    }
  }
  const verb = wrote ? 'pinned' : 'to pin';
  out.push(
    `${pinned} ${verb}, ${failed} could not be resolved${notWritten ? `, ${notWritten} resolved but not written` : ''}` +
      `${unchanged ? `, ${unchanged} already current` : ''}${wrote ? '' : ' (dry run: --write applies the diff)'}\n`,
  );
  return out.join('');
}

function pinJson(work: FileWork[], wrote: boolean): string {
  const references = work.flatMap((entry) =>
    entry.outcomes.map((o) => ({
      file: entry.display,
      ...position(entry, o),
      old: o.candidate.reference,
      new: o.error ? null : o.newReference,
      digest: o.digest ?? null,
      mediaType: o.mediaType ?? null,
      changed: !o.error && !o.unchanged,
      written: wrote && !o.error && !o.unchanged && !entry.writeError,
      error: o.error ?? entry.writeError ?? null,
    })),
  );
  const summary = {
    pinned: references.filter((r) => r.changed && !r.error).length,
    unchanged: references.filter((r) => !r.changed && !r.error).length,
    failed: references.filter((r) => r.error).length,
  };
  return JSON.stringify({ references, summary }, null, 2) + '\n';
}

