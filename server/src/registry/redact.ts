/**
 * Keeping secrets out of log lines and error messages. Messages are built from
 * codes and host names rather than raw payloads; this is the second line of defence.
 */

export class SecretScrubber {
  private readonly secrets = new Set<string>();

  /** Remembers a value that must never be printed (passwords, tokens, encoded auth). */
  add(secret: string | undefined): void {
    // Very short values would blank out ordinary words; they are not secrets worth the noise.
    if (secret && secret.length >= 4) this.secrets.add(secret);
  }

  scrub(text: string): string {
    let out = text;
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join('***');
    }
    return out;
  }
}

/** A URL for display: no user info, no query string (signed storage URLs carry credentials there). */
export function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}${url.search ? '?…' : ''}`;
}
