/** The `image-pin` command line. Exit codes: 0 clean, 1 findings (or unpinned), 2 usage, config or I/O errors. */
import { parseArgs } from 'node:util';
import { ConfigError } from '../core/config';
import { scan } from '../scan/scanner';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, Io, UsageError, parseOptions, stdio } from './common';
import { pin } from './pin';
import { formatJson, formatSarif, formatText } from './report';
import { VERSION } from './version';


const USAGE = `Usage: image-pin <command> [options] [PATH...]

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
  --no-cache                 Do not reuse registry answers within the run.

Common:
  -h, --help                 Show this help.
  -v, --version              Show the version.

Exit status of check: 0 nothing of warning or error severity, 1 findings, 2 usage, config or I/O errors.
Exit status of pin: 0 everything pinned, 1 something could not be pinned, 2 usage, config or I/O errors.
`;


export async function main(argv: string[], io: Io = stdio): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    io.out(USAGE);
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (command === '-v' || command === '--version') {
    io.out(`${VERSION}\n`);
    return EXIT_OK;
  }
  try {
    switch (command) {
      case 'check':
        return await check(rest, io);
      case 'pin':
        return await pin(rest, io);
      default:
        io.err(`image-pin: unknown command "${command}"\n\n${USAGE}`);
        return EXIT_USAGE;
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`image-pin: ${err.message}\nRun "image-pin --help" for usage.\n`);
      return EXIT_USAGE;
    }
    if (err instanceof ConfigError) {
      io.err(`image-pin: invalid config: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}

async function check(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseOptions(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        format: { type: 'string', default: 'text' },
        config: { type: 'string' },
        'no-cache': { type: 'boolean', default: false },
        today: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  if (values.help) {
    io.out(USAGE);
    return EXIT_OK;
  }
  const format = values.format;
  if (!['text', 'json', 'sarif'].includes(format)) throw new UsageError(`--format must be text, json or sarif, not "${format}"`);
  const today = values.today;
  if (today !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(today)) throw new UsageError(`--today must be a date written YYYY-MM-DD, not "${today}"`);
  const result = await scan(positionals.length ? positionals : ['.'], {
    configFile: values.config,
    cacheDir: values['no-cache'] ? false : undefined,
    version: VERSION,
    today,
  });
  for (const e of result.configErrors) io.err(`image-pin: invalid config: ${e.message}\n`);
  io.out(format === 'json' ? formatJson(result) : format === 'sarif' ? formatSarif(result, VERSION) : formatText(result));
  if (format !== 'text') for (const e of result.ioErrors) io.err(`${e.path}: ${e.message}\n`);
  if (result.configErrors.length || result.ioErrors.length) return EXIT_USAGE;
  return result.summary.bySeverity.error + result.summary.bySeverity.warning > 0 ? EXIT_FINDINGS : EXIT_OK;
}
