/**
 * `image-pin envs`: what each environment deploys. JSON for scripts; text as one table per stage
 * order, images as rows and environments as columns, with drift between stages marked.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { type ImagePinConfig, defaultConfig } from '../core/config';
import { type Environment, imageStatus } from '../core/env';
import { driftKey, driftOf } from '../core/promote/drift';
import { isFloatingTag } from '../core/rules';
import { scan } from '../scan/scanner';
import { EXIT_OK, EXIT_USAGE, Io, SCAN_OPTIONS, USAGE, UsageError, parseOptions } from './common';
import { VERSION } from './version';

export async function envs(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseOptions(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: { ...SCAN_OPTIONS },
    }),
  );
  if (values.help) {
    io.out(USAGE);
    return EXIT_OK;
  }
  if (values.format !== 'text' && values.format !== 'json') throw new UsageError(`--format must be text or json, not "${values.format}"`);
  const result = await scan(positionals.length ? positionals : ['.'], { configFile: values.config, cacheDir: values['no-cache'] ? false : undefined, version: VERSION });
  for (const e of result.configErrors) io.err(`image-pin: invalid config: ${e.message}\n`);
  for (const e of result.ioErrors) io.err(`${e.path}: ${e.message}\n`);
  const judgement = result.environments!;
  const show = (p: string) => (path.relative(process.cwd(), p) || '.').split(path.sep).join('/');
  const configs = new Map(result.files.map((f) => [f.absolute, f.config]));
  const configOf = (file: string) => configs.get(file);
  const fallback = defaultConfig(process.cwd());
  const environments = judgement.model.environments.map((env) => envJson(env, show, judgement.text, configOf(env.rootFile) ?? fallback));
  let out: string;
  if (values.format === 'json') out = JSON.stringify({ environments }, null, 2) + '\n';
  else {
    // Drift as the editor shows it: what promoting from the stage before would change.
    const drift = driftOf(judgement.model, judgement.text);
    const ids = new Map(environments.map((e, i) => [e, judgement.model.environments[i].id]));
    out = envText(environments, (e, image) => drift.has(driftKey(ids.get(e)!, image)));
  }
  io.out(out);
  return result.configErrors.length || result.ioErrors.length ? EXIT_USAGE : EXIT_OK;
}

interface EnvJson {
  stage: string;
  kind: Environment['kind'];
  root: string;
  incomplete?: string[];
  images: Array<{ image: string; reference: string; tag: string | null; digest: string | null; status: string; sources: Array<{ file: string; line: number; column: number }> }>;
}

function envJson(env: Environment, show: (p: string) => string, text: (f: string) => string | undefined, config: ImagePinConfig): EnvJson {
  const floating = (tag: string) => isFloatingTag(config, tag);
  const out: EnvJson = {
    stage: env.stage,
    kind: env.kind,
    root: show(env.root),
    images: env.images.map((img) => {
      const p = img.provenance;
      // The places that wrote it: the base line, then every override, then the name/tag/digest places not yet listed.
      const places = [p.base, ...p.overrides, p.name, p.registry, p.tag, p.digest].filter((x): x is NonNullable<typeof x> => !!x);
      const seen = new Set<string>();
      const sources = [];
      for (const pl of places) {
        const key = `${pl.file}:${pl.span.start}`;
        if (seen.has(key)) continue;
        seen.add(key);
        sources.push({ file: show(pl.file), ...position(text(pl.file), pl.span.start) });
      }
      return { image: img.image, reference: img.reference, tag: img.tag ?? null, digest: img.digest ?? null, status: imageStatus(img, floating), sources };
    }),
  };
  if (env.incomplete.length) out.incomplete = env.incomplete;
  return out;
}


function position(text: string | undefined, offset: number): { line: number; column: number } {
  if (text === undefined) return { line: 1, column: 1 };
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

const MARK: Record<string, string> = { pinned: '', 'floating-tag': ' (floating)', 'unpinned-tag': ' (unpinned)', 'missing-tag': ' (no tag)', 'invalid-reference': ' (invalid)', templated: ' (templated)' };

/**
 * One table per group of environments that share images (a kustomize tree, a chart), columns in stage
 * order. A `≠` before a cell marks drift (`drifted`): promoting from the stage before would change it.
 */
function envText(envs: EnvJson[], drifted: (env: EnvJson, image: string) => boolean): string {
  if (envs.length === 0) return 'No environments found (no kustomization, chart values or Argo CD / Flux application in these paths).\n';
  const out: string[] = [];
  const groups = new Map<string, EnvJson[]>();
  for (const e of envs) {
    // Group by the first source of the first image: environments built from the same base share one table.
    const key = e.images[0]?.sources[0]?.file.replace(/\/[^/]*$/, '') ?? e.root;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(e);
  }
  for (const [key, group] of groups) {
    const rows = [...new Set(group.flatMap((e) => e.images.map((i) => i.sources[0] ? `${i.sources[0].file}:${i.sources[0].line}` : i.image)))];
    const header = ['image (base line)', ...group.map((e) => `${e.stage} ${e.root}`)];
    const table: string[][] = [header];
    for (const row of rows) {
      const cells = group.map((e) => {
        const img = e.images.find((i) => (i.sources[0] ? `${i.sources[0].file}:${i.sources[0].line}` : i.image) === row);
        if (!img) return '-';
        return `${drifted(e, img.image) ? '≠ ' : ''}${img.reference}${MARK[img.status] ?? ''}`;
      });
      table.push([row, ...cells]);
    }
    out.push(`# ${key}`);
    const widths = header.map((_, c) => Math.max(...table.map((r) => r[c].length)));
    for (const r of table) out.push(r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd());
    for (const e of group) if (e.incomplete) for (const why of e.incomplete) out.push(`  ${e.root}: not fully read: ${why}`);
    out.push('');
  }
  out.push('≠ marks an image that promoting from the previous stage would change.');
  return out.join('\n') + '\n';
}
