/**
 * What the editor tells the user after a pin: a status-bar line for one reference pinned, a
 * summary with buttons for several, and for failures what went wrong and where to fix it. Pure:
 * results in, `Report`s out.
 */
import type { PinCommandResult, Report, ReportAction } from './protocol';
import { UNTRUSTED_MESSAGE } from './registryAccess';

/** Failures that a mirror, a proxy or a CA in the settings usually fixes. */
const NETWORK_CODES = new Set(['unreachable', 'timeout', 'tls', 'insecure']);

export const UNTRUSTED_REPORT: Report = { kind: 'warning', message: UNTRUSTED_MESSAGE, actions: ['manageTrust'] };

/** `sha256:6515f8…`: enough to recognise a digest in a status line. */
export function shortDigest(digest: string): string {
  const colon = digest.indexOf(':');
  return `${digest.slice(0, colon + 7)}…`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * The report of a pin that was applied (or of its failures). `single`: the user asked for one
 * reference (quick fix, pin at cursor), so one success is a status-bar line.
 * `display` names a file for the output channel.
 */
export function pinReport(result: PinCommandResult, opts: { single: boolean; display: (uri: string) => string }): Report | undefined {
  const { pins, failed } = result;
  const details = [
    ...pins.map((p) => `pinned ${p.reference} → ${p.digest}${p.mirror ? ` (via mirror ${p.mirror})` : ''} in ${opts.display(p.uri)}`),
    ...failed.map((f) => `could not pin ${f.reference} in ${opts.display(f.uri)}: ${f.error}`),
  ];
  const network = failed.some((f) => f.code !== undefined && NETWORK_CODES.has(f.code));
  const fixActions: ReportAction[] = network ? ['openSettings', 'showOutput'] : ['showOutput'];
  const settingsQuery = network ? 'imagePin.registries' : undefined;

  if (failed.length === 0 && pins.length === 0) return undefined;
  if (failed.length === 0 && pins.length === 1 && opts.single) {
    const p = pins[0];
    return { kind: 'status', message: `Pinned ${p.reference} → ${shortDigest(p.digest)}${p.mirror ? ` via mirror ${p.mirror}` : ''}`, details };
  }
  if (pins.length === 0 && failed.length === 1) {
    return { kind: 'error', message: `Image Pin could not pin ${failed[0].reference}: ${failed[0].error}`, actions: fixActions, settingsQuery, details };
  }
  const mirrors = new Set(pins.map((p) => p.mirror ?? ''));
  const via = mirrors.size === 1 && pins[0]?.mirror ? ` via mirror ${pins[0].mirror}` : '';
  let message = `Image Pin pinned ${plural(pins.length, 'reference')} in ${plural(result.files, 'file')}${via}`;
  if (failed.length > 0) {
    message += `; ${failed.length} could not be pinned`;
    // The first reason, so the toast says what to fix; the output channel lists every one.
    message += ` (${failed[0].reference}: ${failed[0].error}${failed.length > 1 ? '; see the output for the others' : ''})`;
  } else message += '.';
  const actions: ReportAction[] = pins.length > 0 ? [...fixActions, 'saveAll'] : fixActions;
  return { kind: failed.length > 0 ? 'warning' : 'info', message, actions, settingsQuery, details };
}
