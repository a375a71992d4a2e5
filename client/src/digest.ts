/** Digests as the editor shows them: the full one of a reference, and references shortened for labels. */

/** The `sha256:…` digest of a reference, if it is pinned. */
export function digestOf(reference: string): string | undefined {
  return /@(sha256:[0-9a-f]{64})/.exec(reference)?.[1];
}

/** The reference with its digest cut to four hex digits (`1.4.2@sha256:ab12…`), as CodeLenses and the view show it. */
export function shortDigest(reference: string): string {
  return reference.replace(/(sha256:[0-9a-f]{4})[0-9a-f]{60}/, '$1…');
}
