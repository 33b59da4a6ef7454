import vscode = require('vscode');
import { formatImageRef, parseImageRef, registryProblem } from '../../../core/imageRef';
import { summarizePush } from '../../../core/dockerPush';
import { ACR_TOKEN_USER, AcrRegistry, acrToken, listRegistries } from '../../../tools/az';
import { inspectImage, login, pushImage, tagImage } from '../../../tools/docker';
import { ActionableError, ToolNotFoundError } from '../../../tools/errors';
import { ImageState, WorkflowState } from '../../state';
import { toolPaths } from '../../util/config';
import { RunView } from '../../util/runView';
import { TOOL_FIXES, applyToolFix, azLoginTerminal, toolSettingScope } from '../../util/toolFixes';

interface RegistryChoice {
  loginServer: string;
  acrName?: string;
}

const isAcr = (host: string) => /\.azurecr\.(io|cn|us)$/i.test(host);

/** Registries to offer: the remembered one, the setting, the user's ACRs (az acr list), or typed in. */
async function pickRegistry(folder: vscode.WorkspaceFolder, remembered: ImageState['registry'], log: vscode.LogOutputChannel): Promise<RegistryChoice | undefined> {
  const setting = vscode.workspace.getConfiguration('aksWorker', folder).get<string>('registry')?.trim();
  type Item = vscode.QuickPickItem & { choice?: RegistryChoice; enter?: boolean; fix?: () => Promise<void> };
  const qp = vscode.window.createQuickPick<Item>();
  qp.title = 'Push Image: registry';
  qp.placeholder = 'Pick a registry, or type a registry host (e.g. myregistry.azurecr.io)';
  qp.ignoreFocusOut = true;
  const base: Item[] = [];
  if (remembered) base.push({ label: remembered.loginServer, description: 'last used here', choice: remembered });
  if (setting && setting !== remembered?.loginServer) base.push({ label: setting, description: 'aksWorker.registry setting', choice: { loginServer: setting, acrName: isAcr(setting) ? setting.split('.')[0] : undefined } });
  const enter: Item = { label: '$(edit) Enter a registry host…', alwaysShow: true, enter: true };
  const acrHeading: Item = { label: 'Azure Container Registries', kind: vscode.QuickPickItemKind.Separator };
  const listing: Item = { label: '$(loading~spin) Listing your Azure Container Registries (az acr list)…', alwaysShow: true };
  qp.items = [...base, enter, acrHeading, listing];
  qp.busy = true;
  void listRegistries({ paths: toolPaths(folder) }).then(
    (acrs: AcrRegistry[]) => {
      const known = new Set(base.map((b) => b.label));
      const items: Item[] = acrs
        .filter((a) => !known.has(a.loginServer))
        .map((a) => ({ label: a.loginServer, description: `ACR ${a.name}${a.resourceGroup ? ` · ${a.resourceGroup}` : ''}`, choice: { loginServer: a.loginServer, acrName: a.name } }));
      const none: Item[] = acrs.length === 0 ? [{ label: '$(info) No registries in the current Azure subscription', detail: 'az acr list found none. Check the subscription with "az account show", or enter a registry host.', alwaysShow: true }] : [];
      qp.items = [...base, ...items, enter, ...(items.length || none.length ? [acrHeading] : []), ...none];
      qp.busy = false;
    },
    (err: unknown) => {
      log.info(`Azure registries not listed: ${err instanceof Error ? err.message : String(err)}`);
      qp.items = [...base, enter, acrHeading, azProblemItem(err)];
      qp.busy = false;
    },
  );
  /** Why the ACRs are not listed, as an item whose choice fixes it. */
  function azProblemItem(err: unknown): Item {
    if (err instanceof ToolNotFoundError) {
      return {
        label: '$(warning) Your ACRs are not listed: the Azure CLI (az) was not found',
        detail: `Pick this to set aksWorker.paths.az (${toolSettingScope()}) or install the Azure CLI; or enter a registry host above.`,
        alwaysShow: true,
        fix: async () => {
          const pick = await vscode.window.showWarningMessage('Push Image: the Azure CLI (az) was not found, so your Azure Container Registries cannot be listed or logged in to.', { modal: true, detail: err.message }, ...TOOL_FIXES);
          await applyToolFix(pick, err.descriptor);
        },
      };
    }
    if (err instanceof ActionableError && err.code === 'az-not-logged-in') {
      return { label: '$(warning) Your ACRs are not listed: az is not logged in', detail: 'Pick this to run "az login" in a terminal, then push again; or enter a registry host above.', alwaysShow: true, fix: async () => azLoginTerminal() };
    }
    const message = err instanceof Error ? err.message : String(err);
    return { label: '$(warning) Your ACRs are not listed: az acr list failed', detail: `${message} Pick this to see the output.`, alwaysShow: true, fix: async () => log.show(true) };
  }
  const picked = await new Promise<Item | string | undefined>((resolve) => {
    qp.onDidAccept(() => {
      const item = qp.selectedItems[0];
      if (item && !item.choice && !item.enter && !item.fix) return; // the "listing…" and "none" lines
      resolve(item ?? qp.value);
    });
    qp.onDidHide(() => resolve(undefined));
    qp.show();
  });
  qp.dispose();
  if (picked === undefined) return undefined;
  if (typeof picked !== 'string' && picked.fix) {
    await picked.fix();
    return undefined;
  }
  if (typeof picked === 'string' || picked.enter) {
    const host = await vscode.window.showInputBox({
      title: 'Registry host',
      value: typeof picked === 'string' ? picked : '',
      placeHolder: 'myregistry.azurecr.io',
      validateInput: (v) => registryProblem(v.trim()),
      ignoreFocusOut: true,
    });
    if (!host) return undefined;
    return { loginServer: host.trim(), acrName: isAcr(host.trim()) ? host.trim().split('.')[0] : undefined };
  }
  return picked.choice;
}

/** ACR: token through az, then docker login with it on stdin. Others: existing login or a prompt. */
async function logIn(registry: RegistryChoice, folder: vscode.WorkspaceFolder, view: RunView): Promise<boolean> {
  const paths = toolPaths(folder);
  if (registry.acrName) {
    const { accessToken, loginServer } = await acrToken(registry.acrName, { paths, sink: view.sink });
    await login(loginServer, ACR_TOKEN_USER, accessToken, { paths, sink: view.sink });
    return true;
  }
  const existing = 'Use my existing docker login';
  const credentials = 'Log in with user name and password…';
  const how = await vscode.window.showQuickPick([existing, credentials], { title: `Log in to ${registry.loginServer}`, ignoreFocusOut: true });
  if (!how) return false;
  if (how === existing) return true;
  const user = await vscode.window.showInputBox({ title: `User name for ${registry.loginServer}`, ignoreFocusOut: true });
  if (!user) return false;
  const password = await vscode.window.showInputBox({ title: `Password or token for ${user}@${registry.loginServer}`, password: true, ignoreFocusOut: true });
  if (!password) return false;
  await login(registry.loginServer, user, password, { paths, sink: view.sink });
  return true;
}

/** Push Image: log in, tag with the login server, push with per-layer progress. */
export async function pushImageCommand(
  state: WorkflowState,
  log: vscode.LogOutputChannel,
  sourceArg?: unknown,
  preset?: { registry?: string; acrName?: string },
): Promise<string | undefined> {
  const folder = vscode.workspace.workspaceFolders?.length === 1 ? vscode.workspace.workspaceFolders[0] : await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Push the image of which folder?' });
  if (!folder) return undefined;
  const remembered = state.get(folder);
  let source = typeof sourceArg === 'string' ? sourceArg : remembered.lastBuilt?.ref;
  if (!source) {
    source = await vscode.window.showInputBox({ title: 'Push Image: local image to push', placeHolder: 'sampleworker:0.0.1', ignoreFocusOut: true, validateInput: (v) => { try { parseImageRef(v); return undefined; } catch (e) { return (e as Error).message; } } });
    if (!source) return undefined;
  }
  const paths = toolPaths(folder);
  const details = await inspectImage(source, { paths });
  if (details.architecture && details.architecture !== 'amd64') {
    const push = 'Push Anyway';
    const pick = await vscode.window.showWarningMessage(
      `${source} is built for ${details.os}/${details.architecture}, but AKS nodes usually run linux/amd64: the pod would fail with "exec format error".`,
      { modal: true, detail: 'Rebuild with "--platform linux/amd64" in the aksWorker.build.extraArgs setting, or push anyway if your node pool matches.' },
      push,
    );
    if (pick !== push) return undefined;
  }
  const registry = preset?.registry ? { loginServer: preset.registry, acrName: preset.acrName } : await pickRegistry(folder, remembered.registry, log);
  if (!registry) return undefined;
  const src = parseImageRef(source);
  const target = formatImageRef({ registry: registry.loginServer, repository: src.repository, tag: src.tag ?? 'latest' });

  const view = new RunView(`Push ${target}`, log);
  try {
    if (!(await logIn(registry, folder, view))) return undefined;
    if (target !== source) await tagImage(source, target, { paths, sink: view.sink });
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Pushing ${target}`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        let last = 0;
        return pushImage(target, {
          paths,
          sink: view.sink,
          signal: controller.signal,
          onProgress: (s) => {
            const sum = summarizePush(s);
            const increment = sum.percent > last ? sum.percent - last : undefined;
            last = Math.max(last, sum.percent);
            progress.report({ increment, message: `${sum.uploaded + sum.reused}/${sum.layers} layers (${sum.reused} already there)` });
          },
        });
      },
    );
    await state.update(folder, {
      registry,
      lastPushed: { ref: target, digest: result.digest, uploaded: result.uploaded, reused: result.reused, at: new Date().toISOString() },
    });
    const summary = `Pushed ${target}${result.digest ? ` (${result.digest.slice(0, 19)}…)` : ''}: ${result.uploaded} layer${result.uploaded === 1 ? '' : 's'} uploaded, ${result.reused} already in the registry.`;
    view.finish(true, summary);
    void vscode.window.showInformationMessage(summary);
    return target;
  } catch (err) {
    view.finish(false, err instanceof Error ? err.message : String(err));
    throw err;
  } finally {
    view.dispose();
  }
}
