/**
 * The Image Pin: Environments view in the Explorer: environments grouped by stage (in promotion
 * order), each with the images it deploys: the tag and digest it runs, a status icon, and `≠ staging`
 * where promoting from the stage before would change it (drift). A stage says which stage it promotes
 * to (`→ prod`), since a menu title cannot. Clicking an image reveals where its decisive part is
 * written. The server computes everything (`imagePin/environments`).
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  DID_CHANGE_ENVIRONMENTS,
  ENVIRONMENTS_REQUEST,
  ENVIRONMENTS_VIEW,
  type EnvironmentImageInfo,
  type EnvironmentInfo,
  type EnvironmentsResult,
} from '../../shared/src/protocol';
import { digestOf, shortDigest } from './digest';

/** A node of the view, as its context actions (promote.ts) receive it. `next`: the stage after this node's stage, the target of Promote to Next Stage. */
export type Node =
  | { kind: 'stage'; stage: string; envs: EnvironmentInfo[]; next?: string }
  | { kind: 'env'; env: EnvironmentInfo; next?: string }
  | { kind: 'image'; image: EnvironmentImageInfo; env: EnvironmentInfo; next?: string };

const ICONS: Record<EnvironmentImageInfo['status'], [string, string]> = {
  pinned: ['pass', 'testing.iconPassed'],
  'floating-tag': ['error', 'problemsErrorIcon.foreground'],
  'missing-tag': ['error', 'problemsErrorIcon.foreground'],
  'invalid-reference': ['error', 'problemsErrorIcon.foreground'],
  'unpinned-tag': ['warning', 'problemsWarningIcon.foreground'],
  templated: ['question', 'descriptionForeground'],
};

class EnvironmentsTree implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly client: LanguageClient) {}

  refresh(): void {
    this.changed.fire();
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node) {
      const result = await this.client.sendRequest<EnvironmentsResult>(ENVIRONMENTS_REQUEST);
      const stages = new Map<string, EnvironmentInfo[]>();
      for (const env of result.environments) {
        const list = stages.get(env.stage) ?? [];
        list.push(env);
        stages.set(env.stage, list);
      }
      // The server lists environments in promotion order, so the next stage is the next key.
      const order = [...stages.keys()];
      return [...stages].map(([stage, envs], i) => ({ kind: 'stage', stage, envs, next: order[i + 1] }));
    }
    if (node.kind === 'stage') return node.envs.map((env) => ({ kind: 'env', env, next: node.next }));
    if (node.kind === 'env') return node.env.images.map((image) => ({ kind: 'image', image, env: node.env, next: node.next }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'stage') {
      const item = new vscode.TreeItem(node.stage, vscode.TreeItemCollapsibleState.Expanded);
      item.iconPath = new vscode.ThemeIcon('layers');
      const unpinned = node.envs.reduce((n, e) => n + e.images.filter((i) => i.status !== 'pinned').length, 0);
      item.description = `${node.next ? `→ ${node.next} · ` : ''}${unpinned ? `${unpinned} not pinned` : 'all pinned'}`;
      item.tooltip = promotesTo(node.stage, node.next);
      item.contextValue = contextValue('imagePin.stage', node.next);
      return item;
    }
    if (node.kind === 'env') {
      const item = new vscode.TreeItem(node.env.root, vscode.TreeItemCollapsibleState.Collapsed);
      item.description = node.env.kind;
      item.iconPath = new vscode.ThemeIcon(node.env.incomplete.length ? 'warning' : 'package');
      const incomplete = node.env.incomplete.length ? `Not fully read: ${node.env.incomplete.join('; ')}\n` : '';
      item.tooltip = `${incomplete}${promotesTo(node.env.stage, node.next)}`;
      item.resourceUri = vscode.Uri.parse(node.env.rootUri);
      item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.parse(node.env.rootUri)] };
      item.contextValue = contextValue('imagePin.environment', node.next);
      return item;
    }
    const { image } = node;
    // The image's name as the label; what this stage runs of it (tag and short digest) beside it.
    const item = new vscode.TreeItem(image.image, vscode.TreeItemCollapsibleState.None);
    const [icon, color] = ICONS[image.status];
    item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
    const runs = shortDigest(image.reference.startsWith(image.image) ? image.reference.slice(image.image.length).replace(/^:/, '') : image.reference);
    // Drift first: a narrow sidebar cuts the description's end.
    item.description = [image.drift ? `≠ ${image.drift.stage}` : '', runs, image.status === 'pinned' ? '' : image.status].filter(Boolean).join(' · ');
    const drift = image.drift ? `\nDrift: ${image.drift.stage} runs ${image.drift.reference}` : '';
    item.tooltip = `${image.reference} (${image.status})${drift}\n${promotesTo(node.env.stage, node.next)}`;
    const r = image.range;
    const selection = new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
    item.command = { command: 'vscode.open', title: 'Reveal', arguments: [vscode.Uri.parse(image.uri), { selection }] };
    // Promotion's context actions (promote.ts); Copy Digest only where there is one.
    item.contextValue = contextValue(digestOf(image.reference) ? 'imagePin.image.pinned' : 'imagePin.image', node.next);
    return item;
  }
}

/** Where Promote to Next Stage goes from a stage, for tooltips. */
function promotesTo(stage: string, next: string | undefined): string {
  return next ? `Promote to Next Stage: ${stage} → ${next}` : `${stage} is the last stage`;
}

/** `.toNext` on nodes of a stage with a next one: only they offer Promote to Next Stage (package.json menus). */
function contextValue(base: string, next: string | undefined): string {
  return next ? `${base}.toNext` : base;
}

/** Registers the view; it refreshes whenever the server says its environment model changed. */
export function registerEnvironmentsView(context: vscode.ExtensionContext, client: LanguageClient): vscode.TreeDataProvider<unknown> {
  const tree = new EnvironmentsTree(client);
  context.subscriptions.push(vscode.window.registerTreeDataProvider(ENVIRONMENTS_VIEW, tree), client.onNotification(DID_CHANGE_ENVIRONMENTS, () => tree.refresh()));
  return tree as vscode.TreeDataProvider<unknown>;
}
