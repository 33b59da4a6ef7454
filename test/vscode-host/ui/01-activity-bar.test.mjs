// A new user opens the AKS Worker container from the activity bar and sees its views.
import assert from 'node:assert/strict';
import { dismiss, eventually, expandPane, openActivity, page, viewPane } from './harness.mjs';

const STEPS = ['Dockerfile', 'Image', 'Registry', 'Chart', 'Probes', 'Release', 'Pods'];

describe('AKS Worker activity bar', () => {
  beforeEach(dismiss);

  it('has an "AKS Worker" entry that opens the Workflow and Pods views', async () => {
    await openActivity('AKS Worker');
    const title = page().locator('.part.sidebar .composite.title h2');
    await eventually(async () => /AKS Worker/i.test((await title.textContent()) ?? ''), { message: 'side bar titled "AKS Worker"' });
    await viewPane('Workflow').waitFor({ state: 'visible' });
    await viewPane('Pods').waitFor({ state: 'visible' });
  });

  it('shows the sample worker\'s workflow steps in the Workflow view', async () => {
    await openActivity('AKS Worker');
    const pane = await expandPane('Workflow');
    const rows = pane.locator('.monaco-list-row');
    const labels = await eventually(
      async () => {
        const texts = await rows.locator('.label-name').allTextContents();
        return STEPS.every((s) => texts.includes(s)) ? texts : undefined;
      },
      { timeout: 30_000, message: `Workflow rows ${STEPS.join(', ')}` },
    );
    assert.deepEqual(
      labels.filter((l) => STEPS.includes(l)),
      STEPS,
      'steps appear in workflow order',
    );
    // The Dockerfile step says where the Dockerfile is.
    const dockerRow = rows.filter({ has: page().locator('.label-name', { hasText: /^Dockerfile$/ }) }).first();
    assert.match((await dockerRow.textContent()) ?? '', /SampleWorker/, 'Dockerfile step names the sample project');
  });

  it('expands the Chart step to show the sample chart with its version and appVersion', async () => {
    await openActivity('AKS Worker');
    const pane = await expandPane('Workflow');
    const chartRow = pane.locator('.monaco-list-row[aria-level="1"]', { has: page().locator('.label-name', { hasText: /^Chart$/ }) }).first();
    await chartRow.waitFor({ state: 'visible' });
    if ((await chartRow.getAttribute('aria-expanded')) !== 'true') await chartRow.click();
    const child = pane.locator('.monaco-list-row[aria-level="2"]', { hasText: 'sample-worker' }).first();
    await child.waitFor({ state: 'visible', timeout: 15_000 });
    const text = (await child.textContent()) ?? '';
    assert.match(text, /0\.1\.0/, `chart row shows version 0.1.0: "${text}"`);
    assert.match(text, /0\.0\.1/, `chart row shows appVersion 0.0.1: "${text}"`);
  });

  it('shows the Pods view', async () => {
    await openActivity('AKS Worker');
    const pane = await expandPane('Pods');
    await pane.hover();
    const body = pane.locator('.pane-body');
    await body.waitFor({ state: 'visible' });
    // Without a cluster the view explains what to do (welcome content) or lists pods.
    const text = (await body.textContent()) ?? '';
    assert.ok(text.trim().length > 0, 'Pods view shows something');
  });
});
