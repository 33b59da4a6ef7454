import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activateApi, children, eventually, labelOf, requireRig, textOf, workspaceRoot } from './helpers';

interface HelmPanel {
  state(): Promise<{ location: string; note?: string; probes: Record<string, { handler: { type: string }; failureThreshold?: number; periodSeconds?: number } | undefined> }>;
  where(): Promise<{ workload: string; container: string; fields: Record<string, Array<{ field: string; text: string; editable: boolean }>>; switches: Record<string, string> } | undefined>;
  save(probes: unknown): Promise<void>;
  dispose(): void;
}

/**
 * The probe form on a bitnami-style chart: `livenessProbe.enabled` and the timings in values.yaml, the
 * tcpSocket handler written in the template through a library chart's helpers. The files alone show
 * no probe the form can edit; Helm's render (the rig's Helm 4) does.
 */
describe('Probe form on a chart only Helm can read (against the rig)', function () {
  this.timeout(120_000);
  const corpus = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'chart-corpus', 'bitnami-style');
  const dir = () => join(workspaceRoot().fsPath, 'tmp-helm-form', 'bitnami-style');
  let panel: HelmPanel;

  before(async function () {
    const r = requireRig(this);
    await vscode.workspace.getConfiguration('aksWorker').update('paths.helm', r.RIG_HELM4, vscode.ConfigurationTarget.Global);
    mkdirSync(dir(), { recursive: true });
    cpSync(corpus, dir(), { recursive: true });
    panel = (await vscode.commands.executeCommand('aksWorker.editProbes', vscode.Uri.file(dir()))) as HelmPanel;
    assert.ok(panel, 'Edit Probes returns its panel');
  });
  after(() => {
    panel?.dispose();
    rmSync(join(workspaceRoot().fsPath, 'tmp-helm-form'), { recursive: true, force: true });
  });

  it('reads the probes from the render and says where Helm reads each field', async () => {
    const s = await panel.state();
    assert.equal(s.location, 'helm');
    assert.match(s.note ?? '', /As Helm renders Deployment\/bitnami-style, container queue-worker/);
    assert.deepEqual(s.probes.liveness, { handler: { type: 'tcpSocket', port: 'http' }, initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6, successThreshold: 1 });
    const where = await panel.where();
    assert.ok(where);
    assert.equal(where.container, 'queue-worker');
    const byField = Object.fromEntries((where.fields.liveness ?? []).map((f) => [f.field, f]));
    assert.match(byField.failureThreshold.text, /values\.yaml:75 livenessProbe\.failureThreshold$/);
    assert.equal(byField.failureThreshold.editable, true);
    assert.match(byField['tcpSocket.port'].text, /^fixed in templates\/deployment\.yaml:\d+$/);
    assert.match(where.switches.liveness ?? '', /^livenessProbe\.enabled = true \(.*values\.yaml:71\)$/);
  });

  it('saves a changed field where Helm reads it, checked by a render; only that line changes', async () => {
    const file = join(dir(), 'values.yaml');
    const before = readFileSync(file, 'utf8');
    const s = await panel.state();
    await panel.save({ ...s.probes, liveness: { ...s.probes.liveness, failureThreshold: 9 } });
    const after = readFileSync(file, 'utf8');
    assert.equal(after, before.replace(/^(livenessProbe:\n(?:.*\n)*? {2}failureThreshold: )6$/m, '$19'));
    const again = await eventually(async () => ((await panel.state()).probes.liveness?.failureThreshold === 9 ? true : undefined));
    assert.ok(again, 'the form reads the new value back from the render');
  });

  it("the Workflow view's Probes step shows the probe as Helm renders it (the files alone show none)", async () => {
    const api = await activateApi();
    let seen = '';
    let looks = 0;
    let refreshError = '';
    const row = await eventually(
      async () => {
        // The chart was copied in from outside VS Code, so only the file watcher tells the view; a
        // watcher can miss a folder made that fast. After a few looks, do what a user does: Refresh.
        if (++looks % 10 === 0) {
          await Promise.resolve(vscode.commands.executeCommand('aksWorker.refreshWorkflow')).catch((e: unknown) => (refreshError = String(e)));
        }
        const step = (await children(api)).find((c) => labelOf(c.item) === 'Probes');
        if (!step) return undefined;
        const rows = await children(api, step.element);
        const chartStep = (await children(api)).find((c) => labelOf(c.item) === 'Chart');
        const chartRows = chartStep ? await children(api, chartStep.element) : [];
        seen = [...rows, ...chartRows].map((c) => `${labelOf(c.item)} | ${textOf(c.item.description)} | ${textOf(c.item.tooltip).slice(0, 160)}`).join('\n');
        return rows.find((c) => /tmp-helm-form\/bitnami-style\/values\.yaml/.test(textOf(c.item.tooltip)) && /tcpSocket http/.test(textOf(c.item.description)));
      },
      // A render in the background, retried a few seconds after a failure: allow for a busy machine.
      60_000,
    );
    const found = (await vscode.workspace.findFiles('**/Chart.yaml')).map((u) => vscode.workspace.asRelativePath(u)).join(', ');
    assert.ok(row, `a liveness row for the bitnami-style chart with its tcpSocket handler; the Probes and Chart steps show:\n${seen}\nfindFiles: ${found}${refreshError ? `\nRefresh failed: ${refreshError}` : ''}`);
    assert.equal(labelOf(row.item), 'liveness');
  });

  it('a change Helm would not show is refused and nothing stays written', async () => {
    const file = join(dir(), 'values.yaml');
    const before = readFileSync(file, 'utf8');
    const s = await panel.state();
    await assert.rejects(panel.save({ ...s.probes, liveness: undefined }), /turning it off or on.*is not done here/);
    assert.equal(readFileSync(file, 'utf8'), before);
  });
});
