/**
 * A multi-file edit the user reviews before it is applied: each file's edits carry a change
 * annotation that needs confirmation, so VS Code shows its refactor preview (grouped by file) and
 * applies nothing until the user accepts. Any command that rewrites many files (pinning a
 * workspace, promoting digests) can build its edit here and apply it with `applyReviewed`.
 */
import { AnnotatedTextEdit, ChangeAnnotation, Connection, OptionalVersionedTextDocumentIdentifier, TextDocumentEdit, TextEdit, WorkspaceEdit } from 'vscode-languageserver';

export interface FileChange {
  uri: string;
  /** The open document's version the edits were computed for, or null for a file read from disk. */
  version: number | null;
  edits: TextEdit[];
  /** What the preview shows for this file's group, e.g. `Pin 3 images in apps/web/deployment.yaml`. */
  label: string;
  description?: string;
}

/** The edit, annotated for review when the client supports change annotations. */
export function reviewedEdit(files: FileChange[], annotate: boolean): WorkspaceEdit {
  const changeAnnotations: Record<string, ChangeAnnotation> = {};
  const documentChanges = files.map((file, i) => {
    const id = `imagePin.file.${i}`;
    if (!annotate) return TextDocumentEdit.create(OptionalVersionedTextDocumentIdentifier.create(file.uri, file.version), file.edits);
    changeAnnotations[id] = ChangeAnnotation.create(file.label, true, file.description);
    const edits = file.edits.map((e) => AnnotatedTextEdit.replace(e.range, e.newText, id));
    return TextDocumentEdit.create(OptionalVersionedTextDocumentIdentifier.create(file.uri, file.version), edits);
  });
  return annotate ? { documentChanges, changeAnnotations } : { documentChanges };
}

/** Applies the edit; false when the user discarded the preview or the editor refused it. */
export async function applyReviewed(connection: Connection, label: string, edit: WorkspaceEdit): Promise<{ applied: boolean; reason?: string }> {
  const result = await connection.workspace.applyEdit({ label, edit });
  return result.applied ? { applied: true } : { applied: false, reason: result.failureReason ?? 'the edit was not applied (discarded in the preview, or the files changed)' };
}
