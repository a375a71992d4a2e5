/**
 * How an environment's root is shown beside the files a command reports: the way those files are
 * shown (as the user named the checked folder), not relative to the current folder, which reads
 * `../../../tmp/…` when a folder elsewhere is checked.
 */
import * as path from 'node:path';

export function displayLikeFiles(files: ReadonlyArray<{ display: string; absolute: string }>): (absolute: string) => string {
  const byAbsolute = new Map(files.map((f) => [f.absolute, f.display]));
  return (p) => {
    const own = byAbsolute.get(p);
    if (own !== undefined) return own;
    // A folder (a kustomization's): a file under it is shown with the folder's part first.
    for (const f of files) {
      if (!f.absolute.startsWith(p + path.sep) && !f.absolute.startsWith(`${p}/`)) continue;
      const rest = f.absolute.slice(p.length);
      if (f.display.endsWith(rest) || f.display.endsWith(rest.split(path.sep).join('/'))) return f.display.slice(0, f.display.length - rest.length) || '.';
    }
    return path.relative(process.cwd(), p) || p;
  };
}
