/**
 * The GitHub Action (action.yml at the repository root): reads its inputs as the runner passes them,
 * runs `image-pin check` in this process through the CLI's own entry (so every flag the CLI knows,
 * such as `--online`, behaves exactly as on the command line), then turns the result into what a
 * workflow uses: the SARIF or JSON file and its path as an output, annotations on the pull request
 * (format text), counts as outputs, a step summary, and an exit code chosen by `fail-on`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, Io } from '../cli/common';
import { main } from '../cli/main';
import { JSON_OUTPUT_VERSION, SARIF_NOTIFICATION } from '../cli/report';
import { AnnotationLevel, annotation, input, outputLines } from './workflowCommands';

const FORMATS = ['sarif', 'json', 'text'] as const;
const FAIL_ON = ['error', 'warning', 'never'] as const;
type Format = (typeof FORMATS)[number];
type FailOn = (typeof FAIL_ON)[number];

export interface ActionInputs {
  paths: string[];
  format: Format;
  config?: string;
  online: boolean;
  failOn: FailOn;
}

class InputError extends Error {}

/** What the runner passes, with the defaults of action.yml when an input is absent or empty. */
export function readInputs(env: NodeJS.ProcessEnv): ActionInputs {
  // One path per line (a YAML block scalar), so paths may hold spaces.
  const paths = input(env, 'paths')
    .split(/\r?\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const format = (input(env, 'format') || 'sarif') as Format;
  if (!FORMATS.includes(format)) throw new InputError(`input "format" must be sarif, json or text, not "${format}"`);
  const failOn = (input(env, 'fail-on') || 'error') as FailOn;
  if (!FAIL_ON.includes(failOn)) throw new InputError(`input "fail-on" must be error, warning or never, not "${failOn}"`);
  const online = input(env, 'online') || 'false';
  // The YAML 1.2 booleans, as the runner's own toolkit reads a boolean input.
  if (!['true', 'True', 'TRUE', 'false', 'False', 'FALSE'].includes(online)) throw new InputError(`input "online" must be true or false, not "${online}"`);
  const config = input(env, 'config') || undefined;
  return { paths: paths.length ? paths : ['.'], format, config, online: online.toLowerCase() === 'true', failOn };
}

/** The `image-pin check` command line for these inputs; `--` keeps a path from being read as a flag. */
export function checkArgs(inputs: ActionInputs): string[] {
  return [
    'check',
    // Text becomes annotations, which need each finding's position: read from the JSON output.
    '--format',
    inputs.format === 'text' ? 'json' : inputs.format,
    ...(inputs.config ? ['--config', inputs.config] : []),
    ...(inputs.online ? ['--online'] : []),
    '--',
    ...inputs.paths,
  ];
}

interface JsonFinding {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  rule: string;
  severity: string;
  message: string;
}

interface Counts {
  errors: number;
  warnings: number;
  notes: number;
  byRule: Record<string, number>;
}

const LEVEL: Record<string, AnnotationLevel> = { error: 'error', warning: 'warning' };

interface JsonReport {
  version?: unknown;
  findings: JsonFinding[];
  skipped: Array<{ file: string; reason: string }>;
}

interface SarifReport {
  runs: Array<{
    results: Array<{ ruleId: string; level: string }>;
    invocations?: Array<{ toolExecutionNotifications?: Array<{ descriptor?: { id?: string }; message: { text: string }; locations?: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }> }>;
  }>;
}

/** A skipped file as an annotation's file and message (`file: reason`, as the text output says it). */
type Skipped = { file: string; message: string };

function skippedInJson(report: JsonReport): Skipped[] {
  return report.skipped.map((s) => ({ file: s.file, message: `${s.file}: ${s.reason}` }));
}

function skippedInSarif(report: SarifReport): Skipped[] {
  return report.runs.flatMap((run) =>
    (run.invocations ?? []).flatMap((inv) =>
      (inv.toolExecutionNotifications ?? [])
        .filter((n) => n.descriptor?.id === SARIF_NOTIFICATION.skipped && n.locations?.length)
        // The location is relative to %SRCROOT% (the workspace) and percent-encoded per segment.
        .map((n) => ({ file: n.locations![0].physicalLocation.artifactLocation.uri.split('/').map(decodeURIComponent).join('/'), message: n.message.text })),
    ),
  );
}

/** Not checked, so never silently clean: shown on the file whatever the report's format, without failing the step. */
function annotateSkipped(skipped: Skipped[], io: Io): void {
  for (const s of skipped) io.out(annotation({ level: 'notice', file: s.file, title: 'image-pin: not checked', message: s.message }));
}

function countJson(report: Pick<JsonReport, 'version' | 'findings'>): Counts {
  if (report.version !== JSON_OUTPUT_VERSION) throw new Error(`image-pin printed JSON of version ${String(report.version)}, expected ${JSON_OUTPUT_VERSION}`);
  return count(report.findings.map((f) => [f.rule, f.severity === 'info' || f.severity === 'hint' ? 'note' : f.severity]));
}

function countSarif(report: SarifReport): Counts {
  return count(report.runs.flatMap((r) => r.results.map((x): [string, string] => [x.ruleId, x.level])));
}

function count(found: Array<[rule: string, level: string]>): Counts {
  const c: Counts = { errors: 0, warnings: 0, notes: 0, byRule: {} };
  for (const [rule, level] of found) {
    if (level === 'error') c.errors++;
    else if (level === 'warning') c.warnings++;
    else c.notes++;
    c.byRule[rule] = (c.byRule[rule] ?? 0) + 1;
  }
  return c;
}

function stepSummary(counts: Counts, reportFile: string | undefined): string {
  const lines = [
    '### Image Pin',
    '',
    `${counts.errors} error${counts.errors === 1 ? '' : 's'}, ${counts.warnings} warning${counts.warnings === 1 ? '' : 's'}` +
      (counts.notes ? `, ${counts.notes} note${counts.notes === 1 ? '' : 's'}` : '') +
      ' in image references.',
    '',
  ];
  const rules = Object.entries(counts.byRule).sort(([, a], [, b]) => b - a);
  if (rules.length) lines.push('| rule | findings |', '| --- | ---: |', ...rules.map(([rule, n]) => `| \`${rule}\` | ${n} |`), '');
  if (reportFile) lines.push(`Report: \`${reportFile}\``, '');
  return lines.join('\n') + '\n';
}

/** Runs the action; returns the process exit code. */
export async function runAction(env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  let inputs: ActionInputs;
  try {
    inputs = readInputs(env);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    io.out(annotation({ level: 'error', message: `image-pin: ${err.message}` }));
    return EXIT_USAGE;
  }
  // Paths, the config and the report's file names are relative to the checked-out repository.
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  process.chdir(workspace);

  let printed = '';
  const code = await main(checkArgs(inputs), { out: (s) => (printed += s), err: io.err });
  // Usage, config or I/O errors (the CLI said why on stderr) fail the step whatever fail-on says.
  // A path that could not be read still leaves a report of the others, which is kept.
  const failed = code !== EXIT_OK && code !== EXIT_FINDINGS;
  const failure = () => annotation({ level: 'error', message: `image-pin check failed (exit ${code}); see the log above` });
  if (failed && printed.trim() === '') {
    io.out(failure());
    return code;
  }

  const outputs: Record<string, string> = {};
  let counts: Counts;
  let reportFile: string | undefined;
  if (inputs.format === 'text') {
    const report = JSON.parse(printed) as JsonReport;
    counts = countJson(report);
    annotateSkipped(skippedInJson(report), io);
    for (const f of report.findings) {
      io.out(
        annotation({
          level: LEVEL[f.severity] ?? 'notice',
          file: f.file,
          line: f.line,
          endLine: f.endLine,
          col: f.column,
          endColumn: f.endColumn,
          title: `image-pin ${f.rule}`,
          message: f.message,
        }),
      );
    }
  } else {
    const dir = env.RUNNER_TEMP || workspace;
    reportFile = path.join(dir, `image-pin.${inputs.format}`);
    fs.writeFileSync(reportFile, printed);
    outputs[`${inputs.format}-file`] = reportFile;
    const report = JSON.parse(printed) as JsonReport & SarifReport;
    counts = inputs.format === 'json' ? countJson(report) : countSarif(report);
    annotateSkipped(inputs.format === 'json' ? skippedInJson(report) : skippedInSarif(report), io);
  }
  io.out(`image-pin: ${counts.errors} errors, ${counts.warnings} warnings${reportFile ? `; report written to ${reportFile}` : ''}\n`);
  outputs.errors = String(counts.errors);
  outputs.warnings = String(counts.warnings);
  if (env.GITHUB_OUTPUT) fs.appendFileSync(env.GITHUB_OUTPUT, outputLines(outputs));
  if (env.GITHUB_STEP_SUMMARY) fs.appendFileSync(env.GITHUB_STEP_SUMMARY, stepSummary(counts, reportFile));

  if (failed) {
    io.out(failure());
    return code;
  }
  if (inputs.failOn === 'never') return EXIT_OK;
  const failing = inputs.failOn === 'warning' ? counts.errors + counts.warnings : counts.errors;
  // The CLI's own verdict counts too: it exits 1 only for error or warning findings, and a finding
  // this action did not count must not pass a `fail-on: warning` run.
  if (failing > 0 || (inputs.failOn === 'warning' && code === EXIT_FINDINGS)) return EXIT_FINDINGS;
  return EXIT_OK;
}
