import vscode = require('vscode');
import { DoctorReport, doctor, formatDoctorReport } from '../../tools/doctor';
import { toolPaths } from '../util/config';
import { openInstallPage, openToolSetting, toolDescriptor } from '../util/toolFixes';
import { localRoots, pageHtml } from '../util/webview';
import { HostMessage, isPageMessage } from './protocol';

/** Runs the tool checks (only in a trusted workspace) and logs them. */
export async function runDoctor(log: vscode.LogOutputChannel): Promise<DoctorReport> {
  const report = await doctor({ paths: toolPaths() });
  log.info('Doctor:');
  for (const line of formatDoctorReport(report)) log.info(`  ${line}`);
  return report;
}

/** The Doctor panel: each tool's path, version and what to do when it is missing. One at a time. */
export class DoctorPanel implements vscode.Disposable {
  static readonly viewType = 'aksWorker.doctor';
  private static current: DoctorPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private lastReport: HostMessage | undefined;

  static show(extensionUri: vscode.Uri, log: vscode.LogOutputChannel): DoctorPanel {
    if (DoctorPanel.current) {
      DoctorPanel.current.panel.reveal();
      void DoctorPanel.current.check();
      return DoctorPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(DoctorPanel.viewType, 'AKS Worker: Doctor', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: localRoots(extensionUri),
    });
    DoctorPanel.current = new DoctorPanel(panel, extensionUri, log);
    return DoctorPanel.current;
  }

  private constructor(private readonly panel: vscode.WebviewPanel, extensionUri: vscode.Uri, private readonly log: vscode.LogOutputChannel) {
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'aks-worker.svg');
    panel.webview.html = pageHtml(panel.webview, extensionUri, {
      title: 'AKS Worker: Doctor',
      script: 'media/doctor/doctor.js',
      style: 'media/doctor/doctor.css',
      body: `<main>
  <header>
    <h1><span class="codicon codicon-checklist"></span> Tools for the worker workflow</h1>
    <div class="actions">
      <vscode-button id="recheck" icon="refresh">Check again</vscode-button>
      <vscode-button id="output" secondary icon="output">Show output</vscode-button>
    </div>
  </header>
  <p id="summary" role="status" aria-live="polite">Checking…</p>
  <table id="tools" aria-label="Tools"><thead><tr><th>Status</th><th>Tool</th><th>Version</th><th>Path</th><th>Details</th></tr></thead><tbody></tbody></table>
</main>`,
    });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
    );
  }

  private post(message: HostMessage): void {
    if (this.disposed) return; // closed while a check ran
    if (message.type === 'report') this.lastReport = message;
    void this.panel.webview.postMessage(message);
  }

  async check(): Promise<DoctorReport | undefined> {
    if (!vscode.workspace.isTrusted) {
      this.post({ type: 'untrusted' });
      return undefined;
    }
    this.post({ type: 'checking' });
    const report = await runDoctor(this.log);
    this.post({ type: 'report', report, checkedAt: new Date().toISOString(), trusted: true });
    return report;
  }

  private onMessage(message: unknown): void {
    if (!isPageMessage(message)) {
      this.log.warn(`Doctor panel: ignored an unexpected message ${JSON.stringify(message)?.slice(0, 200)}`);
      return;
    }
    switch (message.type) {
      case 'ready':
        if (this.lastReport) this.post(this.lastReport);
        else void this.check();
        break;
      case 'recheck':
        void this.check();
        break;
      case 'openSetting':
        void openToolSetting(message.setting);
        break;
      case 'openInstall': {
        const tool = toolDescriptor(message.tool);
        if (tool) void openInstallPage(tool);
        break;
      }
      case 'showOutput':
        this.log.show(true);
        break;
    }
  }

  private disposed = false;

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    DoctorPanel.current = undefined;
    this.panel.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
