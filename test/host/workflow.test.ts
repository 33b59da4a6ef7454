import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateApi, children, eventually, labelOf, readWorkspaceFile, textOf } from './helpers';

const STEPS = ['Dockerfile', 'Image', 'Registry', 'Chart', 'Probes', 'Release', 'Pods'];

describe('Workflow view', () => {
  it('lists the workflow steps in order', async () => {
    const api = await activateApi();
    const labels = await eventually(async () => {
      const got = (await children(api)).map((c) => labelOf(c.item));
      return got.length >= STEPS.length ? got : undefined;
    });
    assert.deepEqual(labels, STEPS);
  });

  it('shows where the sample worker Dockerfile was found', async () => {
    const api = await activateApi();
    const description = await eventually(async () => {
      const step = (await children(api)).find((c) => labelOf(c.item) === 'Dockerfile');
      assert.ok(step, 'a "Dockerfile" step');
      const text = `${textOf(step.item.description)} ${textOf(step.item.tooltip)}`;
      return /src[\\/]SampleWorker[\\/]Dockerfile/.test(text) ? text : undefined;
    });
    assert.ok(description, 'Dockerfile step names src/SampleWorker/Dockerfile');
  });

  it("shows the Dockerfile's runtime image and why", async () => {
    const api = await activateApi();
    const detail = await eventually(async () => {
      const step = (await children(api)).find((c) => labelOf(c.item) === 'Dockerfile');
      if (!step) return undefined;
      return (await children(api, step.element)).find((c) => /SampleWorker\/Dockerfile/.test(labelOf(c.item)) && textOf(c.item.description));
    });
    assert.ok(detail, 'the Dockerfile step lists src/SampleWorker/Dockerfile with a description');
    assert.equal(textOf(detail.item.description), 'aspnet:8.0 · SampleWorker references Microsoft.AspNetCore.App');
    assert.match(textOf(detail.item.tooltip), /runs on mcr\.microsoft\.com\/dotnet\/aspnet:8\.0 because SampleWorker references Microsoft\.AspNetCore\.App/);
  });

  it('lists the sample chart with its version and appVersion', async () => {
    const api = await activateApi();
    const chartYaml = await readWorkspaceFile('charts', 'sample-worker', 'Chart.yaml');
    const version = /^version:\s*["']?([^"'\s]+)/m.exec(chartYaml)?.[1];
    const appVersion = /^appVersion:\s*["']?([^"'\s]+)/m.exec(chartYaml)?.[1];
    assert.ok(version && appVersion, 'fixture Chart.yaml has version and appVersion');

    const chartEntry = await eventually(async () => {
      const step = (await children(api)).find((c) => labelOf(c.item) === 'Chart');
      assert.ok(step, 'a "Chart" step');
      assert.notEqual(
        step.item.collapsibleState ?? vscode.TreeItemCollapsibleState.None,
        vscode.TreeItemCollapsibleState.None,
        'Chart step can be expanded',
      );
      const charts = await children(api, step.element);
      return charts.find((c) => /sample-worker/.test(`${labelOf(c.item)} ${textOf(c.item.description)}`));
    });
    assert.ok(chartEntry, 'Chart step lists sample-worker');
    const text = `${labelOf(chartEntry.item)} ${textOf(chartEntry.item.description)} ${textOf(chartEntry.item.tooltip)}`;
    assert.ok(text.includes(version), `chart entry shows version ${version}: "${text}"`);
    assert.ok(text.includes(appVersion), `chart entry shows appVersion ${appVersion}: "${text}"`);
  });
});
