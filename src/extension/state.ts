import vscode = require('vscode');

/** What the Image and Registry steps remember per workspace folder. */
export interface ImageState {
  lastBuilt?: { ref: string; imageId?: string; size?: number; architecture?: string; os?: string; at: string; dockerfile: string; context: string };
  lastPushed?: { ref: string; digest?: string; uploaded: number; reused: number; at: string };
  /** The registry last pushed to: login server, and the ACR name when it is one. */
  registry?: { loginServer: string; acrName?: string };
  /** The last release made from this folder. */
  lastRelease?: { release: string; namespace: string; chartDir: string; revision: number; status: string; appVersion?: string; at: string };
  /** The last preflight (the image run locally and probed as the kubelet would). */
  lastPreflight?: { image: string; at: string; ok: boolean; summary: string; noEndpoint: boolean; warnings: number };
  /** Release names chosen per chart folder (absolute path). */
  releaseNames?: Record<string, string>;
}

const KEY = 'aksWorker.imageState';

/** Per-folder workflow state in the workspace's memento; fires when it changes. */
export class WorkflowState implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly memento: vscode.Memento) {}

  get(folder: vscode.WorkspaceFolder): ImageState {
    const all = this.memento.get<Record<string, ImageState>>(KEY, {});
    return all[folder.uri.toString()] ?? {};
  }

  async update(folder: vscode.WorkspaceFolder, change: Partial<ImageState>): Promise<void> {
    const all = { ...this.memento.get<Record<string, ImageState>>(KEY, {}) };
    all[folder.uri.toString()] = { ...all[folder.uri.toString()], ...change };
    await this.memento.update(KEY, all);
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
