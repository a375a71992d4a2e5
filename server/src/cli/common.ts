/** What the CLI commands share: exit codes, output streams, usage errors, registry client options. */
import * as fs from 'node:fs';
import type { ImagePinConfig } from '../core/config';
import type { RegistryClientOptions } from '../registry';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

export const stdio: Io = { out: (s) => writeOut(s), err: (s) => process.stderr.write(s) };

/** Output this long (`check --format json` of a large tree is megabytes) is written in pieces when it can be. */
const PIECE = 1 << 20;

/**
 * Writes to standard output. When that is a file or /dev/null, which Node writes
 * synchronously anyway, long output is encoded piece by piece into one buffer and written from it:
 * a stream makes one buffer of the whole output's size first, whose fresh pages cost more than the
 * encoding (about 10 ms for 13 MB). A pipe or terminal gets the stream's write, which may keep the
 * bytes until the other end reads them.
 */
function writeOut(s: string): void {
  if (s.length < 2 * PIECE || !writesSynchronously(1)) {
    process.stdout.write(s);
    return;
  }
  writePieces(1, s);
}

/** Writes the text to the descriptor as UTF-8, `piece` characters at a time through one buffer. */
export function writePieces(fd: number, s: string, piece = PIECE): void {
  const buffer = Buffer.allocUnsafe(3 * (piece + 1)); // room for a piece (and a pair) of UTF-16 units, at most 3 bytes each
  for (let at = 0; at < s.length; ) {
    let end = Math.min(at + piece, s.length);
    // Never between the two halves of a surrogate pair: the pair goes to the next piece (or, alone, is the piece).
    if (end < s.length && (s.charCodeAt(end - 1) & 0xfc00) === 0xd800) end += end - 1 === at ? 1 : -1;
    const bytes = buffer.write(s.slice(at, end), 0, 'utf8');
    for (let written = 0; written < bytes; ) written += fs.writeSync(fd, buffer, written, bytes - written);
    at = end;
  }
}

/**
 * Whether the descriptor is a file or /dev/null, which Node writes to synchronously and this may too
 * (not a terminal, which may be non-blocking: telling one needs the tty module, whose loading costs more).
 */
function writesSynchronously(fd: number): boolean {
  try {
    const stat = fs.fstatSync(fd);
    return stat.isFile() || (stat.isCharacterDevice() && stat.rdev === fs.statSync('/dev/null').rdev);
  } catch {
    return false;
  }
}

/** A mistake in the command line: reported with a pointer to --help, exit 2. */
export class UsageError extends Error {}

/** Options every scanning command takes. */
export const SCAN_OPTIONS = {
  format: { type: 'string', default: 'text' },
  config: { type: 'string' },
  'no-cache': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** `--timeout SECONDS`: undefined when absent; a usage error unless it is a number of seconds in (0, 3600]. */
export function parseTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!(/^\d+(\.\d+)?$/.test(value) && seconds > 0 && seconds <= 3600)) {
    throw new UsageError(`--timeout must be a number of seconds between 0 and 3600, not "${value}"`);
  }
  return seconds;
}

/** How the commands that ask registries (`pin`, `check --online`) build their client. */
export function registryClientOptions(
  config: Pick<ImagePinConfig, 'registries' | 'verifyDigests'>,
  opts: { verifyDigests?: boolean; noCache?: boolean; timeoutSeconds?: number },
): RegistryClientOptions {
  return {
    registries: config.registries,
    // The user runs the command on purpose, as they run docker: their credential helpers run too
    // (name checked, with a timeout), as in the editor once a workspace is trusted.
    allowCredentialHelpers: true,
    verifyDigests: opts.verifyDigests || config.verifyDigests,
    noCache: opts.noCache,
    ...(opts.timeoutSeconds !== undefined ? { timeouts: { totalMs: Math.round(opts.timeoutSeconds * 1000) } } : {}),
  };
}

/** Runs an argument parse, turning its errors into usage errors. */
export function parseOptions<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export const USAGE = `Usage: image-pin <command> [options] [PATH...]

Commands:
  check [PATH...]   Find image references in YAML and report those that break the policy.
  pin [PATH...]     Resolve floating and unpinned references to digests (a diff; --write to apply).
  envs [PATH...]    Show what each environment (overlay, values file, Argo CD / Flux app) deploys.
  promote --from STAGE --to STAGE [PATH...]
                    Make the target stage deploy the digests the source stage deploys (a diff; --write to apply).
  set IMAGE[:TAG][@DIGEST] --stage STAGE [PATH...]
                    Make every environment of the stage deploy that reference (a tag is resolved to its digest).

Options for check:
  --format text|json|sarif   Output format (default text).
  --config FILE              Use this config instead of the nearest .image-pin.yaml.
  --no-cache                 Do not reuse or store results between runs.
  --today YYYY-MM-DD         Judge allowances as of this date (default: today, UTC).
  --online                   Also ask the registries whether each pinned digest exists (unknown-digest)
                             and its tag still points to it (moved-tag); a failed check is registry-error.
  --timeout SECONDS          With --online: give up on a registry request after this long (default 30).

Options for pin:
  --write                    Apply the edits (default: print a unified diff, change nothing).
  --style tag-digest|digest  Write repo:tag@sha256:… (default) or repo@sha256:….
  --update                   Also refresh references that carry tag@digest when the tag has moved.
  --format text|json         Output format (default text).
  --config FILE              Use this config instead of the nearest .image-pin.yaml.
  --verify-digests           Fetch each manifest and check its sha256 against the registry's header.
  --timeout SECONDS          Give up on a registry request not complete after this long (default 30).
  --no-cache                 Do not reuse registry answers within the run.

Options for envs:
  --format text|json         Output format (default text).
  --config FILE              Use this config instead of the nearest .image-pin.yaml.

Options for promote and set:
  --write                    Apply the edits (default: print a unified diff, change nothing).
  --format text|json         Output format (default text).
  --config FILE              Use this config instead of the nearest .image-pin.yaml.
  --image PATTERN            promote: only images whose name matches this glob (repeatable).
  --add FILE                 set: the kustomization or values file to add an image the stage does not deploy.

Common:
  -h, --help                 Show this help.
  -v, --version              Show the version.

Exit status of check: 0 nothing of warning or error severity, 1 findings (with --online, unverifiable pins
count as registry-error warnings), 2 usage, config or I/O errors.
Exit status of pin: 0 everything pinned, 1 something could not be pinned, 2 usage, config or I/O errors.
Exit status of promote and set: 0 everything moved or already equal, 1 something skipped, 2 usage errors
  (an unknown stage, no stages, an image the stage does not deploy without --add).
`;
