// A new user right-clicks files and folders in the Explorer and finds the AKS Worker entries
// only where they apply.
import assert from 'node:assert/strict';
import { contextMenuLabels, contextMenuWith, dismiss, explorerRow } from './harness.mjs';

const CHART_ENTRIES = ['Edit Probes', 'Dry Run', 'Install or Upgrade', 'Bump Version', 'Ship (build → preflight → push → bump → upgrade)'];
const DOCKERFILE_ENTRIES = ['Build Image', 'Build and Push', 'Preflight Image'];

describe('Explorer context menus', () => {
  beforeEach(dismiss); // menus stay open at the end of each test so its screenshot shows them

  it('offers Build Image, Build and Push and Preflight Image on the Dockerfile', async () => {
    const row = await explorerRow('src/SampleWorker/Dockerfile');
    const { labels } = await contextMenuWith(row, DOCKERFILE_ENTRIES);
    for (const e of [...CHART_ENTRIES, 'Add Health Endpoint']) assert.ok(!labels.includes(e), `no "${e}" on a Dockerfile`);
  });

  it('offers Add Health Endpoint and no image entries on Program.cs', async () => {
    const row = await explorerRow('src/SampleWorker/Program.cs');
    const { labels } = await contextMenuWith(row, ['Add Health Endpoint']);
    for (const e of [...DOCKERFILE_ENTRIES, ...CHART_ENTRIES, 'Create Worker Chart']) {
      assert.ok(!labels.includes(e), `no "${e}" on Program.cs`);
    }
  });

  it('offers Add Dockerfile and Add Health Endpoint on the project file', async () => {
    const row = await explorerRow('src/SampleWorker/SampleWorker.csproj');
    const { labels } = await contextMenuWith(row, ['Add Dockerfile', 'Add Health Endpoint']);
    assert.ok(!labels.includes('Build Image'), 'no "Build Image" on a .csproj');
  });

  it('offers Create Worker Chart on the charts folder', async () => {
    const row = await explorerRow('charts');
    const { labels } = await contextMenuWith(row, ['Create Worker Chart']);
    for (const e of [...DOCKERFILE_ENTRIES, ...CHART_ENTRIES]) assert.ok(!labels.includes(e), `no "${e}" on charts/`);
  });

  it('offers Edit Probes, Dry Run, Install or Upgrade and Bump Version on a chart folder', async () => {
    const row = await explorerRow('charts/sample-worker');
    const { labels } = await contextMenuWith(row, CHART_ENTRIES);
    for (const e of DOCKERFILE_ENTRIES) assert.ok(!labels.includes(e), `no "${e}" on a chart folder`);
    // They are listed together, in order.
    const idx = CHART_ENTRIES.map((e) => labels.indexOf(e));
    assert.deepEqual(
      [...idx].sort((a, b) => a - b),
      idx,
      `chart entries in order: ${labels.join(' | ')}`,
    );
  });

  it('offers no chart entries on a templates folder inside the chart', async () => {
    const row = await explorerRow('charts/sample-worker/templates');
    const { labels } = await contextMenuLabels(row);
    assert.ok(labels.length > 3, `a context menu opened (${labels.join(' | ')})`);
    for (const e of [...CHART_ENTRIES, 'Create Worker Chart']) assert.ok(!labels.includes(e), `no "${e}" on templates/`);
  });
});
