/** The `image-pin` command line. Exit codes: 0 clean, 1 findings (or unpinned), 2 usage, config or I/O errors. */
import { parseArgs } from 'node:util';
import { ConfigError, isCalendarDate } from '../core/config';
import { scan } from '../scan/scanner';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, Io, SCAN_OPTIONS, USAGE, UsageError, parseOptions, parseTimeout, stdio } from './common';
import { formatJson, formatSarif, formatText } from './report';
import { VERSION } from './version';




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
      case 'envs': {
        const { envs } = require('./envs') as typeof import('./envs');
        return await envs(rest, io);
      }
      case 'pin': {
        // Loaded on demand: `check` never needs the registry client and its HTTP stack.
        const { pin } = require('./pin') as typeof import('./pin');
        return await pin(rest, io);
      }
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
      options: { ...SCAN_OPTIONS, today: { type: 'string' }, online: { type: 'boolean', default: false }, timeout: { type: 'string' } },
    }),
  );
  if (values.help) {
    io.out(USAGE);
    return EXIT_OK;
  }
  const format = values.format;
  if (!['text', 'json', 'sarif'].includes(format)) throw new UsageError(`--format must be text, json or sarif, not "${format}"`);
  const today = values.today;
  const timeoutSeconds = parseTimeout(values.timeout);
  if (timeoutSeconds !== undefined && !values.online) throw new UsageError('--timeout applies to registry requests: use it with --online');
  if (today !== undefined && !isCalendarDate(today)) throw new UsageError(`--today must be a date that exists, written YYYY-MM-DD, not "${today}"`);
  const result = await scan(positionals.length ? positionals : ['.'], {
    configFile: values.config,
    cacheDir: values['no-cache'] ? false : undefined,
    version: VERSION,
    today,
  });
  if (values.online) {
    // Loaded on demand, like `pin`: an offline check never loads the registry client.
    const { verifyScan } = require('./online') as typeof import('./online');
    await verifyScan(result, { configFile: values.config, noCache: values['no-cache'], timeoutSeconds });
  }
  for (const e of result.configErrors) io.err(`image-pin: invalid config: ${e.message}\n`);
  io.out(format === 'json' ? formatJson(result) : format === 'sarif' ? formatSarif(result, VERSION) : formatText(result));
  if (format !== 'text') for (const e of result.ioErrors) io.err(`${e.path}: ${e.message}\n`);
  if (result.configErrors.length || result.ioErrors.length) return EXIT_USAGE;
  return result.summary.bySeverity.error + result.summary.bySeverity.warning > 0 ? EXIT_FINDINGS : EXIT_OK;
}
