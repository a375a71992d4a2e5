/**
 * `imagePin/promote`: the promotion `image-pin promote` plans (core/promote), as one WorkspaceEdit for
 * the editor. Every edit is under a change annotation that needs confirmation, so VS Code shows the
 * refactor preview first; documents are stamped with the version the plan was made on (null for files
 * that are not open), so a document that moves on meanwhile makes the editor refuse the edit instead
 * of applying it at the wrong place.
 */
import * as path from 'node:path';
import type { TextDocuments } from 'vscode-languageserver';
import { AnnotatedTextEdit, ChangeAnnotation, OptionalVersionedTextDocumentIdentifier, TextDocumentEdit, type WorkspaceEdit } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { type Move, type Plan, movedOffset, planPromotion } from '../core/promote/plan';
import { movesFromPreviousStages } from '../core/promote/drift';
import { applyEdits } from '../core/fix';
import { LineIndex } from '../core/text';
import type { EnvironmentJudgement } from '../scan/environments';
import type { EnvironmentService } from './environments';
import { PROMOTE_ANNOTATION, type PromoteMove, type PromoteParams, type PromoteResult, type PromotionLens } from '../../../shared/src/protocol';
import { pathToUri, uriToPath } from './workspaceFolders';
import { chartShaForm } from '../scan/chartTemplates';

export function promote(params: PromoteParams, environments: EnvironmentService, documents: TextDocuments<TextDocument>): PromoteResult {
  const folders = environments.folderJudgements();
  const changes: TextDocumentEdit[] = [];
  const moved: PromoteMove[] = [];
  const skipped: string[] = [];
  let equal = 0;
  const errors: string[] = [];
  for (const { folder, judgement } of folders) {
    const display = (p: string) => path.relative(folder, p).split(path.sep).join('/') || '.';
    const plan = planPromotion(judgement.model, judgement.text, { from: params.from, to: params.to, images: params.images, display , shaForm: chartShaForm });
    if (!plan.ok) {
      errors.push(plan.error);
      continue;
    }
    const lines = new Map<string, LineIndex>();
    const lineIndex = (file: string) => {
      let li = lines.get(file);
      if (!li) lines.set(file, (li = new LineIndex(judgement.text(file) ?? '')));
      return li;
    };
    for (const [file, edits] of plan.edits) {
      const uri = pathToUri(file);
      const open = documents.get(uri);
      const text = judgement.text(file);
      if (open && open.getText() !== text) {
        return { moved: [], equal: 0, skipped: [], error: `${display(file)} changed while the promotion was planned; try again` };
      }
      const li = lineIndex(file);
      changes.push(
        TextDocumentEdit.create(
          OptionalVersionedTextDocumentIdentifier.create(uri, open ? open.version : null),
          edits.map((e) => AnnotatedTextEdit.replace(li.range(e.start, e.end), e.newText, PROMOTE_ANNOTATION)),
        ),
      );
    }
    // Where each move is once the edit is applied.
    const edited = new Map<string, LineIndex>();
    const editedIndex = (file: string) => {
      let li = edited.get(file);
      if (!li) edited.set(file, (li = new LineIndex(applyEdits(judgement.text(file) ?? '', plan.edits.get(file) ?? []))));
      return li;
    };
    for (const m of plan.moves) moved.push(moveInfo(m, plan, display, editedIndex(m.file)));
    equal += plan.equal.length;
    skipped.push(...plan.skipped.map((s) => s.reason));
  }
  // A stage unknown in every folder is the user's mistake; unknown in some folders is normal in a multi-root workspace.
  if (errors.length === folders.length) return { moved: [], equal: 0, skipped: [], error: errors[0] ?? 'no stages found: the workspace is still being indexed, or has no environments' };
  const result: PromoteResult = { moved, equal, skipped };
  if (changes.length) {
    const annotation = ChangeAnnotation.create(`Promote ${params.from} → ${params.to}`, true, `${moved.length} image reference${moved.length === 1 ? '' : 's'}`);
    const edit: WorkspaceEdit = { documentChanges: changes, changeAnnotations: { [PROMOTE_ANNOTATION]: annotation } };
    result.edit = edit as PromoteResult['edit'];
  }
  return result;
}

function moveInfo(m: Move, plan: Plan, display: (p: string) => string, li: LineIndex): PromoteMove {
  const at = movedOffset(plan, m);
  return {
    image: m.image,
    environment: m.env ? display(m.env.kind === 'kustomize' ? m.env.root : m.env.rootFile) : display(m.file),
    from: m.from.reference,
    to: m.to.reference,
    uri: pathToUri(m.file),
    range: li.range(at, at),
  };
}

/** For each override in the document that promotion from the previous stage would move: what that stage runs. */
export function promotionLenses(uri: string, environments: EnvironmentService): PromotionLens[] {
  const file = uriToPath(uri);
  if (!file) return [];
  const out: PromotionLens[] = [];
  for (const { folder, judgement } of environments.folderJudgements()) {
    if (!file.startsWith(folder + path.sep)) continue;
    if (!judgement.model.environments.some((e) => e.files.includes(file) || e.rootFile === file || e.root === file)) continue;
    const li = new LineIndex(judgement.text(file) ?? '');
    for (const { from, to, move: m } of movesFromPreviousStages(judgement.model, judgement.text)) {
      if (m.file !== file) continue;
      const runs = m.to.reference.slice(m.image.length).replace(/^:/, '');
      out.push({ range: li.range(m.offset, m.offset), image: m.image, from, to, runs });
    }
  }
  return out;
}
