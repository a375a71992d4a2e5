/** Runs the core check on text the way the CLI and server do, for table-style assertions. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { ConfigError, ImagePinConfig, defaultConfig, parseConfig } from '../../server/src/core/config';
import { extractLocated, findingsFor } from '../../server/src/scan/checkText';

export interface Seen {
  rule: string;
  line: number;
  /** The exact text the finding's range covers. */
  text: string;
  severity: string;
  message: string;
}

export function configFrom(yamlText?: string): ImagePinConfig {
  return yamlText === undefined ? defaultConfig('/repo') : { ...parseConfig(yamlText, '/repo/.image-pin.yaml'), baseDir: '/repo' };
}

/** The error a config text is refused with (fails the test when it is accepted). */
export function configErrorOf(yamlText: string): ConfigError {
  try {
    configFrom(yamlText);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err;
  }
  assert.fail('expected a ConfigError');
}

export function checkText(text: string, opts: { path?: string; config?: ImagePinConfig; today?: string } = {}): Seen[] {
  const config = opts.config ?? defaultConfig('/repo');
  const file = opts.path ?? 'file.yaml';
  const extraction = extractLocated(text, { path: file, imageKeys: config.imageKeys });
  return findingsFor(extraction, config, file, opts.today ?? '2026-11-26')
    .map((f) => ({ rule: f.rule, line: f.range.start.line + 1, text: text.slice(f.span.start, f.span.end), severity: f.severity, message: f.message }))
    .sort((a, b) => a.line - b.line);
}

export function checkFile(file: string, opts: { config?: ImagePinConfig; today?: string } = {}): Seen[] {
  return checkText(fs.readFileSync(file, 'utf8'), { ...opts, path: file });
}

/** `[rule, line, covered text]` triples: compact expectations for tables. */
export function triples(seen: Seen[]): Array<[string, number, string]> {
  return seen.map((s) => [s.rule, s.line, s.text]);
}
