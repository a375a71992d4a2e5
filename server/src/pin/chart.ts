/** The appVersion of the Helm chart a values file belongs to: the tag an empty `tag:` falls back to. */
import * as path from 'node:path';
import { isMap, isScalar, parseDocument } from 'yaml';
import { readRegularFile } from '../scan/files';

/** Looks for Chart.yaml beside the file and up to two folders above it (`ci/`, `values/`). */
export function chartAppVersion(file: string): string | undefined {
  let dir = path.dirname(path.resolve(file));
  for (let i = 0; i < 3; i++, dir = path.dirname(dir)) {
    const chart = path.join(dir, 'Chart.yaml');
    const text = readRegularFile(chart);
    if (text === undefined) continue;
    const root = parseDocument(text).contents;
    if (!isMap(root)) return undefined;
    const value = root.get('appVersion', true);
    if (!isScalar(value) || value.value === null) return undefined;
    // The text as written: `appVersion: 2.10` is "2.10", not the number 2.1.
    const written = typeof value.source === 'string' ? value.source : String(value.value);
    return written === '' ? undefined : written;
  }
  return undefined;
}
