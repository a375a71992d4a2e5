/**
 * A rule's help, rendered: the rule's section of the installed docs/rules.md in a webview, opened
 * by the `imagePin.showRule` command and by the rule links of Problems and hovers. Those links are
 * `<uriScheme>://image-pin.image-pin/rule#<rule>`, which VS Code hands to this extension's URI
 * handler (a diagnostic's link may not be a `command:` URI: hovers refuse to open those).
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { CLIENT_COMMANDS } from '../../shared/src/protocol';

const RULE_PATH = '/rule';

/** The base the server appends `#<rule>` to for rule links. */
export function ruleLinkBase(context: vscode.ExtensionContext): string {
  return `${vscode.env.uriScheme}://${context.extension.id}${RULE_PATH}`;
}

/** The heading's anchor as Markdown renderers make it: `## \`floating-tag\`` → `floating-tag`. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s+/g, '-');
}

/** The `## ` section of `markdown` whose anchor is `anchor` (up to the next `## `), or undefined. */
function ruleSection(markdown: string, anchor: string): string | undefined {
  const lines = markdown.split(/\r?\n/);
  const start = lines.findIndex((l) => l.startsWith('## ') && slug(l.slice(3)) === anchor);
  if (start < 0) return undefined;
  let end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  if (end < 0) end = lines.length;
  return lines.slice(start, end).join('\n').trim();
}

export class RuleHelp {
  private panel?: vscode.WebviewPanel;
  /** The rule the panel shows now (read by the extension-host tests). */
  shownRule?: string;

  constructor(private readonly context: vscode.ExtensionContext) {
    context.subscriptions.push(
      vscode.commands.registerCommand(CLIENT_COMMANDS.showRule, async (rule: unknown) => {
        const id = typeof rule === 'string' ? rule : await this.pick();
        if (id) await this.show(id);
      }),
      vscode.window.registerUriHandler({
        handleUri: (uri) => {
          if (uri.path === RULE_PATH) void this.show(uri.fragment);
        },
      }),
    );
  }

  /** From the Command Palette: which rule? */
  private async pick(): Promise<string | undefined> {
    const markdown = fs.readFileSync(this.context.asAbsolutePath('docs/rules.md'), 'utf8');
    const rules = markdown.split(/\r?\n/).filter((l) => /^## [a-z-]+$/.test(l)).map((l) => slug(l.slice(3)));
    return vscode.window.showQuickPick(rules, { title: 'Image Pin: which rule?' });
  }

  async show(rule: string): Promise<void> {
    const file = this.context.asAbsolutePath('docs/rules.md');
    const markdown = fs.readFileSync(file, 'utf8');
    const section = ruleSection(markdown, rule);
    const text = section ?? `## Unknown rule \`${rule}\`\n\n[All rules](${vscode.Uri.file(file).toString()})`;
    // VS Code's own Markdown renderer (the built-in Markdown extension), so the page looks like a preview.
    const html = await vscode.commands.executeCommand<string>('markdown.api.render', text).then(
      (rendered) => rendered,
      () => undefined,
    );
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel('imagePin.rule', '', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, { enableScripts: false });
      this.panel.onDidDispose(() => {
        this.panel = undefined;
        this.shownRule = undefined;
      });
    }
    this.panel.title = `Image Pin rule: ${rule}`;
    this.panel.webview.html = page(this.panel.webview, html ?? `<pre>${escapeHtml(text)}</pre>`);
    this.panel.reveal(undefined, false);
    this.shownRule = rule;
  }
}

function page(webview: vscode.Webview, body: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource} 'unsafe-inline'; img-src ${webview.cspSource} https:;">
<style>body{font-family:var(--vscode-markdown-font-family,var(--vscode-font-family));font-size:var(--vscode-markdown-font-size,14px);line-height:1.6;max-width:52em;padding:0 1.5em}code{font-family:var(--vscode-editor-font-family)}pre{background:var(--vscode-textCodeBlock-background);padding:.6em .8em;overflow:auto}</style>
</head><body>${body}</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
