/**
 * The appVersion of the Helm chart a values file belongs to: what an empty `tag:` falls back to.
 * One reading for every caller (the check of a file, the editor's diagnostics and hover, pin plans),
 * asked on each keystroke of a values file with an empty tag: Chart.yaml is parsed again only when
 * its size or modification time changed (or it was replaced) on disk, or its text in an open editor.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMap, isScalar, parseDocument } from 'yaml';
import { settledBefore } from './fileTime';

/** A Chart.yaml's text held by the caller (open in an editor, perhaps unsaved), or undefined to read the disk. */
export type ChartText = (chartFile: string) => string | undefined;

interface Read {
  /** What the text was read from: `size:mtime:inode` on disk, or the open text itself. */
  key: string;
  appVersion: string | undefined;
}

const disk = new Map<string, Read>();
const held = new Map<string, Read>();
/** Chart files are few; the caches are cleared past this many rather than grow with every path seen. */
const MAX_ENTRIES = 4096;

/**
 * Looks for Chart.yaml beside the file and up to two folders above it (`ci/`, `values/`): the nearest
 * one found and its appVersion as written. What an empty tag deploys is `chartTagOf` (./chartTemplates),
 * which also reads how the chart's templates print it.
 */
export function chartAppVersion(file: string, open?: ChartText): { chartFile: string; appVersion?: string } | undefined {
  for (const chart of chartFilesNear(file)) {
    const text = open?.(chart);
    if (text !== undefined) return { chartFile: chart, appVersion: remembered(held, chart, text, () => text) };
    const stat = fs.statSync(chart, { throwIfNoEntry: false });
    if (!stat?.isFile()) continue;
    // A file modified moments before it is read may be modified again within the file system's
    // timestamp granularity with the same size: such a reading is not kept (git's "racy" files).
    const stable = settledBefore(stat.mtimeMs, Date.now());
    const appVersion = remembered(disk, chart, `${stat.size}:${stat.mtimeMs}:${stat.ino}`, () => {
      try {
        return fs.readFileSync(chart, 'utf8');
      } catch {
        return undefined;
      }
    }, stable);
    return { chartFile: chart, appVersion };
  }
  return undefined;
}

/** Where the Chart.yaml of a values file may be, nearest first: beside it and up to two folders above. */
export function* chartFilesNear(file: string): Generator<string> {
  let dir = path.dirname(path.resolve(file));
  for (let i = 0; i < 3; i++, dir = path.dirname(dir)) yield path.join(dir, 'Chart.yaml');
}

function remembered(cache: Map<string, Read>, chart: string, key: string, read: () => string | undefined, keep = true): string | undefined {
  const known = cache.get(chart);
  if (known?.key === key) return known.appVersion;
  const text = read();
  const appVersion = text === undefined ? undefined : appVersionOf(text);
  if (cache.size >= MAX_ENTRIES) cache.clear();
  if (keep) cache.set(chart, { key, appVersion });
  else cache.delete(chart);
  return appVersion;
}

/** Chart.yaml's appVersion as written (`appVersion: 2.10` is "2.10", not the number 2.1). */
function appVersionOf(text: string): string | undefined {
  const root = parseDocument(text).contents;
  if (!isMap(root)) return undefined;
  const value = root.get('appVersion', true);
  if (!isScalar(value) || value.value === null) return undefined;
  const written = typeof value.source === 'string' ? value.source : String(value.value);
  return written === '' ? undefined : written;
}
