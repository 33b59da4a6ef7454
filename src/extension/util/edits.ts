import vscode = require('vscode');

/** Replaces only the changed span of a document: Undo restores it, the cursor elsewhere stays put. */
export function minimalEdit(edit: vscode.WorkspaceEdit, doc: vscode.TextDocument, next: string): void {
  const old = doc.getText();
  if (old === next) return;
  let start = 0;
  while (start < old.length && start < next.length && old[start] === next[start]) start++;
  let endOld = old.length;
  let endNew = next.length;
  while (endOld > start && endNew > start && old[endOld - 1] === next[endNew - 1]) {
    endOld--;
    endNew--;
  }
  edit.replace(doc.uri, new vscode.Range(doc.positionAt(start), doc.positionAt(endOld)), next.slice(start, endNew));
}
