/**
 * Promotion in VS Code: the Environments view's context actions (Promote to Next Stage, Promote…, Copy
 * Digest, Reveal), the command Image Pin: Promote Stage…, and the optional CodeLens over overrides.
 * The server plans everything (`imagePin/promote`, `imagePin/promotionLenses`); this only asks, shows
 * the edit in the refactor preview, and leaves saving to the user.
 *
 * The preview: the edit's change annotation needs confirmation, which is what makes VS Code show its
 * refactor preview for an extension's edit (`applyEdit`'s `isRefactoring` only lets VS Code save it).
 * Changes that need confirmation start unticked: the user ticks the promotion and clicks Apply.
 * Apply with nothing ticked, or Discard, applies nothing and `applyEdit` answers false.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  CLIENT_COMMANDS,
  ENVIRONMENTS_REQUEST,
  PROMOTE_REQUEST,
  PROMOTION_LENSES_REQUEST,
  type EnvironmentsResult,
  type PromoteParams,
  type PromoteResult,
  type PromotionLens,
} from '../../shared/src/protocol';
import { digestOf, shortDigest } from './digest';
import type { Node } from './environmentsView';
import type { Reports } from './reports';

const PROMOTE_COMMANDS = CLIENT_COMMANDS;

/** A node of the Environments view, as its context actions receive it. */
type ViewNode = Node;

/** The stages in promotion order, from the server's environment list. */
function stagesIn(result: EnvironmentsResult): string[] {
  const order = new Map<string, number>();
  for (const e of result.environments) if (!order.has(e.stage)) order.set(e.stage, e.stageOrder);
  return [...order].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).map(([s]) => s);
}

function stageOf(node: ViewNode | undefined): string | undefined {
  if (!node) return undefined;
  return node.kind === 'stage' ? node.stage : node.env?.stage;
}

export function registerPromotion(context: vscode.ExtensionContext, client: LanguageClient, reports: Reports): void {
  const environments = () => client.sendRequest<EnvironmentsResult>(ENVIRONMENTS_REQUEST);

  /** Asks the server for the edit, shows it for confirmation, applies it unsaved; returns the result, and whether it was applied, for callers (tests). */
  const run = async (params: PromoteParams): Promise<(PromoteResult & { applied?: boolean }) | undefined> => {
    const result = await client.sendRequest<PromoteResult>(PROMOTE_REQUEST, params);
    if (result.error) {
      reports.show({ kind: 'error', message: `Image Pin: ${result.error}` });
      return result;
    }
    const skipped = result.skipped.length ? ` Skipped: ${result.skipped.join('; ')}` : '';
    if (!result.edit) {
      reports.show({ kind: result.skipped.length ? 'warning' : 'info', message: `Image Pin: nothing to promote from ${params.from} to ${params.to} (${result.equal} already equal).${skipped}` });
      return result;
    }
    const edit = (await client.protocol2CodeConverter.asWorkspaceEdit(result.edit as never))!;
    // Not `isRefactoring`: it lets VS Code save the files the edit touched (`files.refactoring.autoSave`),
    // and a promotion stays unsaved until the user saves.
    const applied = await vscode.workspace.applyEdit(edit);
    if (!applied) {
      reports.show({
        kind: 'warning',
        message: `Image Pin: nothing was promoted from ${params.from} to ${params.to}: the preview was discarded or applied with the promotion unticked (or a file changed meanwhile).`,
      });
      return { ...result, applied: false };
    }
    const files = new Set(result.moved.map((m) => m.uri)).size;
    const n = result.moved.length;
    reports.show({
      kind: result.skipped.length ? 'warning' : 'info',
      message: `Image Pin: promoted ${n} image reference${n === 1 ? '' : 's'} from ${params.from} to ${params.to} in ${files} file${files === 1 ? '' : 's'}. Not saved: save the files to keep them (Undo reverts).${skipped}`,
      actions: ['saveAll'],
    });
    return { ...result, applied: true };
  };

  /** Quick picks: source (`suggested` first), target (after it; the next stage first) and, optionally, images. */
  const pick = async (fromStage?: string, images?: string[], chooseImages = false, suggested?: string): Promise<PromoteParams | undefined> => {
    const list = await environments();
    const stages = stagesIn(list);
    if (stages.length < 2) {
      reports.show({ kind: 'warning', message: `Image Pin: promotion needs two stages; found ${stages.length ? stages.join(', ') : 'none'}${list.complete ? '' : ' (still indexing)'}.` });
      return undefined;
    }
    const sources = stages.slice(0, -1);
    if (suggested && sources.includes(suggested)) sources.unshift(...sources.splice(sources.indexOf(suggested), 1));
    const from = fromStage ?? (await vscode.window.showQuickPick(sources, { title: 'Promote from stage', placeHolder: 'source stage' }));
    if (!from) return undefined;
    const later = stages.slice(stages.indexOf(from) + 1);
    const to = await vscode.window.showQuickPick(later.length ? later : stages.filter((s) => s !== from), { title: `Promote ${from} to stage`, placeHolder: 'target stage' });
    if (!to) return undefined;
    if (images || !chooseImages) return { from, to, ...(images ? { images } : {}) };
    const names = (stage: string) => new Set(list.environments.filter((e) => e.stage === stage).flatMap((e) => e.images.map((i) => i.image)));
    const target = names(to);
    const both = [...names(from)].filter((i) => target.has(i)).sort();
    if (both.length === 0) {
      reports.show({ kind: 'info', message: `Image Pin: ${from} and ${to} deploy no image in common.` });
      return undefined;
    }
    const chosen = await vscode.window.showQuickPick(
      both.map((label) => ({ label, picked: true })),
      { title: `Images to promote from ${from} to ${to}`, canPickMany: true },
    );
    if (!chosen || chosen.length === 0) return undefined;
    return { from, to, ...(chosen.length < both.length ? { images: chosen.map((c) => c.label) } : {}) };
  };

  const imagesOf = (node: ViewNode | undefined) => (node?.kind === 'image' ? [node.image.image] : undefined);

  context.subscriptions.push(
    vscode.commands.registerCommand(PROMOTE_COMMANDS.promoteStage, async (params?: PromoteParams) => {
      // With arguments (scripts, tests): no questions asked.
      const chosen = params ?? (await pick(undefined, undefined, true));
      return chosen ? run(chosen) : undefined;
    }),
    vscode.commands.registerCommand(PROMOTE_COMMANDS.promoteToNext, async (node?: ViewNode) => {
      const from = stageOf(node);
      if (!from) return undefined;
      const stages = stagesIn(await environments());
      const to = stages[stages.indexOf(from) + 1];
      if (!to) {
        reports.show({ kind: 'info', message: `Image Pin: ${from} is the last stage.` });
        return undefined;
      }
      const images = imagesOf(node);
      return run({ from, to, ...(images ? { images } : {}) });
    }),
    vscode.commands.registerCommand(PROMOTE_COMMANDS.promotePick, async (node?: ViewNode) => {
      const chosen = await pick(undefined, imagesOf(node), false, stageOf(node));
      return chosen ? run(chosen) : undefined;
    }),
    vscode.commands.registerCommand(PROMOTE_COMMANDS.copyDigest, async (node?: ViewNode) => {
      if (node?.kind !== 'image') return;
      const digest = digestOf(node.image.reference);
      if (!digest) {
        reports.show({ kind: 'warning', message: `Image Pin: ${node.image.reference} has no digest.` });
        return;
      }
      await vscode.env.clipboard.writeText(digest);
      reports.show({ kind: 'status', message: `Copied ${digest}` });
    }),
    vscode.commands.registerCommand(PROMOTE_COMMANDS.reveal, async (node?: ViewNode) => {
      if (node?.kind !== 'image') return;
      const r = node.image.range;
      await vscode.window.showTextDocument(vscode.Uri.parse(node.image.uri), { selection: new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character) });
    }),
    vscode.languages.registerCodeLensProvider([{ language: 'yaml' }, { language: 'helm' }], new PromotionLenses(client)),
  );
}

/** `staging runs 1.4.2@sha256:ab12… · Promote from staging` over each override the previous stage would move (off by default). */
class PromotionLenses implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly client: LanguageClient) {
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('imagePin.codeLens.promotion')) this.changed.fire();
    });
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!vscode.workspace.getConfiguration('imagePin', document.uri).get<boolean>('codeLens.promotion', false)) return [];
    const lenses = await this.client.sendRequest<PromotionLens[]>(PROMOTION_LENSES_REQUEST, { uri: document.uri.toString() });
    return lenses.map((l) => {
      const range = new vscode.Range(l.range.start.line, 0, l.range.start.line, 0);
      return new vscode.CodeLens(range, {
        title: `${l.from} runs ${shortDigest(l.runs)} · Promote from ${l.from}`,
        command: PROMOTE_COMMANDS.promoteStage,
        arguments: [{ from: l.from, to: l.to, images: [l.image] } satisfies PromoteParams],
      });
    });
  }
}
