/**
 * How an environment's root is shown beside the files a command reports: the way those files are
 * shown (as the user named the checked folder), not relative to the current folder, which reads
 * `../../../tmp/…` when a folder elsewhere is checked.
 */
import * as path from 'node:path';

export function displayLikeFiles(files: ReadonlyArray<{ display: string; absolute: string }>): (absolute: string) => string {
  // Made when first asked (a scan whose findings name no environment never asks), without a pair per file.
  let byAbsolute: Map<string, string> | undefined;
  const fileIndex = (): Map<string, string> => {
    const index = new Map<string, string>();
    for (let i = 0; i < files.length; i++) index.set(files[i].absolute, files[i].display);
    return index;
  };
  // Each folder that holds a listed file (at any depth), with how it is shown: built once, so that
  // naming thousands of environments does not look through every file for each one.
  let folders: Map<string, string> | undefined;
  const folderIndex = (): Map<string, string> => {
    const index = new Map<string, string>();
    for (const f of files) {
      let dir = f.absolute;
      let shown = f.display;
      for (;;) {
        const parent = path.dirname(dir);
        if (parent === dir) break;
        const name = dir.slice(parent.length + (parent.endsWith(path.sep) ? 0 : 1));
        // The display must end in a separator and the same name as the absolute path for the name to be cut off.
        const cut = shown.length - name.length - 1;
        if (cut < 0 || !shown.endsWith(name) || !/[\\/]/.test(shown[cut])) break;
        shown = shown.slice(0, cut);
        dir = parent;
        // The first file under a folder decides how it is shown.
        if (!index.has(dir)) index.set(dir, shown || '.');
      }
    }
    return index;
  };
  return (p) => {
    const own = (byAbsolute ??= fileIndex()).get(p);
    if (own !== undefined) return own;
    // A folder (a kustomization's): shown with the part of a file's name under it cut off.
    const shown = (folders ??= folderIndex()).get(p);
    if (shown !== undefined) return shown;
    return path.relative(process.cwd(), p) || p;
  };
}
