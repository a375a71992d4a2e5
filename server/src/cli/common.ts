/** What the CLI commands share: exit codes, output streams, usage errors, registry client options. */
import type { ImagePinConfig } from '../core/config';
import type { RegistryClientOptions } from '../registry';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

export const stdio: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

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

Common:
  -h, --help                 Show this help.
  -v, --version              Show the version.

Exit status of check: 0 nothing of warning or error severity, 1 findings (with --online, unverifiable pins
count as registry-error warnings), 2 usage, config or I/O errors.
Exit status of pin: 0 everything pinned, 1 something could not be pinned, 2 usage, config or I/O errors.
`;
