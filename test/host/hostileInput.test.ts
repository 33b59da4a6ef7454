import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, activateApi, children, eventually, labelOf, say, textOf, workspaceRoot } from './helpers';

/*
 * Files a repository or a kubeconfig can hold, made to crash, steer or leak through the extension:
 * the workspace scan must survive them, hovers must not render them as links, and the log must not
 * repeat a kubeconfig's secrets.
 */

async function step(label: string) {
  const api = await activateApi();
  const s = (await children(api)).find((c) => labelOf(c.item) === label);
  return s ? { ...s, kids: await children(api, s.element) } : undefined;
}

async function writeWorkspaceFile(text: string, ...segments: string[]): Promise<vscode.Uri> {
  const uri = vscode.Uri.joinPath(workspaceRoot(), ...segments);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  return uri;
}

/** The extension's Output channel as VS Code writes it: <logs>/…/aks-worker.aks-worker-deploy/AKS Worker.log. */
function outputChannelFile(): string | undefined {
  // code-server keeps its logs in the user data dir, beside the XDG dirs the runners give it.
  const roots = [process.env.XDG_CONFIG_HOME ? join(dirname(dirname(process.env.XDG_CONFIG_HOME)), 'user-data', 'logs') : undefined, process.env.VSCODE_LOGS].filter((d): d is string => !!d && existsSync(d));
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 6) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (e.name === 'AKS Worker.log' && dirname(p).endsWith(EXTENSION_ID)) found.push(p);
    }
  };
  for (const r of roots) walk(r, 0);
  // the newest host's file: the runner starts one code-server per run
  return found.sort().pop();
}

describe('Hostile input', () => {
  it('a values.yaml nested 50,000 levels deep is a problem of its chart; the scan and the other chart carry on', async function () {
    this.timeout(90_000);
    const dir = vscode.Uri.joinPath(workspaceRoot(), 'charts', 'hostile');
    await writeWorkspaceFile('apiVersion: v2\nname: hostile\nversion: 0.1.0\nappVersion: "1.0"\n', 'charts', 'hostile', 'Chart.yaml');
    // the issue's file: it aborted the extension host's process when the scan parsed it
    await writeWorkspaceFile(`x: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`, 'charts', 'hostile', 'values.yaml');
    try {
      const problem = await eventually(async () => {
        const probes = await step('Probes');
        return probes?.kids.find((k) => labelOf(k.item) === 'charts/hostile/values.yaml');
      }, 60_000);
      assert.ok(problem, 'the Probes step lists charts/hostile/values.yaml as a problem');
      assert.equal(textOf(problem.item.description), 'values.yaml is nested 50,001 levels deep (at line 1) (limit 256); it was not read.');
      const chart = await step('Chart');
      const names = chart?.kids.map((k) => labelOf(k.item)) ?? [];
      assert.ok(names.includes('hostile'), `the Chart step lists the hostile chart (its Chart.yaml is fine): ${names.join(', ')}`);
      assert.ok(names.includes('sample-worker'), `the Chart step still lists sample-worker: ${names.join(', ')}`);
      const probes = await step('Probes');
      assert.ok(probes?.kids.some((k) => labelOf(k.item) === 'liveness'), "the sample worker's liveness probe is still shown");
      assert.ok(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, 'the extension is still active');
    } finally {
      await vscode.workspace.fs.delete(dir, { recursive: true });
      await eventually(async () => !(await step('Probes'))?.kids.some((k) => /hostile/.test(labelOf(k.item))), 30_000);
    }
  });

  it('an alias bomb in values.yaml is an error in the probe form, not probes that are off', async function () {
    this.timeout(90_000);
    const dir = vscode.Uri.joinPath(workspaceRoot(), 'charts', 'aliasbomb');
    const sample = vscode.Uri.joinPath(workspaceRoot(), 'charts', 'sample-worker', 'templates', 'deployment.yaml');
    await vscode.workspace.fs.copy(sample, vscode.Uri.joinPath(dir, 'templates', 'deployment.yaml'), { overwrite: true });
    await writeWorkspaceFile('apiVersion: v2\nname: aliasbomb\nversion: 0.1.0\nappVersion: "1.0"\n', 'charts', 'aliasbomb', 'Chart.yaml');
    const lines = ['l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 9; i++) lines.push(`l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(', ')}]`);
    lines.push('livenessProbe: { httpGet: { path: /healthz, port: health }, periodSeconds: 10 }', 'image: { repository: r.example/w, tag: "1" }', '');
    await writeWorkspaceFile(lines.join('\n'), 'charts', 'aliasbomb', 'values.yaml');
    let panel: { state(): Promise<{ location: string; probes: Record<string, unknown>; problem?: { message: string } }>; dispose(): void } | undefined;
    try {
      const listed = await eventually(async () => (await step('Chart'))?.kids.some((k) => labelOf(k.item) === 'aliasbomb'), 60_000);
      assert.ok(listed, 'the Chart step lists the aliasbomb chart');
      panel = (await vscode.commands.executeCommand('aksWorker.editProbes', dir)) as typeof panel;
      assert.ok(panel, 'Edit Probes returns its panel');
      const s = await panel.state();
      assert.match(s.problem?.message ?? '', /values\.yaml expands YAML aliases more than 1,000 times; it was not read\./);
      assert.notEqual(s.location, 'values', 'the form does not offer the probes as read from values.yaml');
      assert.deepEqual(s.probes, {});
    } finally {
      panel?.dispose();
      await vscode.workspace.fs.delete(dir, { recursive: true });
      await eventually(async () => !(await step('Chart'))?.kids.some((k) => labelOf(k.item) === 'aliasbomb'), 30_000);
    }
  });

  it('a step tooltip shows a hostile folder name as text, not as a link, image or HTML', async function () {
    this.timeout(60_000);
    const name = '[run](command:workbench.action.quit) <img src=x onerror=alert(1)> `code` $(alert)';
    const folder = vscode.Uri.joinPath(workspaceRoot(), name);
    await writeWorkspaceFile('FROM mcr.microsoft.com/dotnet/runtime:8.0\n', name, 'Dockerfile');
    try {
      const tooltip = await eventually(async () => {
        const s = await step('Dockerfile');
        const t = s?.item.tooltip;
        return t instanceof vscode.MarkdownString && t.value.includes('command') ? t : undefined;
      }, 30_000);
      assert.ok(tooltip, 'the Dockerfile step tooltip names the new Dockerfile');
      const md = tooltip.value;
      assert.ok(!md.includes(']('), `no link in ${md}`);
      assert.ok(!/(^|[^\\])<img/.test(md), `no HTML in ${md}`);
      assert.ok(!/(^|[^\\])`/.test(md), `no code span in ${md}`);
      assert.ok(!/(^|[^\\])\$\(/.test(md), `no icon in ${md}`);
      assert.ok(md.includes('\\[run\\]\\(command\\:workbench\\.action\\.quit\\)'), `the name is shown, escaped: ${md}`);
      assert.ok(!tooltip.isTrusted, 'the step tooltip enables no command links');
    } finally {
      await vscode.workspace.fs.delete(folder, { recursive: true });
      await eventually(async () => !textOf((await step('Dockerfile'))?.item.tooltip).includes('command'), 30_000);
    }
  });

  it('a kubeconfig with a bad indent is logged by path and line, without its keys, tokens or passwords', async function () {
    this.timeout(60_000);
    const secrets = ['LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpob3N0aWxl', 'hunter2-do-not-log', 'eyJhbGciOiJSUzI1NiJ9.hostile-token'];
    const dir = mkdtempSync(join(tmpdir(), 'aksw-badkube-'));
    const bad = join(dir, 'config');
    writeFileSync(
      bad,
      ['apiVersion: v1', 'kind: Config', 'users:', '- name: admin', '  user:', `    client-key-data: ${secrets[0]}`, `   password: ${secrets[1]}`, `    token: ${secrets[2]}`, 'current-context: broken', ''].join('\n'),
      { mode: 0o600 },
    );
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = [bad, ...(saved ? [saved] : [])].join(delimiter);
    try {
      await vscode.commands.executeCommand('aksWorker.refreshPods');
      const file = outputChannelFile();
      assert.ok(file, 'the AKS Worker output channel has a log file');
      const line = await eventually(() => readFileSync(file, 'utf8').split('\n').find((l) => l.includes(`kubeconfig: ${bad}:`)), 20_000);
      assert.ok(line, `the Output channel reports ${bad}`);
      assert.match(line, /kubeconfig: \S+config:7:\d+: not valid YAML: the indentation is wrong$/);
      const log = readFileSync(file, 'utf8');
      for (const s of secrets) assert.ok(!log.includes(s), `the Output channel holds a secret of the kubeconfig (${s.slice(0, 8)}…)`);
      assert.ok(!/client-key-data|password:/.test(log), 'the Output channel quotes lines of the kubeconfig');
      say(`kubeconfig error logged as: ${line.replace(/^.*?kubeconfig:/, 'kubeconfig:')}`);
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
      await vscode.commands.executeCommand('aksWorker.refreshPods');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
