/**
 * `.image-pin.yaml`: finding it, reading it, validating it with located errors, and
 * the defaults every surface (CLI, language server) starts from.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { specialKind } from './fileKind';
import { globProblem } from './glob';
import type { RuleId, Severity } from './types';

export const CONFIG_FILE_NAMES = ['.image-pin.yaml', '.image-pin.yml'];

export const RULE_IDS: readonly RuleId[] = [
  'missing-tag', 'floating-tag', 'unpinned-tag', 'invalid-reference', 'yaml-syntax', 'pull-policy', 'expired-allowance',
  'tag-conflict', 'unknown-digest', 'moved-tag', 'registry-error',
];

export const DEFAULT_SEVERITY: Readonly<Record<RuleId, Severity>> = {
  'missing-tag': 'error',
  'floating-tag': 'error',
  'unpinned-tag': 'warning',
  'invalid-reference': 'error',
  'yaml-syntax': 'error',
  'pull-policy': 'warning',
  'expired-allowance': 'error',
  'tag-conflict': 'warning',
  'unknown-digest': 'error',
  'moved-tag': 'warning',
  'registry-error': 'warning',
};

/** Tags that move by design. Entries are case-insensitive glob patterns. */
export const DEFAULT_FLOATING_TAGS: readonly string[] = [
  'latest', 'main', 'master', 'dev', 'develop', 'edge', 'nightly', 'stable', 'canary', 'head', 'trunk', 'next', 'beta',
  'alpha', 'preview', 'unstable', 'testing', 'staging', 'production', 'prod', 'lts', 'current', 'snapshot',
  '*-latest', '*-nightly', '*-snapshot',
];

export type PinStyle = 'tag-digest' | 'digest';
export type SeveritySetting = Severity | 'off';

export interface Allowance {
  /** Globs of files (relative to the config's folder) the allowance covers; all files when empty. */
  paths: string[];
  /** Globs of image names (`ghcr.io/acme/*`, `nginx`, `redis:7-*`); all images when empty. */
  images: string[];
  /** Stages (names from `stages:` or inferred) the allowance covers; all stages when empty. */
  stages?: string[];
  /** Last day the allowance holds, `YYYY-MM-DD`. */
  until: string;
  reason?: string;
  /** Where the allowance is written, for messages. */
  origin?: { file: string; line: number };
}

export interface RegistrySettings {
  mirror?: string;
  insecure?: boolean;
  ca?: string;
}

/** A stage of the promotion order: the environments whose root matches `paths`. */
export interface StageConfig {
  name: string;
  /** Globs (relative to the config's folder) of environment roots: overlay folders, values files, Application files. */
  paths: string[];
}

export interface ImagePinConfig {
  floatingTags: string[];
  /** Stages in promotion order; empty: inferred from folder and file names. */
  stages: StageConfig[];
  severity: Partial<Record<RuleId, SeveritySetting>>;
  imageKeys: string[];
  include: string[];
  exclude: string[];
  allowances: Allowance[];
  /** Files larger than this many bytes are skipped with a message. */
  maxFileSize: number;
  pinStyle: PinStyle;
  verifyDigests: boolean;
  registries: Record<string, RegistrySettings>;
  /** The folder globs are relative to. */
  baseDir: string;
  /** The config file this came from, if any. */
  file?: string;
  /** The keys the config file sets; every other key holds its default. */
  explicitKeys?: ConfigKey[];
}

/** A key of `.image-pin.yaml`. */
export type ConfigKey =
  | 'floatingTags'
  | 'severity'
  | 'imageKeys'
  | 'include'
  | 'exclude'
  | 'allowances'
  | 'maxFileSize'
  | 'pinStyle'
  | 'verifyDigests'
  | 'registries'
  | 'stages';

export const DEFAULT_INCLUDE = ['**/*.yaml', '**/*.yml'];
/** Test fixtures of Go code (`testdata`) and helm-unittest suites hold images nobody deploys. */
const DEFAULT_EXCLUDE = ['**/testdata/**', '**/tests/*_test.yaml', '**/tests/*_test.yml'];

export function defaultConfig(baseDir: string): ImagePinConfig {
  return {
    floatingTags: [...DEFAULT_FLOATING_TAGS],
    stages: [],
    severity: {},
    imageKeys: [],
    include: [...DEFAULT_INCLUDE],
    exclude: [...DEFAULT_EXCLUDE],
    allowances: [],
    maxFileSize: 10 * 1024 * 1024,
    pinStyle: 'tag-digest',
    verifyDigests: false,
    registries: {},
    baseDir,
  };
}

/** A problem in a config file, located at the key that causes it. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly key: string,
    readonly problem: string,
  ) {
    super(`${file}:${line}:${column}: ${key ? `${key}: ` : ''}${problem}`);
    this.name = 'ConfigError';
  }
}

/** Reads a config file; `shownAs` is how messages name it (default: the path as given). */
export function loadConfigFile(file: string, shownAs = file): ImagePinConfig {
  let text: string;
  try {
    // Looked at first: a FIFO planted as .image-pin.yaml would block the read forever.
    const stat = fs.statSync(file);
    if (!stat.isFile()) throw new ConfigError(shownAs, 1, 1, '', `the config file is not a regular file (${specialKind(stat)})`);
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(shownAs, 1, 1, '', `cannot read the config file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const config = parseConfig(text, shownAs);
  config.baseDir = path.dirname(path.resolve(file));
  config.file = path.resolve(file);
  return config;
}

/** Reads config text; every error names the file, line, column and key. */
export function parseConfig(text: string, file: string): ImagePinConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const at = (node: Node | null | undefined) => {
    const p = lineCounter.linePos(node?.range?.[0] ?? 0);
    return { line: p.line, column: p.col };
  };
  const fail = (node: Node | null | undefined, key: string, problem: string): never => {
    const { line, column } = at(node);
    throw new ConfigError(file, line, column, key, problem);
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const p = lineCounter.linePos(e.pos[0]);
    throw new ConfigError(file, p.line, p.col, '', `not valid YAML: ${e.message.split('\n')[0]}`);
  }
  const config = defaultConfig(path.dirname(path.resolve(file)));
  config.file = path.resolve(file);
  config.explicitKeys = [];
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return config;
  if (!isMap(root)) return fail(root as Node, '', 'the config must be a mapping of settings');

  const strings = (node: unknown, key: string): string[] => {
    if (!isSeq(node)) return fail(node as Node, key, 'must be a list of strings');
    return node.items.map((item) => {
      if (!isScalar(item) || typeof item.value !== 'string' || item.value === '') return fail(item as Node, key, 'must be a list of non-empty strings');
      return item.value;
    });
  };
  // Patterns come with the repository: one too large to match cheaply is refused where it is written.
  const globs = (node: unknown, key: string): string[] => {
    const list = strings(node, key);
    (node as { items: Node[] }).items.forEach((item, i) => {
      const problem = globProblem(list[i]);
      if (problem) fail(item, key, problem);
    });
    return list;
  };
  const bool = (node: unknown, key: string): boolean => {
    if (!isScalar(node) || typeof node.value !== 'boolean') return fail(node as Node, key, 'must be true or false');
    return node.value;
  };

  for (const pair of (root as YAMLMap).items as Pair[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const value = pair.value as Node | null;
    switch (key) {
      case 'floatingTags':
        config.floatingTags = globs(value, key);
        break;
      case 'imageKeys':
        config.imageKeys = strings(value, key);
        break;
      case 'include':
        config.include = globs(value, key);
        break;
      case 'exclude':
        config.exclude = globs(value, key);
        break;
      case 'severity':
        config.severity = readSeverity(value, fail);
        break;
      case 'maxFileSize':
        if (!isScalar(value) || typeof value.value !== 'number' || !Number.isInteger(value.value) || value.value <= 0) fail(value, key, 'must be a positive whole number of bytes');
        config.maxFileSize = (value as { value: number }).value;
        break;
      case 'pinStyle':
        if (!isScalar(value) || (value.value !== 'tag-digest' && value.value !== 'digest')) fail(value, key, 'must be "tag-digest" or "digest"');
        config.pinStyle = (value as { value: PinStyle }).value;
        break;
      case 'verifyDigests':
        config.verifyDigests = bool(value, key);
        break;
      case 'allowances':
        config.allowances = readAllowances(value, file, at, fail, globs);
        break;
      case 'registries':
        config.registries = readRegistries(value, fail, bool);
        break;
      case 'stages':
        config.stages = readStages(value, fail, globs);
        break;
      default:
        fail(pair.key as Node, key, `unknown setting; expected one of ${CONFIG_KEYS.join(', ')}`);
    }
    config.explicitKeys.push(key as ConfigKey);
  }
  return config;
}

export const CONFIG_KEYS: readonly ConfigKey[] = ['floatingTags', 'severity', 'imageKeys', 'include', 'exclude', 'allowances', 'maxFileSize', 'pinStyle', 'verifyDigests', 'registries', 'stages'];

/** Values another source (an editor's settings) may supply for keys a config file leaves unset. */
export type ConfigFallback = Partial<Pick<ImagePinConfig, Exclude<ConfigKey, 'registries'>>>;

/**
 * `config` with every key it does not set explicitly taken from `fallback`: what the config
 * file says wins, so the command line (which reads only the file) and the editor agree on it.
 */
export function withFallback(config: ImagePinConfig, fallback: ConfigFallback): ImagePinConfig {
  const set = new Set(config.explicitKeys ?? []);
  const merged: ImagePinConfig = { ...config };
  for (const key of Object.keys(fallback) as Array<keyof ConfigFallback>) {
    const value = fallback[key];
    if (value !== undefined && !set.has(key)) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  return merged;
}

type Fail = (node: Node | null | undefined, key: string, problem: string) => never;

function readSeverity(node: unknown, fail: Fail): ImagePinConfig['severity'] {
  if (!isMap(node)) return fail(node as Node, 'severity', 'must map rule ids to error, warning, info, hint or off');
  const out: ImagePinConfig['severity'] = {};
  for (const pair of node.items as Pair[]) {
    const rule = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!(RULE_IDS as readonly string[]).includes(rule)) fail(pair.key as Node, `severity.${rule}`, `unknown rule; rules are ${RULE_IDS.join(', ')}`);
    const v = isScalar(pair.value) ? pair.value.value : undefined;
    if (v !== 'error' && v !== 'warning' && v !== 'info' && v !== 'hint' && v !== 'off') fail(pair.value as Node, `severity.${rule}`, 'must be error, warning, info, hint or off');
    out[rule as RuleId] = v as SeveritySetting;
  }
  return out;
}

function readAllowances(
  node: unknown,
  file: string,
  at: (n: Node | null | undefined) => { line: number; column: number },
  fail: Fail,
  strings: (n: unknown, key: string) => string[],
): Allowance[] {
  if (!isSeq(node)) return fail(node as Node, 'allowances', 'must be a list');
  return node.items.map((item, i) => {
    const key = `allowances[${i}]`;
    if (!isMap(item)) return fail(item as Node, key, 'must be a mapping with paths, images, until and reason');
    const allowance: Allowance = { paths: [], images: [], until: '', origin: { file, line: at(item as Node).line } };
    for (const pair of item.items as Pair[]) {
      const k = isScalar(pair.key) ? String(pair.key.value) : '';
      const v = pair.value as Node | null;
      if (k === 'paths' || k === 'images' || k === 'stages') allowance[k] = strings(v, `${key}.${k}`);
      else if (k === 'until') {
        const s = isScalar(v) ? String(v.value) : '';
        if (!isCalendarDate(s)) fail(v, `${key}.until`, 'must be a date written YYYY-MM-DD');
        allowance.until = s;
      } else if (k === 'reason') {
        if (!isScalar(v) || typeof v.value !== 'string') fail(v, `${key}.reason`, 'must be a string');
        allowance.reason = (v as { value: string }).value;
      } else fail(pair.key as Node, `${key}.${k}`, 'unknown key; an allowance has paths, images, stages, until and reason');
    }
    if (!allowance.until) fail(item as Node, `${key}.until`, 'is required: every allowance is time-boxed');
    return allowance;
  });
}

function readStages(node: unknown, fail: Fail, strings: (n: unknown, key: string) => string[]): StageConfig[] {
  if (!isSeq(node)) return fail(node as Node, 'stages', 'must be a list of {name, paths} in promotion order');
  const names = new Set<string>();
  return node.items.map((item, i) => {
    const key = `stages[${i}]`;
    if (!isMap(item)) return fail(item as Node, key, 'must be a mapping with name and paths');
    const stage: StageConfig = { name: '', paths: [] };
    for (const pair of item.items as Pair[]) {
      const k = isScalar(pair.key) ? String(pair.key.value) : '';
      const v = pair.value as Node | null;
      if (k === 'name') {
        if (!isScalar(v) || typeof v.value !== 'string' || !v.value) fail(v, `${key}.name`, 'must be a non-empty string');
        stage.name = (v as { value: string }).value;
        if (names.has(stage.name)) fail(v, `${key}.name`, `"${stage.name}" is already a stage`);
        names.add(stage.name);
      } else if (k === 'paths') stage.paths = strings(v, `${key}.paths`);
      else fail(pair.key as Node, `${key}.${k}`, 'unknown key; a stage has name and paths');
    }
    if (!stage.name) fail(item as Node, `${key}.name`, 'is required');
    if (stage.paths.length === 0) fail(item as Node, `${key}.paths`, 'is required: the globs of the environments in this stage');
    return stage;
  });
}

function readRegistries(node: unknown, fail: Fail, bool: (n: unknown, key: string) => boolean): Record<string, RegistrySettings> {
  if (!isMap(node)) return fail(node as Node, 'registries', 'must map registry hosts to settings');
  const out: Record<string, RegistrySettings> = {};
  for (const pair of node.items as Pair[]) {
    const host = isScalar(pair.key) ? String(pair.key.value) : '';
    const key = `registries.${host}`;
    if (!isMap(pair.value)) fail(pair.value as Node, key, 'must be a mapping with mirror, insecure or ca');
    const settings: RegistrySettings = {};
    for (const p of (pair.value as YAMLMap).items as Pair[]) {
      const k = isScalar(p.key) ? String(p.key.value) : '';
      if (k === 'insecure') settings.insecure = bool(p.value, `${key}.insecure`);
      else if (k === 'mirror' || k === 'ca') {
        if (!isScalar(p.value) || typeof p.value.value !== 'string' || !p.value.value) fail(p.value as Node, `${key}.${k}`, 'must be a non-empty string');
        settings[k] = (p.value as { value: string }).value;
      } else fail(p.key as Node, `${key}.${k}`, 'unknown key; a registry has mirror, insecure and ca');
    }
    out[host] = settings;
  }
  return out;
}

/** Whether `s` is a day that exists, written YYYY-MM-DD (`2026-02-30` and `2026-13-45` are not). */
export function isCalendarDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const date = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === s;
}

/** The effective severity of a rule, or 'off'. */
export function severityOf(config: ImagePinConfig, rule: RuleId): SeveritySetting {
  return config.severity[rule] ?? DEFAULT_SEVERITY[rule];
}
