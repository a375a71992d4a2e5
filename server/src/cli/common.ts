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
