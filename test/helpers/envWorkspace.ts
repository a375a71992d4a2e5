/** In-memory and on-disk workspaces for the environment model, extracted the way the scan does. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extractImages } from '../../server/src/core/extract';
import type { Workspace } from '../../server/src/core/env';

/** A workspace from `{relativePath: text}` under `/repo`. */
export function memoryWorkspace(files: Record<string, string>, root = '/repo'): Workspace {
  const texts = new Map(Object.entries(files).map(([p, t]) => [path.posix.join(root, p), t]));
  return {
    files: [...texts].map(([p, t]) => ({ path: p, sites: extractImages(t, { path: p }).sites })),
    text: (p) => texts.get(p),
  };
}

/** A workspace from every YAML file under a folder. */
export function diskWorkspace(dir: string): Workspace {
  const files = fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  return {
    files: files.map((f) => ({ path: f, sites: extractImages(fs.readFileSync(f, 'utf8'), { path: f }).sites })),
    text: (p) => {
      try {
        return fs.readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
  };
}
