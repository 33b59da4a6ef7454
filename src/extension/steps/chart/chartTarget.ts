import vscode = require('vscode');
import { basename, dirname } from 'node:path';
import { WorkspaceModel } from '../../workspaceModel';

export interface ChartTarget {
  folder: vscode.WorkspaceFolder;
  /** Absolute path of the chart folder. */
  dir: string;
  name: string;
}

/** The chart whose values.yaml `values` is (a Chart.yaml beside it, in a workspace folder), else undefined. */
export async function chartOfValues(model: WorkspaceModel, values: vscode.Uri): Promise<ChartTarget | undefined> {
  if (values.scheme !== 'file' || basename(values.fsPath) !== 'values.yaml') return undefined;
  const dir = dirname(values.fsPath);
  const folders = await model.get();
  for (const { folder, scan } of folders) {
    const c = scan.charts.find((x) => !x.error && vscode.Uri.joinPath(folder.uri, x.dir).fsPath === dir);
    if (c) return { folder, dir, name: c.name ?? basename(c.dir) };
  }
  const chartYaml = vscode.Uri.joinPath(vscode.Uri.file(dir), 'Chart.yaml');
  const text = await vscode.workspace.fs.readFile(chartYaml).then((b) => new TextDecoder().decode(b), () => undefined);
  const folder = vscode.workspace.getWorkspaceFolder(chartYaml);
  return text !== undefined && folder ? { folder, dir, name: /^name:\s*["']?([^"'\s#]+)/m.exec(text)?.[1] ?? basename(dir) } : undefined;
}

/** The chart a command acts on: the right-clicked chart folder or chart file, else one picked. */
export async function pickChart(model: WorkspaceModel, target: unknown, title: string): Promise<ChartTarget | undefined> {
  const folders = await model.get();
  const charts = folders.flatMap(({ folder, scan }) =>
    scan.charts.filter((c) => !c.error).map((c) => ({ folder, dir: vscode.Uri.joinPath(folder.uri, c.dir).fsPath, name: c.name ?? basename(c.dir) })),
  );
  if (target instanceof vscode.Uri) {
    const p = target.fsPath;
    const found = charts.find((c) => c.dir === p || c.dir === dirname(p));
    if (found) return found;
    // A chart the workspace scan has not seen yet (just created, say): read it directly.
    for (const dir of [p, dirname(p)]) {
      const chartYaml = vscode.Uri.joinPath(vscode.Uri.file(dir), 'Chart.yaml');
      const text = await vscode.workspace.fs.readFile(chartYaml).then((b) => new TextDecoder().decode(b), () => undefined);
      const folder = vscode.workspace.getWorkspaceFolder(chartYaml);
      if (text !== undefined && folder) return { folder, dir, name: /^name:\s*["']?([^"'\s#]+)/m.exec(text)?.[1] ?? basename(dir) };
    }
  }
  if (charts.length === 0) {
    const create = 'Create Worker Chart';
    if ((await vscode.window.showWarningMessage('No Helm chart in the workspace yet.', create)) === create) await vscode.commands.executeCommand('aksWorker.createChart');
    return undefined;
  }
  if (charts.length === 1) return charts[0];
  const pick = await vscode.window.showQuickPick(
    charts.map((c) => ({ label: c.name, description: vscode.workspace.asRelativePath(c.dir), c })),
    { title, placeHolder: 'Which chart?' },
  );
  return pick?.c;
}
