import vscode = require('vscode');
import { DoctorReport } from '../tools/doctor';
import { endAllRunning, runCleanups } from '../tools/process';
import { DoctorPanel, runDoctor } from './doctor/doctorPanel';
import { KubeContextService } from './kubeContext';
import { NamespaceService } from './namespaceService';
import { registerCommand } from './util/commands';
import { fixTool } from './util/toolFixes';
import { createLog } from './util/log';
import { PodsTreeProvider } from './views/podsTree';
import { PodWatcher } from './pods/podWatcher';
import { WorkflowTreeProvider } from './views/workflowTree';
import { ReleaseStatusCache } from './releaseStatus';
import { WorkspaceModel } from './workspaceModel';
import { WorkflowState } from './state';
import { PROBE_EDITOR_VIEW_TYPE, ProbeEditorProvider } from './probes/probeEditor';

/** What `activate` returns: used by the extension-host tests and by other extensions. */
export interface AksWorkerApi {
  /** Milliseconds spent in `activate`. */
  activationMs: number;
  workflow: WorkflowTreeProvider;
  pods: PodsTreeProvider;
  /** The namespace every command uses, and where it comes from. */
  namespaces: NamespaceService;
  /** Runs the tool checks (in a trusted workspace) and returns the report. */
  doctor(): Promise<DoctorReport>;
}

export function activate(context: vscode.ExtensionContext): AksWorkerApi {
  const started = performance.now();
  const version = String((context.extension.packageJSON as { version?: string }).version ?? '');
  const log = createLog();
  const model = new WorkspaceModel();
  const kube = new KubeContextService(log);
  const state = new WorkflowState(context.workspaceState);
  const releases = new ReleaseStatusCache(kube, log);
  const workflow = new WorkflowTreeProvider(model, kube, state, releases);
  workflow.walkthroughStepPrefix = `${context.extension.id}#deployWorker#`;
  const namespaces = new NamespaceService(kube, context.workspaceState);
  kube.attachNamespaces(namespaces);
  const watcher = new PodWatcher(namespaces, log);
  const pods = new PodsTreeProvider(watcher);
  context.subscriptions.push(log, model, kube, state, releases, namespaces, watcher, workflow, pods);

  const workflowView = vscode.window.createTreeView('aksWorker.workflow', { treeDataProvider: workflow, showCollapseAll: true });
  const podsView = vscode.window.createTreeView('aksWorker.pods', { treeDataProvider: pods, showCollapseAll: true });
  // Watch only while the view can be seen; resume where the user left it.
  let podsWanted = false;
  const showNamespace = () => (podsView.description = watcher.watching || podsWanted ? `namespace ${watcher.namespace}` : undefined);
  context.subscriptions.push(
    workflowView,
    podsView,
    podsView.onDidChangeVisibility((e) => {
      if (!podsWanted) return;
      if (e.visible) watcher.start();
      else watcher.stop();
    }),
    watcher.onDidChange(showNamespace),

  );

  const command = (id: string, title: string, runsTools: boolean, run: (...args: unknown[]) => unknown) =>
    registerCommand(context, log, { id, title, runsTools, run });

  command('aksWorker.doctor', 'Doctor (check tools)', false, async () => {
    // The panel itself says why nothing runs in Restricted Mode.
    await DoctorPanel.show(context.extensionUri, log).check();
  });
  command('aksWorker.switchContext', 'Switch Kubernetes Context', true, () => kube.pickAndSwitch());
  // The fix-it rows of the views (Set Path…, Install…); not in the Command Palette.
  command('aksWorker.fixTool', 'Fix Tool', false, (action, setting) => fixTool(action, setting));
  command('aksWorker.refreshWorkflow', 'Refresh', false, () => workflow.refresh());
  command('aksWorker.refreshPods', 'Refresh', true, async () => {
    await kube.refresh();
    if (podsWanted) watcher.restart();
    pods.refresh();
  });
  command('aksWorker.watchPods', 'Watch Pods', true, async (namespace) => {
    if (typeof namespace === 'string' && namespace) watcher.namespace = namespace;
    podsWanted = true;
    await vscode.commands.executeCommand('aksWorker.pods.focus');
    watcher.start();
    return watcher;
  });
  // A fixed kubectl path (Set Path…) takes effect at once: the watch restarts with it.
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('aksWorker.paths.kubectl') && watcher.watching) watcher.restart();
    }),
  );
  command('aksWorker.stopWatchingPods', 'Stop Watching Pods', false, () => {
    podsWanted = false;
    watcher.stop();
  });
  const podCommands = () => import('./pods/podCommands');
  command('aksWorker.pickNamespace', 'Pick Namespace', true, async () => {
    const ns = await namespaces.pick();
    if (ns) void vscode.window.setStatusBarMessage(`Namespace: ${ns} (${namespaces.current().why})`, 4000);
    return ns;
  });
  command('aksWorker.describePod', 'Describe Pod', true, async (node) => (await podCommands()).describeCommand(watcher, log, node));
  command('aksWorker.podLogs', 'Pod Logs', true, async (node) => (await podCommands()).logsCommand(watcher, log, node, false));
  command('aksWorker.podPreviousLogs', 'Previous Pod Logs', true, async (node) => (await podCommands()).logsCommand(watcher, log, node, true));
  command('aksWorker.deletePod', 'Delete Pod', true, async (node) => (await podCommands()).deleteCommand(watcher, log, node));
  command('aksWorker.portForwardPod', 'Port-forward to Health Port', true, async (node, options) => (await podCommands()).portForwardCommand(watcher, node, asObject(options)));
  // Each step's module loads when its command first runs, not with the extension.
  const asUri = (a: unknown) => (a instanceof vscode.Uri ? a : undefined);
  // Called from menus with the resource; other callers (tests, other extensions) may pass options
  // as the second argument to skip the prompts: { ref } for a build, { registry, acrName } for a push,
  // { framework, base, context, replace } for Add Dockerfile.
  const asObject = <T>(a: unknown) => (a && typeof a === 'object' && !(a instanceof vscode.Uri) ? (a as T) : undefined);
  command('aksWorker.addDockerfile', 'Add Dockerfile', false, async (target, options) => (await import('./steps/dockerfile/addDockerfile')).addDockerfile(model, log, asUri(target), asObject(options)));
  // Reads the project with MSBuild when trusted, statically in Restricted Mode; the edit itself runs nothing.
  command('aksWorker.addHealthEndpoint', 'Add Health Endpoint', false, async (target, options) =>
    (await import('./steps/health/addHealthEndpoint')).addHealthEndpointCommand(model, log, asUri(target), asObject(options)),
  );
  command('aksWorker.buildImage', 'Build Image', true, async (target, options) =>
    (await import('./steps/image/buildImage')).buildImageCommand(model, state, log, asUri(target), asObject(options)),
  );
  command('aksWorker.pushImage', 'Push Image to Registry', true, async (source, options) =>
    (await import('./steps/registry/pushImage')).pushImageCommand(state, log, source, asObject(options)),
  );
  command('aksWorker.preflight', 'Preflight', true, async (target, options) =>
    (await import('./steps/preflight/preflightCommand')).preflightCommand(model, state, log, asUri(target), asObject(options)),
  );
  command('aksWorker.buildAndPush', 'Build and Push', true, async (target) => {
    const built = await (await import('./steps/image/buildImage')).buildImageCommand(model, state, log, asUri(target));
    return built && (await import('./steps/registry/pushImage')).pushImageCommand(state, log, built.ref);
  });
  let releaseModule: typeof import('./steps/release/release') | undefined;
  const release = async () => (releaseModule ??= await import('./steps/release/release'));
  context.subscriptions.push({ dispose: () => void import('./util/readonlyDocs').then((m) => m.disposeReadOnly()) });
  command('aksWorker.createChart', 'Create Worker Chart', true, async (target, options) =>
    (await import('./steps/chart/createChart')).createChartCommand(model, state, log, asUri(target), asObject(options)),
  );
  command('aksWorker.dryRun', 'Dry Run', true, async (target) => (await release()).dryRunCommand(model, state, kube, target, namespaces, log));
  command('aksWorker.upgradeInstall', 'Install or Upgrade', true, async (target, options) => (await release()).upgradeInstallCommand(model, state, kube, log, target, asObject(options), namespaces));
  command('aksWorker.bumpVersion', 'Bump Version', false, async (target, options) => (await release()).bumpVersionCommand(model, state, target, asObject(options)));
  command('aksWorker.history', 'Show History / Rollback', true, async (target) => (await release()).historyCommand(model, state, kube, log, target, namespaces));
  command('aksWorker.uninstall', 'Uninstall', true, async (target) => (await release()).uninstallCommand(model, state, kube, log, target, namespaces));
  command('aksWorker.editProbes', 'Edit Probes', false, async (target) => {
    const { pickChart } = await import('./steps/chart/chartTarget');
    const chart = await pickChart(model, target, 'Edit Probes');
    if (!chart) return undefined;
    const { ProbePanel } = await import('./probes/probePanel');
    return ProbePanel.show(chart);
  });
  // The Probe form is a custom editor of a chart's values.yaml ("Open With…", Edit Probes).
  context.subscriptions.push(
    vscode.window.registerCustomEditorProvider(
      PROBE_EDITOR_VIEW_TYPE,
      new ProbeEditorProvider(
        context.extensionUri,
        log,
        async (values) => (await import('./steps/chart/chartTarget')).chartOfValues(model, values),
        async (chart) => {
          const { releaseTarget } = await release();
          return () => releaseTarget(chart, state, kube, namespaces);
        },
      ),
      { supportsMultipleEditorsPerDocument: false },
    ),
  );
  command('aksWorker.showPodDetails', 'Show Pod Restarts and Events', true, async (target) => (await import('./podPanel/podPanel')).showPodDetailsCommand(context.extensionUri, log, target, namespaces.current().namespace));
  command('aksWorker.ship', 'Ship (build → preflight → push → bump → upgrade)', true, async (target, options) =>
    (await import('./steps/ship/shipCommand')).shipCommand(model, state, kube, log, target, asObject(options), namespaces),
  );
  command('aksWorker.attachRegistry', 'Attach Registry to Cluster', true, async (options) => (await import('./steps/registry/attachRegistry')).attachRegistryCommand(state, log, asObject(options)));

  // Reading the kubeconfig and scanning the workspace run after activation returns.
  void kube.refresh().catch((err: unknown) => log.warn(`kubeconfig: ${String(err)}`));
  void model.get();

  const activationMs = performance.now() - started;
  log.info(`AKS Worker ${version} activated in ${activationMs.toFixed(1)} ms`);
  return {
    activationMs,
    workflow,
    pods,
    namespaces,
    doctor: () => runDoctor(log),
  };
}

export function deactivate(): Promise<void> {
  // Views and watchers are disposed through context.subscriptions; tool runs are process groups of
  // their own, so end them here rather than leave them behind (VS Code waits for this a few seconds).
  return endAllRunning(1500).then(() => runCleanups(3000));
}
