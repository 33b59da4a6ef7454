import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { inspectImage } from '../../src/tools/docker';
import { ensureDotnetImages } from '../support/dotnetImages';
import { activateApi, children, eventually, labelOf, textOf, workspaceRoot, requireRig } from './helpers';

/** The rig's environment (docker engine, registry, az stand-in), when the runner passed it. */

describe('Image steps in VS Code (against the rig)', function () {
  this.timeout(240_000);
  let r: Record<string, string> = {};

  before(async function () {
    r = requireRig(this);
    const cfg = vscode.workspace.getConfiguration('aksWorker');
    await cfg.update('paths.az', r.RIG_AZ, vscode.ConfigurationTarget.Global);
    // There is no network bridge in the rig's engine: RUN steps need --network none.
    await cfg.update('build.extraArgs', ['--network', 'none'], vscode.ConfigurationTarget.Workspace);
    // The real .NET images, made from this machine's SDK (no image can be pulled here).
    await ensureDotnetImages({ env: process.env });
  });

  it('Add Dockerfile on the sample project writes the Dockerfile and opens it', async () => {
    const root = workspaceRoot();
    const dockerfile = vscode.Uri.joinPath(root, 'src', 'SampleWorker', 'Dockerfile');
    await vscode.workspace.fs.delete(dockerfile);
    const csproj = vscode.Uri.joinPath(root, 'src', 'SampleWorker', 'SampleWorker.csproj');
    const written = await vscode.commands.executeCommand<vscode.Uri>('aksWorker.addDockerfile', csproj);
    assert.equal(written?.fsPath, dockerfile.fsPath);
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(dockerfile));
    assert.match(text, /^FROM mcr\.microsoft\.com\/dotnet\/aspnet:8\.0 AS base$/m);
    assert.match(text, /^ENTRYPOINT \["dotnet", "SampleWorker\.dll"\]$/m);
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, dockerfile.fsPath);
  });

  it('Build Image refuses a workspace extraArgs with --iidfile and leaves the file outside the workspace untouched', async () => {
    const dockerfile = vscode.Uri.joinPath(workspaceRoot(), 'src', 'SampleWorker', 'Dockerfile');
    const outsideDir = mkdtempSync(join(tmpdir(), 'aksw-outside-'));
    const outside = join(outsideDir, 'precious.txt');
    writeFileSync(outside, 'not for docker to overwrite\n');
    const cfg = vscode.workspace.getConfiguration('aksWorker');
    const ref = `sampleworker:iidfile-${process.pid}`;
    try {
      await cfg.update('build.extraArgs', ['--network', 'none', '--iidfile', outside], vscode.ConfigurationTarget.Workspace);
      const result = await vscode.commands.executeCommand<{ ref: string } | undefined>('aksWorker.buildImage', dockerfile, { ref });
      assert.equal(result, undefined, 'Build Image stops');
      assert.equal(readFileSync(outside, 'utf8'), 'not for docker to overwrite\n');
      await assert.rejects(inspectImage(ref), 'nothing was built');
    } finally {
      await cfg.update('build.extraArgs', ['--network', 'none'], vscode.ConfigurationTarget.Workspace);
      rmSync(outsideDir, { recursive: true, force: true });
    }
  });

  it('Build Image on the sample Dockerfile builds the image and the Workflow view shows it', async () => {
    const dockerfile = vscode.Uri.joinPath(workspaceRoot(), 'src', 'SampleWorker', 'Dockerfile');
    const ref = `sampleworker:host-${process.pid}`;
    const result = await vscode.commands.executeCommand<{ ref: string }>('aksWorker.buildImage', dockerfile, { ref });
    assert.equal(result?.ref, ref);
    const details = await inspectImage(ref);
    assert.match(details.id, /^sha256:/);
    const api = await activateApi();
    const image = await eventually(async () => (await children(api)).find((c) => labelOf(c.item) === 'Image' && textOf(c.item.description) === ref));
    assert.ok(image, 'the Image step shows the built reference');
  });

  it('Push Image logs in through az, pushes with progress, and the registry has the tag', async () => {
    const env = r as Record<string, string>;
    const source = `sampleworker:host-${process.pid}`;
    const target = await vscode.commands.executeCommand<string>('aksWorker.pushImage', source, { registry: env.RIG_REGISTRY, acrName: 'rigacr' });
    assert.equal(target, `${env.RIG_REGISTRY}/${source}`);
    const auth = Buffer.from(`${env.RIG_REGISTRY_USER}:${env.RIG_REGISTRY_PASSWORD}`).toString('base64');
    const res = await fetch(`http://${env.RIG_REGISTRY}/v2/sampleworker/tags/list`, { headers: { Authorization: `Basic ${auth}` } });
    const tags = ((await res.json()) as { tags: string[] }).tags;
    assert.ok(tags.includes(`host-${process.pid}`), tags.join(', '));
    const api = await activateApi();
    const registry = await eventually(async () => (await children(api)).find((c) => labelOf(c.item) === 'Registry' && textOf(c.item.description) === target));
    assert.ok(registry, 'the Registry step shows the pushed reference');
  });
});
