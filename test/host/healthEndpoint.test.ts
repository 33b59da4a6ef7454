import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { workspaceRoot } from './helpers';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'plain-workers');

interface Result {
  files: string[];
  plan: { variant: string; port: number; path: string; healthFile: string; registration: { line?: number; text?: string } };
  undo(): Promise<void>;
}

/**
 * Add Health Endpoint in the extension host, on a copy of a plain worker saved as Visual Studio saves
 * (BOM, CRLF) with central package management, read by the machine's real .NET SDK.
 */
describe('Add Health Endpoint (real .NET SDK)', function () {
  this.timeout(120_000);
  const dir = () => vscode.Uri.joinPath(workspaceRoot(), 'tmp-health-tests');
  const uri = (rel: string) => vscode.Uri.joinPath(dir(), rel);
  const bytes = async (rel: string) => Buffer.from(await vscode.workspace.fs.readFile(uri(rel)));
  const PROJECT = 'src/Fabrikam.Sync.Worker';
  const files = ['Directory.Packages.props', `${PROJECT}/Fabrikam.Sync.Worker.csproj`, `${PROJECT}/Program.cs`, `${PROJECT}/Worker.cs`];
  const original = new Map<string, Buffer>();

  before(async () => {
    for (const rel of files) {
      // Visual Studio's bytes whatever git did to the fixture's line endings.
      const text = readFileSync(join(FIXTURES, 'net10-cpm-vs', rel), 'utf8').replace(/\r?\n/g, '\r\n');
      const b = Buffer.from(text, 'utf8');
      original.set(rel, b);
      await vscode.workspace.fs.writeFile(uri(rel), b);
    }
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.fs.delete(dir(), { recursive: true, useTrash: false });
  });

  it('applies one edit (new file, one Program.cs line, package in the props and the project), bytes kept; Undo restores every file byte for byte', async () => {
    const project = uri(`${PROJECT}/Fabrikam.Sync.Worker.csproj`);
    const r = await vscode.commands.executeCommand<Result>('aksWorker.addHealthEndpoint', project, { confirm: false, port: 8181 });
    assert.ok(r, 'the command returns what it did');
    assert.equal(r.plan.variant, 'listener');
    assert.deepEqual(
      r.files.map((f) => vscode.workspace.asRelativePath(f).replace(/^.*tmp-health-tests\//, '')),
      [`${PROJECT}/WorkerHealth.cs`, `${PROJECT}/Program.cs`, 'Directory.Packages.props', `${PROJECT}/Fabrikam.Sync.Worker.csproj`],
    );

    const program = (await bytes(`${PROJECT}/Program.cs`)).toString('utf8');
    assert.equal(program, original.get(`${PROJECT}/Program.cs`)!.toString('utf8').replace('AddHostedService<Worker>();\r\n', 'AddHostedService<Worker>();\r\nbuilder.Services.AddWorkerHealth();\r\n'));
    assert.ok(program.startsWith('\uFEFF'), 'BOM kept through the editor save');
    const csproj = (await bytes(`${PROJECT}/Fabrikam.Sync.Worker.csproj`)).toString('utf8');
    assert.equal(
      csproj,
      original.get(`${PROJECT}/Fabrikam.Sync.Worker.csproj`)!.toString('utf8').replace('<PackageReference Include="Microsoft.Extensions.Hosting" />\r\n', '<PackageReference Include="Microsoft.Extensions.Hosting" />\r\n\t\t<PackageReference Include="Microsoft.Extensions.Diagnostics.HealthChecks" />\r\n'),
    );
    assert.match((await bytes('Directory.Packages.props')).toString('utf8'), /<PackageVersion Include="Microsoft\.Extensions\.Diagnostics\.HealthChecks" Version="10\.0\.15" \/>\r\n/);
    const health = (await bytes(`${PROJECT}/WorkerHealth.cs`)).toString('utf8');
    assert.match(health, /public const int Port = 8181;/);
    assert.match(health, /^namespace Fabrikam\.Sync\.Worker\r$/m);
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, r.plan.healthFile, 'the new file is shown');
    assert.equal(vscode.workspace.textDocuments.filter((d) => d.isDirty).length, 0, 'nothing left unsaved');
    assert.equal((await bytes(`${PROJECT}/Worker.cs`)).equals(original.get(`${PROJECT}/Worker.cs`)!), true, 'the worker is not edited');

    // Run again: it is there, so nothing more is added.
    const again = await vscode.commands.executeCommand<Result | undefined>('aksWorker.addHealthEndpoint', project, { confirm: false });
    assert.equal(again, undefined);

    await r.undo();
    assert.ok(!existsSync(r.plan.healthFile), 'the added file is gone');
    for (const rel of files) assert.ok((await bytes(rel)).equals(original.get(rel)!), `${rel} byte for byte as before`);
  });

  it('a worker that serves an endpoint already is left alone', async () => {
    const project = vscode.Uri.joinPath(workspaceRoot(), 'src/SampleWorker/SampleWorker.csproj');
    const before = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(workspaceRoot(), 'src/SampleWorker/Program.cs'));
    const r = await vscode.commands.executeCommand<Result | undefined>('aksWorker.addHealthEndpoint', project, { confirm: false });
    assert.equal(r, undefined);
    assert.ok(!existsSync(join(workspaceRoot().fsPath, 'src/SampleWorker/WorkerHealth.cs')));
    assert.deepEqual(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(workspaceRoot(), 'src/SampleWorker/Program.cs')), before);
  });
});
