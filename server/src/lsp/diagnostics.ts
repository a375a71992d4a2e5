/**
 * Findings → LSP diagnostics: exact ranges from the core, the rule id as code with a link to its
 * section of the shipped docs/rules.md, and the data a code action needs to find the site again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Diagnostic, DiagnosticSeverity } from 'vscode-languageserver';
import type { ConfigError } from '../core/config';
import type { RuleId, Severity } from '../core/types';
import type { LocatedFinding } from '../scan/checkText';
import type { FindingSummary } from './findingSummary';
import { DiagnosticData, SOURCE, TRUNCATED_CODE, TruncatedData } from './protocol';
import { pathToUri } from './workspaceFolders';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

let rulesDoc: string | null | undefined;

/**
 * The `file:` URI of docs/rules.md: at the repository root beside out/ in development, beside
 * dist/ in the packaged extension. Looked for above this module, once.
 */
export function rulesDocUri(): string | undefined {
  if (rulesDoc === undefined) {
    rulesDoc = null;
    for (let dir = __dirname, i = 0; i < 6; i++, dir = path.dirname(dir)) {
      const candidate = path.join(dir, 'docs', 'rules.md');
      if (fs.existsSync(candidate)) {
        rulesDoc = pathToUri(candidate);
        break;
      }
    }
  }
  return rulesDoc ?? undefined;
}

let ruleLinkBase: string | undefined;

/**
 * Rule links open `base#rule` instead of the file: an editor that shows a rule's help itself
 * (VS Code's extension, through its URI handler) says so at initialize.
 */
export function useRuleLinks(base: string): void {
  ruleLinkBase = base;
}

export function ruleHref(rule: RuleId): string | undefined {
  if (ruleLinkBase) return `${ruleLinkBase}#${rule}`;
  const doc = rulesDocUri();
  return doc && `${doc}#${rule}`;
}

export function findingDiagnostic(finding: LocatedFinding, uri: string, version: number | null): Diagnostic {
  const data: DiagnosticData = { uri, version };
  if (finding.site !== undefined) data.site = finding.site;
  const diagnostic: Diagnostic = {
    range: finding.range,
    severity: SEVERITY[finding.severity],
    source: SOURCE,
    code: finding.rule,
    message: finding.message,
    data,
  };
  const href = ruleHref(finding.rule);
  if (href) diagnostic.codeDescription = { href };
  return diagnostic;
}

const TOP = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** A document (or file) that is not checked: too large or binary. */
export function skippedDiagnostic(reason: string): Diagnostic {
  return { range: TOP, severity: DiagnosticSeverity.Information, source: SOURCE, code: 'skipped', message: `Image Pin ${reason}.` };
}

/** At the top of a document with more findings than are published (findingSummary.ts). */
export function moreFindingsNotice(summary: FindingSummary): Diagnostic {
  const n = (x: number) => x.toLocaleString('en-US');
  return {
    range: TOP,
    severity: DiagnosticSeverity.Information,
    source: SOURCE,
    code: TRUNCATED_CODE,
    message: `Image Pin shows ${n(summary.shown.length)} of the ${n(summary.total)} findings of this file, the most severe first; \`image-pin check\` lists them all.`,
    data: { total: summary.total, shown: summary.shown.length } satisfies TruncatedData,
  };
}

/** On the config file itself, at the key that is wrong. */
export function configErrorDiagnostic(err: ConfigError): Diagnostic {
  const line = Math.max(0, err.line - 1);
  const character = Math.max(0, err.column - 1);
  return {
    range: { start: { line, character }, end: { line, character: character + Math.max(1, err.key.length) } },
    severity: DiagnosticSeverity.Error,
    source: SOURCE,
    code: 'config',
    message: `Invalid Image Pin config: ${err.key ? `${err.key}: ` : ''}${err.problem}`,
  };
}

/** On a document under a broken config file: it is checked without that file until it is fixed. */
export function brokenConfigNotice(configFile: string, err: ConfigError, documentPath: string): Diagnostic {
  const shown = path.relative(path.dirname(documentPath), configFile) || path.basename(configFile);
  return {
    range: TOP,
    severity: DiagnosticSeverity.Warning,
    source: SOURCE,
    code: 'config',
    message:
      `The Image Pin config ${shown} is invalid (line ${err.line}: ${err.key ? `${err.key}: ` : ''}${err.problem}); ` +
      'this file is checked with the editor settings and defaults until it is fixed.',
  };
}
