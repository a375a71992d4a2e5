/**
 * How the chart a values file belongs to renders its image maps' `sha` (core/shaTemplates.ts decides
 * from the text) and what it renders for an empty tag (core/tagTemplates.ts): read from the chart's `templates/` folder only, never following a symbolic link
 * (a link may point out of the repository), skipping files too large to be templates, within a bound
 * on files and folders. The readings are kept per chart and read again only when a template's
 * size, modification time or inode changed, or one was added or removed (as Chart.yaml in ./chart).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChartTag, ShaForm } from '../core/types';
import { type ShaRendering, shaRenderings, templateShaForm } from '../core/shaTemplates';
import { type TagRendering, chartTag, tagRenderings, templateTagAffix } from '../core/tagTemplates';
import { type ChartText, chartAppVersion, chartFilesNear } from './chart';
import { settledBefore } from './fileTime';

/** A template past this size is not read (a chart's templates are a few KiB; a huge file is not one). */
export const MAX_TEMPLATE_BYTES = 512 * 1024;
/** At most this many files and this folder depth are looked at under `templates/`. */
const MAX_FILES = 2000;
const MAX_DEPTH = 8;
const MAX_CHARTS = 1024;

/** What a chart's templates say: how they render `sha`, and what they default a tag to. */
export interface TemplateReading {
  sha: ShaRendering[];
  tags: TagRendering[];
}

interface Read extends TemplateReading {
  key: string;
}

const cache = new Map<string, Read>();

/**
 * The form an empty `sha` of the map at `mapPath` takes in the chart around `valuesFile` (Chart.yaml
 * beside it or up to two folders above), or undefined: no chart, no rendering of `sha`, or two forms.
 */
export function chartShaForm(valuesFile: string, mapPath?: readonly string[]): ShaForm | undefined {
  for (const chart of chartFilesNear(valuesFile)) {
    if (!fs.statSync(chart, { throwIfNoEntry: false })?.isFile()) continue;
    return templateShaForm(templateRenderings(path.dirname(chart)).sha, mapPath);
  }
  return undefined;
}

/**
 * The tag an empty `tag:` of the map at `mapPath` (the whole chart's agreement when not given) deploys
 * in the chart around `valuesFile`: its Chart.yaml appVersion (`open`: texts held by an editor) as its
 * templates print it. Undefined without a chart or an appVersion. The one answer for the rule's message,
 * hover, pins and the environment model.
 */
export function chartTagOf(valuesFile: string, open?: ChartText, mapPath?: readonly string[]): ChartTag | undefined {
  const found = chartAppVersion(valuesFile, open);
  if (!found?.appVersion) return undefined;
  return chartTag(found.appVersion, templateTagAffix(templateRenderings(path.dirname(found.chartFile)).tags, mapPath));
}

/** Every `sha` rendering and tag default in the chart folder's templates (cached while the files are the same). */
export function templateRenderings(chartDir: string): TemplateReading {
  const files = templateFiles(path.join(chartDir, 'templates'));
  const now = Date.now();
  const key = files.map((f) => `${f.file}:${f.stat.size}:${f.stat.mtimeMs}:${f.stat.ino}`).join('\n');
  const known = cache.get(chartDir);
  if (known?.key === key) return known;
  const sha: ShaRendering[] = [];
  const tags: TagRendering[] = [];
  for (const { file } of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    if (text.length > MAX_TEMPLATE_BYTES) continue;
    sha.push(...shaRenderings(text));
    tags.push(...tagRenderings(text));
  }
  // A template modified moments ago may change again with the same size and time: not kept (see ./chart).
  const stable = files.every((f) => settledBefore(f.stat.mtimeMs, now));
  if (cache.size >= MAX_CHARTS) cache.clear();
  if (stable) cache.set(chartDir, { key, sha, tags });
  else cache.delete(chartDir);
  return { sha, tags };
}

/** Regular files under `dir`, sorted, without following links; oversized files left out. */
function templateFiles(dir: string): Array<{ file: string; stat: fs.Stats }> {
  const out: Array<{ file: string; stat: fs.Stats }> = [];
  const walk = (folder: string, depth: number) => {
    const self = fs.lstatSync(folder, { throwIfNoEntry: false });
    if (!self?.isDirectory() || depth > MAX_DEPTH) return;
    let names: string[];
    try {
      names = fs.readdirSync(folder).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (out.length >= MAX_FILES) return;
      const file = path.join(folder, name);
      const stat = fs.lstatSync(file, { throwIfNoEntry: false });
      if (!stat || stat.isSymbolicLink()) continue;
      if (stat.isDirectory()) walk(file, depth + 1);
      else if (stat.isFile() && stat.size <= MAX_TEMPLATE_BYTES) out.push({ file, stat });
    }
  };
  walk(dir, 0);
  return out;
}
