import vscode = require('vscode');
import type { ChartInfo, ProbeSummary } from '../core/chartFiles';
import { WorkspaceScan, byDepth, isDockerfileName } from '../core/workspace';

const EXCLUDE = '{**/node_modules/**,**/bin/**,**/obj/**,**/.git/**,**/.vs/**}';
const WATCH = '**/{Chart.yaml,values.yaml,*.csproj,*.fsproj,*.vbproj,*.sln,*.slnx,*.props,*.targets,*[Dd]ockerfile*}';
/** The names WATCH matches, for changes VS Code itself reports (saves, creates, deletes, renames). */
const WATCHED_NAME = /(^|\/)(Chart\.yaml|values\.yaml|[^/]*\.(csproj|fsproj|vbproj|sln|slnx|props|targets)|[^/]*[Dd]ockerfile[^/]*)$/;

export interface FolderScan {
  folder: vscode.WorkspaceFolder;
  scan: WorkspaceScan;
}

const decoder = new TextDecoder();

/**
 * What the workspace holds for the workflow: Dockerfiles, .NET projects, charts. Rescans (debounced)
 * when such files change and keeps the context keys that menus use up to date.
 */
export class WorkspaceModel implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private folders: FolderScan[] = [];
  private pending: Promise<FolderScan[]> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor() {
    const watcher = vscode.workspace.createFileSystemWatcher(WATCH);
    const schedule = (uri?: vscode.Uri) => {
      // A project or MSBuild file changed: evaluations cached for Add Dockerfile are stale.
      if (uri && /\.(csproj|fsproj|vbproj|props|targets)$/i.test(uri.path)) void import('../tools/dotnetProject').then((m) => m.clearProjectCache());
      this.scheduleRescan();
    };
    // Changes made through VS Code are also taken from its own events: a file watcher can miss
    // events (a folder created a moment before its files, a busy machine), these cannot.
    const ours = (uri: vscode.Uri) => {
      if (uri.scheme === 'file' && WATCHED_NAME.test(uri.path)) schedule(uri);
    };
    this.disposables.push(
      watcher,
      watcher.onDidCreate(schedule),
      watcher.onDidDelete(schedule),
      watcher.onDidChange(schedule),
      vscode.workspace.onDidChangeWorkspaceFolders(() => schedule()),
      vscode.workspace.onDidSaveTextDocument((d) => ours(d.uri)),
      vscode.workspace.onDidCreateFiles((e) => e.files.forEach(ours)),
      vscode.workspace.onDidDeleteFiles((e) => e.files.forEach(ours)),
      vscode.workspace.onDidRenameFiles((e) => e.files.forEach((f) => (ours(f.oldUri), ours(f.newUri)))),
    );
  }

  /** The latest scan; scans on first use. */
  async get(): Promise<FolderScan[]> {
    if (!this.pending) this.pending = this.scan();
    return this.pending;
  }

  rescan(): Promise<FolderScan[]> {
    this.pending = this.scan();
    return this.pending;
  }

  private scheduleRescan(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.rescan();
    }, 300);
  }

  private generation = 0;

  private async scan(): Promise<FolderScan[]> {
    const generation = ++this.generation;
    const folders = vscode.workspace.workspaceFolders ?? [];
    const result = await Promise.all(folders.map((f) => scanFolder(f)));
    // A scan that finished after a later one started says nothing new: the later one will.
    if (generation !== this.generation) return result;
    this.folders = result;
    await this.updateContextKeys();
    this.changed.fire();
    return result;
  }

  /** Absolute paths of chart folders, for `resourcePath in aksWorker.chartFolders`. */
  chartFolders(): string[] {
    return this.folders.flatMap(({ folder, scan }) => scan.charts.map((c) => vscode.Uri.joinPath(folder.uri, c.dir).fsPath));
  }

  private async updateContextKeys(): Promise<void> {
    const any = (f: (s: WorkspaceScan) => boolean) => this.folders.some(({ scan }) => f(scan));
    await Promise.all([
      vscode.commands.executeCommand('setContext', 'aksWorker.chartFolders', this.chartFolders()),
      vscode.commands.executeCommand('setContext', 'aksWorker.hasChart', any((s) => s.charts.length > 0)),
      vscode.commands.executeCommand('setContext', 'aksWorker.hasDockerfile', any((s) => s.dockerfiles.length > 0)),
      vscode.commands.executeCommand('setContext', 'aksWorker.hasDotnetProject', any((s) => s.projects.length > 0)),
    ]);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}

async function scanFolder(folder: vscode.WorkspaceFolder): Promise<FolderScan> {
  // The YAML parser loads on first scan, not with the extension.
  const { parseChartYaml, readValuesProbes } = await import('../core/chartFiles');
  const { MAX_SCAN_BYTES, guardSize } = await import('../core/parseLimits');
  const find = (glob: string) => vscode.workspace.findFiles(new vscode.RelativePattern(folder, glob), EXCLUDE, 2000);
  const rel = (uri: vscode.Uri) => vscode.workspace.asRelativePath(uri, false).split('\\').join('/');
  const [dockerUris, projectUris, slnUris, chartUris] = await Promise.all([
    find('**/*[Dd]ockerfile*'),
    find('**/*.{csproj,fsproj,vbproj}'),
    find('**/*.{sln,slnx}'),
    find('**/Chart.yaml'),
  ]);
  const charts = await Promise.all(
    chartUris.map(async (uri) => {
      const dirUri = vscode.Uri.joinPath(uri, '..');
      const dir = rel(dirUri);
      // A file of the repository is read only when its size is within the parse limit, and whatever it
      // holds ends as a problem of its chart, never as an error of the scan.
      const readBounded = async (file: vscode.Uri, name: string) => {
        const { size } = await vscode.workspace.fs.stat(file);
        if (size > MAX_SCAN_BYTES) guardSize(size, name, MAX_SCAN_BYTES);
        return decoder.decode(await vscode.workspace.fs.readFile(file));
      };
      let info: ChartInfo;
      try {
        info = parseChartYaml(dir, await readBounded(uri, 'Chart.yaml'));
      } catch (err) {
        info = { dir, error: `Chart.yaml could not be read: ${(err as Error).message}` };
      }
      let probes: ProbeSummary[] = [];
      const valuesUri = vscode.Uri.joinPath(dirUri, 'values.yaml');
      let text: string | undefined;
      try {
        text = await readBounded(valuesUri, 'values.yaml');
      } catch (err) {
        // a chart without values.yaml has no probes to show; one too large to read says so
        if (!(err instanceof vscode.FileSystemError)) info = { ...info, valuesError: (err as Error).message };
      }
      if (text !== undefined) {
        try {
          const read = readValuesProbes(text);
          probes = read.probes;
          if (read.error) info = { ...info, valuesError: read.error };
        } catch (err) {
          info = { ...info, valuesError: `values.yaml could not be read: ${(err as Error).message}` };
        }
      }
      return { ...info, probes };
    }),
  );
  const dockerUrisKept = dockerUris.filter((u) => isDockerfileName(u.path.split('/').pop() ?? ''));
  const dockerfiles = dockerUrisKept.map(rel);
  const { describeBaseStage } = await import('../core/dockerfile');
  const dockerfileBases: NonNullable<WorkspaceScan['dockerfileBases']> = {};
  await Promise.all(
    dockerUrisKept.map(async (uri) => {
      try {
        const base = describeBaseStage(decoder.decode(await vscode.workspace.fs.readFile(uri)));
        if (base) dockerfileBases[rel(uri)] = base;
      } catch {
        /* unreadable: shown without its base image */
      }
    }),
  );
  return {
    folder,
    scan: {
      dockerfiles: dockerfiles.sort(byDepth),
      dockerfileBases,
      projects: projectUris.map(rel).sort(byDepth),
      solutions: slnUris.map(rel).sort(byDepth),
      charts: charts.sort((a, b) => byDepth(a.dir, b.dir)),
    },
  };
}
