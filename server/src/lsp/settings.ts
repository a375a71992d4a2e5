/**
 * The `imagePin` settings, pulled from the client per workspace folder (or resource) with
 * `workspace/configuration` and kept until the client says they changed. Every value is
 * checked: a wrong type is dropped with a log line, never passed on to the core.
 */
import type { Connection } from 'vscode-languageserver';
import { type ConfigFallback, RULE_IDS } from '../core/config';
import { globProblem } from '../core/glob';
import { EditorSettings, SETTINGS_SECTION } from './protocol';

const SEVERITIES = new Set(['error', 'warning', 'info', 'hint', 'off']);

export class SettingsStore {
  private readonly byScope = new Map<string, Promise<EditorSettings>>();

  constructor(
    private readonly connection: Connection,
    /** Whether the client answers `workspace/configuration`. */
    private readonly pull: boolean,
    /** Settings from initializationOptions, for clients that cannot be asked. */
    private readonly initial: EditorSettings,
  ) {}

  /** The settings that apply to `scopeUri` (a workspace folder or file); the global ones without it. */
  get(scopeUri?: string): Promise<EditorSettings> {
    const key = scopeUri ?? '';
    let settings = this.byScope.get(key);
    if (!settings) {
      settings = this.fetch(scopeUri);
      this.byScope.set(key, settings);
    }
    return settings;
  }

  /** Forgets every pulled value (on `workspace/didChangeConfiguration`). */
  clear(): void {
    this.byScope.clear();
  }

  private async fetch(scopeUri: string | undefined): Promise<EditorSettings> {
    if (!this.pull) return this.initial;
    try {
      const [raw] = await this.connection.sendRequest<unknown[]>('workspace/configuration', { items: [{ scopeUri, section: SETTINGS_SECTION }] });
      return checkSettings(raw, (problem) => this.connection.console.warn(`settings: ${problem}`));
    } catch (err) {
      this.connection.console.warn(`settings: could not read the ${SETTINGS_SECTION} settings (${(err as Error).message}); using defaults`);
      return this.initial;
    }
  }
}

/** Keeps the well-typed settings of a raw `imagePin` section; `warn` hears about the rest. */
export function checkSettings(raw: unknown, warn: (problem: string) => void = () => undefined): EditorSettings {
  const out: EditorSettings = {};
  if (raw === null || raw === undefined) return out;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    warn(`${SETTINGS_SECTION} must be an object`);
    return out;
  }
  const s = raw as Record<string, unknown>;
  const strings = (key: 'floatingTags' | 'imageKeys' | 'include' | 'exclude') => {
    const v = s[key];
    if (v === undefined || v === null) return;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x !== '')) {
      warn(`${SETTINGS_SECTION}.${key} must be a list of non-empty strings; ignored`);
      return;
    }
    const problem = key === 'imageKeys' ? undefined : v.map((x: string) => globProblem(x)).find((p) => p !== undefined);
    if (problem) warn(`${SETTINGS_SECTION}.${key}: ${problem}; ignored`);
    else out[key] = v as string[];
  };
  strings('floatingTags');
  strings('imageKeys');
  strings('include');
  strings('exclude');
  if (s.severity !== undefined && s.severity !== null) {
    if (typeof s.severity === 'object' && !Array.isArray(s.severity)) {
      const severity: NonNullable<EditorSettings['severity']> = {};
      for (const [rule, value] of Object.entries(s.severity as Record<string, unknown>)) {
        if ((RULE_IDS as readonly string[]).includes(rule) && typeof value === 'string' && SEVERITIES.has(value)) {
          severity[rule as keyof typeof severity] = value as NonNullable<EditorSettings['severity']>[keyof typeof severity];
        } else warn(`${SETTINGS_SECTION}.severity.${rule}: expected a rule id mapped to error, warning, info, hint or off; ignored`);
      }
      out.severity = severity;
    } else warn(`${SETTINGS_SECTION}.severity must map rule ids to severities; ignored`);
  }
  if (s.pinStyle !== undefined && s.pinStyle !== null) {
    if (s.pinStyle === 'tag-digest' || s.pinStyle === 'digest') out.pinStyle = s.pinStyle;
    else warn(`${SETTINGS_SECTION}.pinStyle must be "tag-digest" or "digest"; ignored`);
  }
  if (s.cacheTtlSeconds !== undefined && s.cacheTtlSeconds !== null) {
    if (typeof s.cacheTtlSeconds === 'number' && Number.isFinite(s.cacheTtlSeconds) && s.cacheTtlSeconds >= 0) out.cacheTtlSeconds = s.cacheTtlSeconds;
    else warn(`${SETTINGS_SECTION}.cacheTtlSeconds must be a number of seconds, 0 or more; ignored`);
  }
  if (s.verifyDigests !== undefined && s.verifyDigests !== null) {
    if (typeof s.verifyDigests === 'boolean') out.verifyDigests = s.verifyDigests;
    else warn(`${SETTINGS_SECTION}.verifyDigests must be true or false; ignored`);
  }
  if (s.verifyPins !== undefined && s.verifyPins !== null) {
    if (s.verifyPins === 'off' || s.verifyPins === 'onOpen') out.verifyPins = s.verifyPins;
    else warn(`${SETTINGS_SECTION}.verifyPins must be "off" or "onOpen"; ignored`);
  }
  return out;
}

/** The policy part of the settings: what fills in the keys a `.image-pin.yaml` leaves unset. */
export function policyFallback(settings: EditorSettings): ConfigFallback {
  const { floatingTags, severity, pinStyle, imageKeys, include, exclude, verifyDigests } = settings;
  return { floatingTags, severity, pinStyle, imageKeys, include, exclude, verifyDigests };
}
