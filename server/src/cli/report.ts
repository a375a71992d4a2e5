/** `image-pin check` output formats: text for people, JSON for scripts, SARIF for code scanning. */
import * as path from 'node:path';
import { DEFAULT_SEVERITY, RULE_IDS } from '../core/config';
import { RULE_INFO } from '../core/ruleInfo';
import { countsText } from '../core/verify';
import type { Severity } from '../core/types';
import type { ScanResult } from '../scan/scanner';

export const TOOL_NAME = 'image-pin';

/**
 * The `version` field of `check --format json`: raised only when a field is removed or changes meaning
 * (docs/output.md), so scripts can rely on what they read.
 */
export const JSON_OUTPUT_VERSION = 1;

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function formatText(result: ScanResult): string {
  const lines: string[] = [];
  for (const file of result.files) {
    for (const f of file.findings) {
      // The message does not repeat the reference (an editor shows it under the squiggle); a terminal line does.
      const image = f.image !== undefined ? ` (${f.image})` : '';
      lines.push(`${file.display}:${f.range.start.line + 1}:${f.range.start.character + 1} ${f.severity} ${f.rule} ${f.message}${image}`);
    }
    if (file.skipped) lines.push(`${file.display}: ${file.skipped}`);
  }
  for (const e of result.ioErrors) lines.push(`${e.path}: ${e.message}`);
  for (const p of environmentProblems(result)) lines.push(`${p.file}:${p.line}:${p.column} note environment ${p.message}`);
  const s = result.summary;
  const rules = Object.entries(s.byRule)
    .map(([rule, n]) => `${rule} ${n}`)
    .join(', ');
  lines.push(
    `${plural(s.files, 'file')} checked, ${plural(s.references, 'image reference')}: ` +
      `${plural(s.bySeverity.error, 'error')}, ${plural(s.bySeverity.warning, 'warning')}` +
      (s.bySeverity.info + s.bySeverity.hint ? `, ${s.bySeverity.info + s.bySeverity.hint} notes` : '') +
      (rules ? ` (${rules})` : '') +
      (s.skipped ? `; ${s.skipped} skipped` : '') +
      (result.ioErrors.length ? `; ${plural(result.ioErrors.length, 'unreadable path')}` : ''),
  );
  if (s.online) lines.push(`online: ${countsText(s.online)}`);
  return lines.join('\n') + '\n';
}

/** Graph problems of the environment model (missing, remote, cyclic resources), located; they do not fail a check. */
export function environmentProblems(result: ScanResult): Array<{ file: string; line: number; column: number; kind: string; message: string }> {
  const judgement = result.environments;
  if (!judgement) return [];
  return judgement.model.problems.map((p) => {
    // A file that cannot be read (any more) is placed as its empty text would be.
    const pos = judgement.position(p.file, p.span.start) ?? { line: 0, character: p.span.start };
    return { file: path.relative(process.cwd(), p.file) || p.file, line: pos.line + 1, column: pos.character + 1, kind: p.kind, message: p.message };
  });
}

/** The `environments` of every finding that has none: one list, not one per finding, that lives until the output is written. */
const NO_ENVIRONMENTS: never[] = [];

export function formatJson(result: ScanResult): string {
  // One array filled in a loop (no list per file to flatten, no empty list to map for a finding without
  // environments); indexed loops, as `for … of` makes an iterator result per item before it is optimised.
  const findings: object[] = [];
  const files = result.files;
  for (let i = 0; i < files.length; i++) {
    const file = files[i];
    for (let k = 0; k < file.findings.length; k++) {
      const f = file.findings[k];
      findings.push({
        file: file.display,
        line: f.range.start.line + 1,
        column: f.range.start.character + 1,
        endLine: f.range.end.line + 1,
        endColumn: f.range.end.character + 1,
        rule: f.rule,
        severity: f.severity,
        image: f.image ?? null,
        message: f.message,
        environments: f.environments ? f.environments.map((e) => ({ stage: e.stage, root: e.root })) : NO_ENVIRONMENTS,
      });
    }
  }
  const s = result.summary;
  return (
    JSON.stringify(
      {
        version: JSON_OUTPUT_VERSION,
        findings,
        skipped: result.files.filter((f) => f.skipped).map((f) => ({ file: f.display, reason: f.skipped })),
        errors: result.ioErrors.map((e) => ({ file: e.path, message: e.message })),
        environmentProblems: environmentProblems(result),
        summary: { files: s.files, references: s.references, findings: s.findings, errors: s.bySeverity.error, warnings: s.bySeverity.warning, notes: s.bySeverity.info + s.bySeverity.hint, byRule: s.byRule, skipped: s.skipped, ...(s.online ? { online: s.online } : {}) },
      },
      null,
      2,
    ) + '\n'
  );
}

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note', hint: 'note' };

/** SARIF 2.1.0 as GitHub code scanning reads it; paths relative to `root` (the current folder). */
export function formatSarif(result: ScanResult, version: string, root = process.cwd()): string {
  const rules = RULE_IDS.map((id) => ({
    id,
    name: id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
    shortDescription: { text: RULE_INFO[id].title },
    fullDescription: { text: RULE_INFO[id].summary },
    help: { text: `${RULE_INFO[id].summary} ${RULE_INFO[id].fix}`, markdown: `${RULE_INFO[id].summary}\n\n**Fix:** ${RULE_INFO[id].fix}` },
    defaultConfiguration: { level: SARIF_LEVEL[DEFAULT_SEVERITY[id]] },
    properties: { tags: ['supply-chain', 'kubernetes'] },
  }));
  const results = result.files.flatMap((file) =>
    file.findings.map((f) => ({
      ruleId: f.rule,
      ruleIndex: RULE_IDS.indexOf(f.rule),
      level: SARIF_LEVEL[f.severity],
      message: { text: f.message },
      ...(f.environments?.length ? { properties: { environments: f.environments.map((e) => ({ stage: e.stage, root: e.root })) } } : {}),
      locations: sarifLocations(root, file.absolute, {
        startLine: f.range.start.line + 1,
        startColumn: f.range.start.character + 1,
        endLine: f.range.end.line + 1,
        endColumn: f.range.end.character + 1,
      }),
    })),
  );
  const sarif = {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: { driver: { name: TOOL_NAME, version, semanticVersion: version, rules } },
        invocations: [sarifInvocation(result, root)],
        columnKind: 'utf16CodeUnits',
        originalUriBaseIds: { '%SRCROOT%': { uri: toUri(root) + '/' } },
        results,
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}

/** What the tool ids of `toolExecutionNotifications` say; a script (the Action) reads them by id. */
export const SARIF_NOTIFICATION = { skipped: 'skipped-file', unreadable: 'unreadable-path', config: 'invalid-config', environment: 'environment-problem' } as const;

/**
 * What was not checked, as SARIF tool notifications: code scanning shows them on the tool's status
 * rather than as alerts, and a file that was skipped must not pass for a clean one.
 */
function sarifInvocation(result: ScanResult, root: string) {
  const at = (file: string, region?: SarifRegion) => sarifLocations(root, file, region);
  const notifications = [
    ...result.configErrors.map((e) => ({
      level: 'error',
      descriptor: { id: SARIF_NOTIFICATION.config },
      message: { text: `invalid config: ${e.message}` },
      locations: at(e.file, { startLine: e.line, startColumn: e.column }),
    })),
    ...result.ioErrors.map((e) => ({ level: 'error', descriptor: { id: SARIF_NOTIFICATION.unreadable }, message: { text: `${e.path}: ${e.message}` }, locations: at(e.path) })),
    ...result.files
      .filter((f) => f.skipped)
      .map((f) => ({ level: 'warning', descriptor: { id: SARIF_NOTIFICATION.skipped }, message: { text: `${f.display}: ${f.skipped}` }, locations: at(f.absolute) })),
    ...environmentProblems(result).map((p) => ({
      level: 'note',
      descriptor: { id: SARIF_NOTIFICATION.environment },
      message: { text: `environment ${p.message}` },
      locations: at(p.file, { startLine: p.line, startColumn: p.column }),
    })),
  ];
  // Unsuccessful exactly when the check exits 2: a path or a config could not be read.
  return { executionSuccessful: result.ioErrors.length === 0 && result.configErrors.length === 0, toolExecutionNotifications: notifications };
}

type SarifRegion = { startLine: number; startColumn: number; endLine?: number; endColumn?: number };

/** One location: `file` (absolute, or relative to the current folder) relative to %SRCROOT%, and the region if known. */
function sarifLocations(root: string, file: string, region?: SarifRegion) {
  return [{ physicalLocation: { artifactLocation: { uri: toUri(path.relative(root, path.resolve(file))), uriBaseId: '%SRCROOT%' }, ...(region ? { region } : {}) } }];
}

function toUri(p: string): string {
  const posix = p.split(path.sep).join('/');
  const encoded = posix.split('/').map(encodeURIComponent).join('/');
  return path.isAbsolute(p) ? `file://${encoded}` : encoded;
}
