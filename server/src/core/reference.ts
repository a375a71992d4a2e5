/**
 * Container image references, parsed the way Docker and containerd parse them
 * (distribution/reference, `ParseNormalizedNamed`), written out as a hand scanner so
 * that every rejection names the offending part and says why.
 *
 *   reference := name [":" tag] ["@" digest]
 *   name      := [domain "/"] path
 *   domain    := host [":" port]           host: DNS-like labels, or "[" IPv6 "]"
 *   path      := component ("/" component)*
 *   component := [a-z0-9]+ (separator [a-z0-9]+)*   separator: "." | "_" | "__" | "-"+
 *   tag       := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
 *   digest    := algorithm ":" encoded
 *
 * The first `/`-separated component is a domain only when it contains "." or ":",
 * is "localhost", or has uppercase letters; otherwise the name is on Docker Hub.
 */

export interface ImageReference {
  /** 'docker.io' for Docker Hub (`index.docker.io` folded into it), otherwise the domain as written. */
  domain: string;
  /** Repository path; 'library/' is added for single-component Docker Hub names. */
  path: string;
  tag?: string;
  /** 'sha256:…' */
  digest?: string;
  /** The domain was written in the reference. */
  domainExplicit: boolean;
}

export type ParseResult = { ok: true; ref: ImageReference } | { ok: false; error: string };

export type DigestParseResult =
  | { ok: true; algorithm: string; hex: string; algorithmKnown: boolean }
  | { ok: false; error: string };

const DOCKER_HUB = 'docker.io';
const LEGACY_DOCKER_HUB = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';
const LOCALHOST = 'localhost';
const DEFAULT_TAG = 'latest';
/** distribution/reference caps the repository path (domain excluded, `library/` included). */
const MAX_PATH_LENGTH = 255;
const MAX_TAG_LENGTH = 128;
/** A digest of an unregistered algorithm must still carry at least 128 bits. */
const MIN_ENCODED_LENGTH = 32;
/** Characters that join the components of a digest algorithm name (`sha256+b64`). */
const ALGORITHM_SEPARATORS = '+._-';
/** Digest algorithms with a fixed hex length (the OCI-registered ones). A Map, so "constructor" is not a key. */
const KNOWN_ALGORITHMS = new Map<string, number>([
  ['sha256', 64],
  ['sha512', 128],
]);

export function parseReference(text: string): ParseResult {
  const error = findError(text);
  if (error !== undefined) return { ok: false, error };
  const parts = splitAt(text);
  const { domain, writtenPath, domainExplicit } = splitDomain(parts.name);
  const ref: ImageReference = { domain, path: normalizedPath(domain, writtenPath), domainExplicit };
  if (parts.tag !== undefined) ref.tag = parts.tag;
  if (parts.digest !== undefined) ref.digest = parts.digest;
  return { ok: true, ref };
}

export function fullName(ref: Pick<ImageReference, 'domain' | 'path'>): string {
  return `${ref.domain}/${ref.path}`;
}

/**
 * The name as Docker shows it: Docker Hub's domain dropped, and `library/` dropped from official images.
 * Unlike Docker, the domain stays when dropping it would make the first path component read as a
 * registry (`docker.io/a.b/c`), so the familiar name always parses back to the same repository.
 */
export function familiarName(ref: Pick<ImageReference, 'domain' | 'path'>): string {
  if (ref.domain !== DOCKER_HUB) return fullName(ref);
  if (ref.path.startsWith(OFFICIAL_PREFIX)) {
    const rest = ref.path.slice(OFFICIAL_PREFIX.length);
    // `library/a/b` keeps its prefix: only single-component official names are shortened.
    if (!rest.includes('/')) return rest;
  }
  const slash = ref.path.indexOf('/');
  if (slash >= 0 && looksLikeDomain(ref.path.slice(0, slash))) return fullName(ref);
  return ref.path;
}

export function formatReference(
  ref: { domain: string; path: string; tag?: string; digest?: string },
  opts?: { familiar?: boolean },
): string {
  let text = opts?.familiar ? familiarName(ref) : fullName(ref);
  if (ref.tag !== undefined) text += `:${ref.tag}`;
  if (ref.digest !== undefined) text += `@${ref.digest}`;
  return text;
}

export function isValidTag(tag: string): boolean {
  return tagError(tag) === undefined;
}

export function parseDigest(d: string): DigestParseResult {
  const colon = d.indexOf(':');
  if (colon < 0) {
    return fail(`digest ${quote(d)} must be "algorithm:hex", like "sha256:" followed by 64 hex characters`);
  }
  const algorithm = d.slice(0, colon);
  const hex = d.slice(colon + 1);
  if (algorithm === '') return fail(`digest ${quote(d)} has no algorithm before ":"`);

  const knownLength = KNOWN_ALGORITHMS.get(algorithm);
  if (knownLength !== undefined) {
    const bad = [...hex].find((c) => !isLowerHex(c));
    if (hex.length !== knownLength || bad !== undefined) {
      const found = bad !== undefined ? `found ${showChar(bad)}` : `found ${hex.length}`;
      return fail(
        `digest ${quote(d)} must be ${knownLength} lowercase hex characters after "${algorithm}:" (${found})`,
      );
    }
    return { ok: true, algorithm, hex, algorithmKnown: true };
  }

  const algorithmProblem = genericAlgorithmError(algorithm);
  if (algorithmProblem !== undefined) return fail(algorithmProblem);
  const badEncoded = [...hex].find((c) => !isEncodedChar(c));
  if (badEncoded !== undefined) {
    return fail(
      `digest ${quote(d)} has invalid character ${showChar(badEncoded)} after the algorithm; ` +
        'allowed are letters, digits, "=", "_" and "-"',
    );
  }
  if (hex.length < MIN_ENCODED_LENGTH) {
    return fail(
      `digest ${quote(d)} is too short: ${hex.length} characters after "${algorithm}:", at least ${MIN_ENCODED_LENGTH} needed`,
    );
  }
  return { ok: true, algorithm, hex, algorithmKnown: false };
}

/** Splits a written reference into its written name, tag and digest without normalising, or null when invalid. */
export function splitWritten(text: string): { name: string; tag?: string; digest?: string } | null {
  if (findError(text) !== undefined) return null;
  const parts = splitAt(text);
  const result: { name: string; tag?: string; digest?: string } = { name: parts.name };
  if (parts.tag !== undefined) result.tag = parts.tag;
  if (parts.digest !== undefined) result.digest = parts.digest;
  return result;
}

/**
 * The text that pins a written reference to `digest`, keeping the name exactly as written.
 * style 'tag-digest': `name:tag@digest` (a missing tag is written as `:latest` so the reader sees what was resolved);
 * style 'digest': `name@digest`. An existing digest is replaced.
 * Throws when `written` is not a valid reference or `digest` is not a valid digest.
 */
export function pinnedText(written: string, digest: string, style: 'tag-digest' | 'digest'): string {
  const parsed = parseReference(written);
  if (!parsed.ok) throw new Error(`cannot pin ${quote(written)}: ${parsed.error}`);
  const { name, tag } = splitAt(written);
  const text = style === 'digest' ? `${name}@${digest}` : `${name}:${tag ?? DEFAULT_TAG}@${digest}`;
  const check = parseReference(text);
  if (!check.ok) throw new Error(`cannot pin ${quote(written)} to ${quote(digest)}: ${check.error}`);
  return text;
}

// ---------------------------------------------------------------------------------------------

interface WrittenParts {
  name: string;
  tag?: string;
  digest?: string;
}

/**
 * Cuts the text at the first "@" (digest) and at the first ":" after the name's last "/" (tag).
 * A ":" before the last "/" belongs to a domain's port, so `localhost:5000/app` has no tag,
 * while `localhost:5000` is the Docker Hub name `localhost` with tag `5000`, as in Docker.
 */
function splitAt(text: string): WrittenParts {
  const at = text.indexOf('@');
  const beforeDigest = at < 0 ? text : text.slice(0, at);
  const colon = beforeDigest.indexOf(':', beforeDigest.lastIndexOf('/') + 1);
  const parts: WrittenParts = { name: colon < 0 ? beforeDigest : beforeDigest.slice(0, colon) };
  if (colon >= 0) parts.tag = beforeDigest.slice(colon + 1);
  if (at >= 0) parts.digest = text.slice(at + 1);
  return parts;
}

function splitDomain(name: string): { domain: string; writtenPath: string; domainExplicit: boolean } {
  const slash = name.indexOf('/');
  if (slash >= 0) {
    const first = name.slice(0, slash);
    if (looksLikeDomain(first)) {
      const domain = first === LEGACY_DOCKER_HUB ? DOCKER_HUB : first;
      return { domain, writtenPath: name.slice(slash + 1), domainExplicit: true };
    }
  }
  return { domain: DOCKER_HUB, writtenPath: name, domainExplicit: false };
}

/** Docker's rule for reading the first component as a registry rather than a Docker Hub namespace. */
function looksLikeDomain(first: string): boolean {
  return first.includes('.') || first.includes(':') || first === LOCALHOST || hasUppercase(first);
}

function normalizedPath(domain: string, writtenPath: string): string {
  return domain === DOCKER_HUB && !writtenPath.includes('/') ? OFFICIAL_PREFIX + writtenPath : writtenPath;
}

/** Why `text` is not a valid reference, or undefined when it is. */
function findError(text: string): string | undefined {
  if (text === '') return 'empty reference';
  // `\s` is exactly what `trim` removes (white space and line terminators); no array of characters.
  const space = /\s/.exec(text)?.[0];
  if (space !== undefined) {
    if (text.trim() === '') return 'empty reference (only whitespace)';
    return `reference ${quote(text)} contains whitespace (${showChar(space)})`;
  }
  if (text.length === 64 && [...text].every(isLowerHex)) {
    return `${quote(text)} is a 64-character hex image ID, not a repository name`;
  }

  const parts = splitAt(text);
  const { domain, writtenPath, domainExplicit } = splitDomain(parts.name);
  const writtenDomain = domainExplicit ? parts.name.slice(0, parts.name.indexOf('/')) : undefined;

  if (writtenDomain !== undefined) {
    const problem = domainError(writtenDomain);
    if (problem !== undefined) return problem;
  }
  if (writtenPath === '') {
    if (writtenDomain !== undefined) return `nothing follows registry "${writtenDomain}/": the repository path is missing`;
    return `repository name is missing before ${quote(text)}`;
  }
  const problem = pathError(writtenPath, writtenDomain);
  if (problem !== undefined) return problem;

  const path = normalizedPath(domain, writtenPath);
  if (path.length > MAX_PATH_LENGTH) {
    const added = path === writtenPath ? '' : ` (with "${OFFICIAL_PREFIX}" added for Docker Hub)`;
    return `repository path is ${path.length} characters long${added}; the limit is ${MAX_PATH_LENGTH}`;
  }

  if (parts.tag !== undefined) {
    if (parts.tag === '') return '":" is not followed by a tag';
    const tagProblem = tagError(parts.tag);
    if (tagProblem !== undefined) return tagProblem;
  }
  if (parts.digest !== undefined) return referenceDigestError(parts.digest);
  return undefined;
}

function domainError(domain: string): string | undefined {
  let port: string | undefined;
  if (domain.startsWith('[')) {
    const close = domain.indexOf(']');
    if (close < 0) return `registry ${quote(domain)} opens "[" for an IPv6 address but does not close it`;
    const address = domain.slice(1, close);
    if (address === '') return `registry ${quote(domain)} has empty brackets where an IPv6 address belongs`;
    const bad = [...address].find((c) => !isHex(c) && c !== ':');
    if (bad !== undefined) {
      return `IPv6 address ${quote(domain.slice(0, close + 1))} has invalid character ${showChar(bad)}; only hex digits and ":" are allowed`;
    }
    const after = domain.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) return `registry ${quote(domain)} has ${quote(after)} after the IPv6 address; only ":port" may follow`;
      port = after.slice(1);
    }
  } else {
    const colon = domain.indexOf(':');
    const host = colon < 0 ? domain : domain.slice(0, colon);
    if (colon >= 0) port = domain.slice(colon + 1);
    if (port !== undefined && port.includes(':')) {
      return `registry ${quote(domain)} has more than one ":"; an IPv6 address must be written in brackets, like "[::1]:5000"`;
    }
    const hostProblem = hostError(host, domain);
    if (hostProblem !== undefined) return hostProblem;
  }
  if (port === undefined) return undefined;
  if (port === '') return `registry ${quote(domain)} has ":" but no port number after it`;
  if (![...port].every(isDigit)) return `registry ${quote(domain)} has port ${quote(port)}; a port must be digits only`;
  return undefined;
}

function hostError(host: string, domain: string): string | undefined {
  if (host === '') return `registry ${quote(domain)} has no host name`;
  const bad = [...host].find((c) => !isAlnum(c) && c !== '-' && c !== '.');
  if (bad !== undefined) {
    return `registry host ${quote(host)} has invalid character ${showChar(bad)}; host names allow letters, digits, "-" and "."`;
  }
  for (const label of host.split('.')) {
    if (label === '') return `registry host ${quote(host)} has an empty label (a leading, trailing or doubled ".")`;
    if (label.startsWith('-') || label.endsWith('-')) {
      return `registry host ${quote(host)} has label ${quote(label)}, which starts or ends with "-"`;
    }
  }
  return undefined;
}

const PATH_CHARS = /^[a-z0-9._/-]*$/;

/** `domain` is the written domain when there is one, used to explain why it was taken as a domain. */
function pathError(path: string, domain: string | undefined): string | undefined {
  if (hasUppercase(path)) {
    // "Acme/App": Docker reads "Acme" as a registry because of its capital, so only "App" is the path.
    const hint =
      domain !== undefined && !domain.includes('.') && !domain.includes(':') && domain !== LOCALHOST
        ? ` (${quote(domain)} before it is read as a registry host because it has uppercase letters)`
        : '';
    return `repository path ${quote(path)} has uppercase letters; repository paths must be lowercase${hint}`;
  }
  // The common case answered by one regular expression; the character-by-character search only names the culprit.
  const bad = PATH_CHARS.test(path) ? undefined : [...path].find((c) => !isLowerAlnum(c) && !'._-/'.includes(c));
  if (bad !== undefined) {
    return `repository path ${quote(path)} has invalid character ${showChar(bad)}; allowed are lowercase letters, digits, ".", "_", "-" and "/"`;
  }
  if (path.startsWith('/')) return `repository path ${quote(path)} starts with "/"`;
  if (path.endsWith('/')) return `repository path ${quote(path)} ends with "/"`;
  if (path.includes('//')) return `repository path ${quote(path)} has an empty component ("//")`;
  for (const component of path.split('/')) {
    const problem = componentError(component);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** A component holds only [a-z0-9._-] here; checks that separators sit between alphanumerics. */
function componentError(component: string): string | undefined {
  if (!isLowerAlnum(component[0]) || !isLowerAlnum(component[component.length - 1])) {
    return `path component ${quote(component)} must start and end with a lowercase letter or digit`;
  }
  let i = 0;
  while (i < component.length) {
    if (isLowerAlnum(component[i])) {
      i++;
      continue;
    }
    let end = i;
    while (!isLowerAlnum(component[end])) end++;
    const separator = component.slice(i, end);
    if (!isSeparator(separator)) {
      return `path component ${quote(component)} has separator ${quote(separator)}; separators are ".", "_", "__" or one or more "-"`;
    }
    i = end;
  }
  return undefined;
}

/** `s` cut at every character found in `separators`. */
function splitOnAny(s: string, separators: string): string[] {
  const pieces = [''];
  for (const c of s) {
    if (separators.includes(c)) pieces.push('');
    else pieces[pieces.length - 1] += c;
  }
  return pieces;
}

function isSeparator(s: string): boolean {
  return s === '.' || s === '_' || s === '__' || [...s].every((c) => c === '-');
}

function tagError(tag: string): string | undefined {
  if (tag === '') return 'tag is empty';
  if (!isTagChar(tag[0]) || tag[0] === '.' || tag[0] === '-') {
    return `tag ${quote(tag)} must start with a letter, digit or underscore`;
  }
  const bad = [...tag].find((c) => !isTagChar(c));
  if (bad !== undefined) {
    return `tag ${quote(tag)} has invalid character ${showChar(bad)}; tags allow letters, digits, "_", "." and "-"`;
  }
  if (tag.length > MAX_TAG_LENGTH) return `tag is ${tag.length} characters long; the limit is ${MAX_TAG_LENGTH}`;
  return undefined;
}

/**
 * A digest inside a reference: the general digest grammar, narrowed as Docker's reference grammar
 * narrows it (each algorithm component starts with a letter, the encoded part is hex).
 */
function referenceDigestError(digest: string): string | undefined {
  if (digest === '') return '"@" is not followed by a digest';
  if (digest.includes('@')) return 'reference has more than one "@"; a single digest may follow the name';
  const parsed = parseDigest(digest);
  if (!parsed.ok) return parsed.error;
  if (parsed.algorithmKnown) return undefined;
  const components = splitOnAny(parsed.algorithm, ALGORITHM_SEPARATORS);
  if (components.some((c) => !isLetter(c[0]))) {
    return `digest ${quote(digest)} cannot be used in an image reference: each part of the algorithm name must start with a letter`;
  }
  if (![...parsed.hex].every(isHex)) {
    return `digest ${quote(digest)} cannot be used in an image reference: the part after ":" must be hex`;
  }
  return undefined;
}

/** Generic digest algorithm: lowercase alphanumeric components joined by one of "+", ".", "_", "-". */
function genericAlgorithmError(algorithm: string): string | undefined {
  if (hasUppercase(algorithm)) return `digest algorithm ${quote(algorithm)} must be lowercase`;
  const shape = 'lowercase letters and digits, with single "+", ".", "_" or "-" between them';
  const bad = [...algorithm].find((c) => !isLowerAlnum(c) && !ALGORITHM_SEPARATORS.includes(c));
  if (bad !== undefined) return `digest algorithm ${quote(algorithm)} has invalid character ${showChar(bad)}; it must be ${shape}`;
  if (splitOnAny(algorithm, ALGORITHM_SEPARATORS).some((c) => c === '')) return `digest algorithm ${quote(algorithm)} must be ${shape}`;
  return undefined;
}

// Character classes, ASCII only as in the grammar. `c` may be undefined past the end of a string.

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c.length === 1 && c >= '0' && c <= '9';
}

function isLetter(c: string | undefined): boolean {
  return c !== undefined && c.length === 1 && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

function isLowerAlnum(c: string | undefined): boolean {
  return c !== undefined && c.length === 1 && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
}

function isAlnum(c: string | undefined): boolean {
  return isLetter(c) || isDigit(c);
}

function isLowerHex(c: string): boolean {
  return isDigit(c) || (c.length === 1 && c >= 'a' && c <= 'f');
}

function isHex(c: string): boolean {
  return isLowerHex(c) || (c.length === 1 && c >= 'A' && c <= 'F');
}

function isTagChar(c: string): boolean {
  return isAlnum(c) || c === '_' || c === '.' || c === '-';
}

function isEncodedChar(c: string): boolean {
  return isAlnum(c) || c === '=' || c === '_' || c === '-';
}

function hasUppercase(s: string): boolean {
  return s !== s.toLowerCase();
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}

/** A quoted value for a message, shortened when long so the message stays readable. */
function quote(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 60)}…` : s);
}

function showChar(c: string): string {
  return JSON.stringify(c);
}
