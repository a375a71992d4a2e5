/** Paths of the source tree, from compiled tests in out/test/… */
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures');
export const EXAMPLES = path.join(REPO_ROOT, 'examples');
export const CLI = path.join(REPO_ROOT, 'bin', 'image-pin.js');

export function fixture(...parts: string[]): string {
  return path.join(FIXTURES, ...parts);
}
