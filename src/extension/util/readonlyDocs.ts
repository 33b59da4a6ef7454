import vscode = require('vscode');

const SCHEME = 'aks-worker-render';
const texts = new Map<string, string>();
const changed = new vscode.EventEmitter<vscode.Uri>();
let provider: vscode.Disposable | undefined;

/** Opens text in a read-only document (rendered manifests, NOTES, describe output, logs). */
export async function showReadOnly(name: string, text: string, options: { language?: string; beside?: boolean; preserveFocus?: boolean } = {}): Promise<vscode.TextDocument> {
  provider ??= vscode.workspace.registerTextDocumentContentProvider(SCHEME, { onDidChange: changed.event, provideTextDocumentContent: (uri) => texts.get(uri.path) ?? '' });
  const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${name}` });
  texts.set(uri.path, text);
  changed.fire(uri);
  let doc = await vscode.workspace.openTextDocument(uri);
  if (options.language && doc.languageId !== options.language) doc = await vscode.languages.setTextDocumentLanguage(doc, options.language);
  await vscode.window.showTextDocument(doc, { preview: false, viewColumn: options.beside ? vscode.ViewColumn.Beside : undefined, preserveFocus: options.preserveFocus });
  return doc;
}

export function disposeReadOnly(): void {
  provider?.dispose();
  provider = undefined;
  texts.clear();
}
