/**
 * Quick fixes for findings. The list is computed from the document's checked state alone (no
 * network): pins carry only data, and their edit is made in `codeAction/resolve`, which looks the
 * digest up with progress and cancellation. Ignore comments and pull policies need no lookup and
 * come with their edit.
 */
import {
  CancellationToken,
  CodeAction,
  CodeActionKind,
  CodeActionParams,
  Diagnostic,
  OptionalVersionedTextDocumentIdentifier,
  TextDocumentEdit,
  TextEdit,
} from 'vscode-languageserver';
import type { PinStyle } from '../core/config';
import { TextEdit as CoreEdit, ignoreEdit, pinEdits, pullPolicyEdit } from '../core/fix';
import { grammarOf } from '../core/rules';
import { LineIndex } from '../core/text';
import type { ImageSite } from '../core/types';
import type { LocatedFinding } from '../scan/checkText';
import { findingDiagnostic } from './diagnostics';
import type { PinService } from './pinning';
import { PINNABLE_RULES } from './findingSummary';
import { FIX_ALL_KIND, INTERNAL_COMMANDS } from './protocol';
import { type DocumentState, type Validator, linesOf } from './validation';
import type { PinVerification } from './verification';

/** What a pin action carries until it is resolved. */
export interface PinActionData {
  uri: string;
  version: number;
  /** Site indexes to pin; absent: every unpinned image of the file. */
  sites?: number[];
  /** Offsets of environment findings that are not sites (a values file's `tag`), to pin there. */
  offsets?: number[];
  style: PinStyle;
}

/** Why pin actions are disabled in an untrusted workspace (VS Code shows it beside the greyed-out action). */
const UNTRUSTED_ACTION_REASON = 'Pinning asks a registry, which Image Pin does not do in an untrusted workspace. Trust the workspace to pin.';

/** `trusted`: false in an untrusted workspace, where pin actions are listed disabled, with the reason. */
export async function codeActions(params: CodeActionParams, validator: Validator, verification?: PinVerification, trusted = true): Promise<CodeAction[]> {
  const uri = params.textDocument.uri;
  const state = await validator.current(uri);
  if (!state?.policy || state.sites === 'none') return [];
  const wants = (kind: string) => !params.context.only || params.context.only.some((o) => kind === o || kind.startsWith(`${o}.`));
  const pinnable = state.summary.pinnable;
  const style = state.policy.config.pinStyle;
  const actions: CodeAction[] = [];

  if (wants(CodeActionKind.QuickFix)) {
    const here = await validator.findingsAt(state, params.range);
    // None: the document changed meanwhile, and the editor asks again for the new version.
    if (!here) return [];
    const lineIndex = () => linesOf(state);
    for (const { finding, site } of here) {
      const diagnostic = findingDiagnostic(finding, uri, state.version);
      if (!site) {
        // An environment's finding at a place that is not a whole reference (a values file's `tag:`).
        if (PINNABLE_RULES.has(finding.rule)) {
          const data: PinActionData = { ...pinData(state, undefined, style), offsets: [finding.span.start] };
          const action: CodeAction = { title: `Pin \`${finding.image}\` to its digest`, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], data };
          if (trusted) action.isPreferred = true;
          actions.push(disabledUnless(trusted, action));
        }
        actions.push(editAction(`Ignore this image (\`# image-pin: ignore ${finding.rule}\`)`, state, lineIndex(), [ignoreEdit(state.text, finding, finding.rule)], diagnostic));
        continue;
      }
      if (PINNABLE_RULES.has(finding.rule)) {
        // An environment's finding pins the effective reference (after renames and inherited registries).
        const shown = finding.place ? (finding.image ?? site.reference) : site.reference;
        actions.push(pinAction(`Pin \`${shown}\` to its digest`, state, diagnostic, [finding.site!], style, true, trusted));
        // The other style only differs for a reference written in one string.
        const other: PinStyle = style === 'digest' ? 'tag-digest' : 'digest';
        if (site.shape === 'scalar' || site.shape === 'argocd-kustomize') {
          const title = other === 'digest' ? `Pin \`${site.reference}\` as digest only` : `Pin \`${site.reference}\` as tag and digest`;
          actions.push(pinAction(title, state, diagnostic, [finding.site!], other, false, trusted));
        }
      }
      if ((finding.rule === 'moved-tag' || finding.rule === 'unknown-digest') && verification) {
        actions.push(...(await verdictActions(state, lineIndex(), site, diagnostic, verification)));
      }
      if (finding.rule === 'pull-policy') {
        const edit = pullPolicyEdit(state.text, site);
        if (edit) actions.push(editAction(`Add \`${site.pullPolicy!.key}: ${site.pullPolicy!.always}\``, state, lineIndex(), [edit], diagnostic));
      }
      actions.push(ignoreAction(state, lineIndex(), site, finding, diagnostic));
    }
    if (pinnable > 1 && here.some((h) => PINNABLE_RULES.has(h.finding.rule))) {
      actions.push(disabledUnless(trusted, { title: 'Pin all images in this file', kind: CodeActionKind.QuickFix, data: pinData(state, undefined, style) }));
    }
  }
  // On save nothing is offered untrusted: a disabled fix-all would only be skipped.
  if (params.context.only && wants(FIX_ALL_KIND) && pinnable > 0 && trusted) {
    actions.push({ title: 'Pin all images in this file', kind: FIX_ALL_KIND, data: pinData(state, undefined, style) });
  }
  return actions;
}

/**
 * Looks the digests up and adds the edit; without a lookup result (or for a changed document)
 * there is no edit, and the failure is reported now. A client that renders reports gets the
 * success message as the action's command, which runs once the edit is applied.
 */
export async function resolveCodeAction(action: CodeAction, token: CancellationToken, pins: PinService, reportsAsCommand: boolean): Promise<CodeAction> {
  const data = action.data as PinActionData | undefined;
  if (!data || typeof data.uri !== 'string' || typeof data.version !== 'number') return action;
  const offsets = Array.isArray(data.offsets) ? data.offsets.filter((o) => typeof o === 'number') : undefined;
  const single = (data.sites?.length ?? 0) + (offsets?.length ?? 0) === 1;
  const { edit, result } = await pins.pinFile(data.uri, { sites: data.sites, offsets, style: data.style }, { token }, data.version);
  if (!edit) {
    pins.report(result, single);
    return action;
  }
  action.edit = edit;
  let report = reportsAsCommand ? pins.reportFor(result, single) : undefined;
  // On save (source.fixAll) a clean result is a status line: the file is being saved anyway.
  if (report && action.kind === FIX_ALL_KIND && result.failed.length === 0) report = { kind: 'status', message: report.message.replace(/\.$/, ''), details: report.details };
  if (report) action.command = { title: 'Show what was pinned', command: INTERNAL_COMMANDS.showReport, arguments: [report] };
  return action;
}

function disabledUnless(trusted: boolean, action: CodeAction): CodeAction {
  if (!trusted) action.disabled = { reason: UNTRUSTED_ACTION_REASON };
  return action;
}

/**
 * The fixes of a moved tag (or a digest that no longer exists while its tag does): take the digest
 * the tag points to now, or keep the pinned artifact and drop the tag. Both come from the verdict,
 * without another request.
 */
async function verdictActions(state: DocumentState, lines: LineIndex, site: ImageSite, diagnostic: Diagnostic, verification: PinVerification): Promise<CodeAction[]> {
  const known = await verification.verdict(site.reference);
  const v = known?.verdict;
  const actions: CodeAction[] = [];
  const now = v?.status === 'moved-tag' ? v.now : v?.status === 'unknown-digest' ? v.tagNow : undefined;
  const tag = grammarOf(site.reference);
  if (now && tag.ok && tag.tag) {
    const fix = pinEdits(state.text, site, now, 'tag-digest');
    if (fix.ok) {
      const action = editAction(`Update the digest to what \`${tag.tag}\` points to now`, state, lines, fix.edits, diagnostic);
      action.isPreferred = true;
      actions.push(action);
    }
  }
  if (v?.status === 'moved-tag' && (site.shape === 'scalar' || site.shape === 'argocd-kustomize')) {
    const fix = pinEdits(state.text, site, v.digest, 'digest');
    if (fix.ok) actions.push(editAction(`Keep the artifact, drop the tag (\`${fix.newReference}\`)`, state, lines, fix.edits, diagnostic));
  }
  return actions;
}

function pinData(state: DocumentState, sites: number[] | undefined, style: PinStyle): PinActionData {
  const data: PinActionData = { uri: state.uri, version: state.version, style };
  if (sites) data.sites = sites;
  return data;
}

function pinAction(title: string, state: DocumentState, diagnostic: Diagnostic, sites: number[], style: PinStyle, preferred: boolean, trusted: boolean): CodeAction {
  const action: CodeAction = { title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], data: pinData(state, sites, style) };
  // A disabled action cannot be the preferred one (Ctrl+. Enter would do nothing).
  if (preferred && trusted) action.isPreferred = true;
  return disabledUnless(trusted, action);
}

function ignoreAction(state: DocumentState, lines: LineIndex, site: ImageSite, finding: LocatedFinding, diagnostic: Diagnostic): CodeAction {
  return editAction(`Ignore this image (\`# image-pin: ignore ${finding.rule}\`)`, state, lines, [ignoreEdit(state.text, site, finding.rule)], diagnostic);
}

function editAction(title: string, state: DocumentState, lines: LineIndex, edits: CoreEdit[], diagnostic: Diagnostic): CodeAction {
  const textEdits = edits.map((e) => TextEdit.replace(lines.range(e.start, e.end), e.newText));
  return {
    title,
    kind: CodeActionKind.QuickFix,
    diagnostics: [diagnostic],
    edit: { documentChanges: [TextDocumentEdit.create(OptionalVersionedTextDocumentIdentifier.create(state.uri, state.version), textEdits)] },
  };
}
