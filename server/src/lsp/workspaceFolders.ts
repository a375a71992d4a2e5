/** The workspace folders the client opened, and mapping between `file:` URIs and paths. */
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { WorkspaceFolder } from 'vscode-languageserver';

export interface Folder {
  uri: string;
  path: string;
  /** The name the editor shows for the folder. */
  name: string;
}

/** The file system path of a `file:` URI, or undefined for any other scheme (untitled documents). */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export function pathToUri(file: string): string {
  return pathToFileURL(file).href;
}

/**
 * The same file can arrive as differently encoded URIs (VS Code escapes more characters than
 * Node does): maps are keyed by this, the path for `file:` URIs.
 */
export function uriKey(uri: string): string {
  return uriToPath(uri) ?? uri;
}

export class WorkspaceFolders {
  private folders: Folder[] = [];

  set(folders: readonly WorkspaceFolder[]): void {
    this.folders = folders.flatMap((f) => {
      const p = uriToPath(f.uri);
      return p ? [{ uri: f.uri, path: p, name: f.name || path.basename(p) }] : [];
    });
  }

  change(added: readonly WorkspaceFolder[], removed: readonly WorkspaceFolder[]): void {
    const gone = new Set(removed.map((f) => uriKey(f.uri)));
    this.folders = this.folders.filter((f) => !gone.has(f.path));
    for (const f of added) {
      const p = uriToPath(f.uri);
      if (p && !this.folders.some((x) => x.path === p)) this.folders.push({ uri: f.uri, path: p, name: f.name || path.basename(p) });
    }
  }

  all(): readonly Folder[] {
    return this.folders;
  }

  /** How a file is named to the user: relative to its workspace folder (with the folder's name when there are several). */
  display(fileOrUri: string): string {
    const file = fileOrUri.includes('://') ? uriToPath(fileOrUri) : fileOrUri;
    if (!file) return fileOrUri;
    const folder = this.containing(file);
    if (!folder) return file;
    const rel = path.relative(folder.path, file).split(path.sep).join('/') || path.basename(file);
    return this.folders.length > 1 ? `${folder.name}/${rel}` : rel;
  }

  /** The innermost folder holding `file`. */
  containing(file: string): Folder | undefined {
    let best: Folder | undefined;
    for (const f of this.folders) {
      const rel = path.relative(f.path, file);
      const inside = rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
      if (inside && (!best || f.path.length > best.path.length)) best = f;
    }
    return best;
  }
}
