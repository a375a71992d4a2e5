/**
 * The Image Pin: Environments view in the Explorer: environments grouped by stage (in promotion
 * order), each with the images it deploys and a status icon; clicking an image reveals where its
 * decisive part is written. The server computes everything (`imagePin/environments`).
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

type Node = { kind: 'stage'; stage: string; envs: EnvironmentInfo[] } | { kind: 'env'; env: EnvironmentInfo } | { kind: 'image'; image: EnvironmentImageInfo };

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
      return [...stages].map(([stage, envs]) => ({ kind: 'stage', stage, envs }));
    }
    if (node.kind === 'stage') return node.envs.map((env) => ({ kind: 'env', env }));
    if (node.kind === 'env') return node.env.images.map((image) => ({ kind: 'image', image }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'stage') {
      const item = new vscode.TreeItem(node.stage, vscode.TreeItemCollapsibleState.Expanded);
      item.iconPath = new vscode.ThemeIcon('layers');
      const unpinned = node.envs.reduce((n, e) => n + e.images.filter((i) => i.status !== 'pinned').length, 0);
      item.description = unpinned ? `${unpinned} not pinned` : 'all pinned';
      return item;
    }
    if (node.kind === 'env') {
      const item = new vscode.TreeItem(node.env.root, vscode.TreeItemCollapsibleState.Collapsed);
      item.description = node.env.kind;
      item.iconPath = new vscode.ThemeIcon(node.env.incomplete.length ? 'warning' : 'package');
      item.tooltip = node.env.incomplete.length ? `Not fully read: ${node.env.incomplete.join('; ')}` : undefined;
      item.resourceUri = vscode.Uri.parse(node.env.rootUri);
      item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.parse(node.env.rootUri)] };
      return item;
    }
    const { image } = node;
    const item = new vscode.TreeItem(image.reference, vscode.TreeItemCollapsibleState.None);
    const [icon, color] = ICONS[image.status];
    item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
    item.description = image.status === 'pinned' ? undefined : image.status;
    item.tooltip = `${image.reference} (${image.status})`;
    const r = image.range;
    const selection = new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
    item.command = { command: 'vscode.open', title: 'Reveal', arguments: [vscode.Uri.parse(image.uri), { selection }] };
    return item;
  }
}

/** Registers the view; it refreshes whenever the server says its environment model changed. */
export function registerEnvironmentsView(context: vscode.ExtensionContext, client: LanguageClient): void {
  const tree = new EnvironmentsTree(client);
  context.subscriptions.push(vscode.window.registerTreeDataProvider(ENVIRONMENTS_VIEW, tree), client.onNotification(DID_CHANGE_ENVIRONMENTS, () => tree.refresh()));
}
