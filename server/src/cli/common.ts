/** What the CLI commands share: exit codes, output streams, usage errors. */

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

Options for check:
  --format text|json|sarif   Output format (default text).
  --config FILE              Use this config instead of the nearest .image-pin.yaml.
  --no-cache                 Do not reuse or store results between runs.
  --today YYYY-MM-DD         Judge allowances as of this date (default: today, UTC).

Options for pin:
  --write                    Apply the edits (default: print a unified diff, change nothing).
  --style tag-digest|digest  Write repo:tag@sha256:… (default) or repo@sha256:….
  --update                   Also refresh references that carry tag@digest when the tag has moved.
  --format text|json         Output format (default text).
  --config FILE              Use this config instead of the nearest .image-pin.yaml.
  --verify-digests           Fetch each manifest and check its sha256 against the registry's header.
  --timeout SECONDS          Give up on a registry request not complete after this long (default 30).
  --no-cache                 Do not reuse registry answers within the run.

Common:
  -h, --help                 Show this help.
  -v, --version              Show the version.

Exit status of check: 0 nothing of warning or error severity, 1 findings, 2 usage, config or I/O errors.
Exit status of pin: 0 everything pinned, 1 something could not be pinned, 2 usage, config or I/O errors.
`;
