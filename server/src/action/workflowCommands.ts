/**
 * GitHub Actions runner protocol: workflow commands on stdout (`::error file=…::message`) and the
 * files the runner names in GITHUB_OUTPUT and GITHUB_STEP_SUMMARY. Pure text; the caller writes it.
 */
import * as crypto from 'node:crypto';

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface Annotation {
  level: AnnotationLevel;
  message: string;
  title?: string;
  file?: string;
  line?: number;
  endLine?: number;
  col?: number;
  endColumn?: number;
}

// The runner reads a command up to the end of its line and splits properties at `,` and `::`, so
// these characters are percent-encoded (the runner decodes them again).
function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function annotation(a: Annotation): string {
  const props = (['file', 'line', 'endLine', 'col', 'endColumn', 'title'] as const)
    .filter((k) => a[k] !== undefined)
    .map((k) => `${k}=${escapeProperty(String(a[k]))}`);
  return `::${a.level}${props.length ? ' ' + props.join(',') : ''}::${escapeData(a.message)}\n`;
}

/**
 * Lines for the GITHUB_OUTPUT file. A value with a line break is written between delimiters that
 * cannot occur in it, as the runner expects.
 */
export function outputLines(outputs: Record<string, string>): string {
  return Object.entries(outputs)
    .map(([name, value]) => {
      if (!/[\r\n]/.test(value)) return `${name}=${value}\n`;
      const delimiter = `ghadelimiter_${crypto.randomUUID()}`;
      return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
    })
    .join('');
}

/** An input as the runner passes it: `INPUT_` + the name upper-cased, spaces as `_`, hyphens kept. */
export function input(env: NodeJS.ProcessEnv, name: string): string {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}
