// A new user runs "AKS Worker: Doctor (check tools)" from the command palette and uses the panel.
import assert from 'node:assert/strict';
import { activeWebview, dismiss, eventually, page, runCommand } from './harness.mjs';

describe('Command palette', () => {
  beforeEach(dismiss);

  it('lists the AKS Worker commands by category', async () => {
    const p = page();
    await p.keyboard.press('F1');
    const input = p.locator('.quick-input-widget input').first();
    await input.fill('>AKS Worker: ');
    const rows = p.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    await rows.first().waitFor();
    const labels = await eventually(
      async () => {
        const t = (await rows.allTextContents()).join('\n');
        return /AKS Worker: Doctor \(check tools\)/.test(t) && /AKS Worker: Build Image/.test(t) ? t : undefined;
      },
      { message: 'Doctor and Build Image in the palette' },
    );
    assert.match(labels, /AKS Worker: Create Worker Chart/);
    await dismiss();
  });

  it('runs "AKS Worker: Doctor (check tools)" and shows the Doctor panel with the tools', async function () {
    await runCommand('AKS Worker: Doctor (check tools)');
    const p = page();
    await p.locator('.tabs-container .tab', { hasText: 'AKS Worker: Doctor' }).first().waitFor({ state: 'visible', timeout: 20_000 });
    const web = activeWebview();
    const summary = web.locator('#summary');
    await eventually(async () => /Checked at|Missing:|All required tools found/.test((await summary.textContent()) ?? ''), {
      timeout: 30_000,
      message: 'the Doctor summary',
    });
    for (const tool of ['docker', 'helm', 'kubectl']) {
      await web.locator(`#tools tbody tr[data-tool="${tool}"]`).waitFor({ state: 'visible' });
    }
  });

  it('re-checks the tools when "Check again" is clicked in the Doctor panel', async () => {
    const web = activeWebview();
    const summary = web.locator('#summary');
    await summary.evaluate((e) => {
      e.textContent = 'stale';
    });
    await web.locator('#recheck').click();
    await eventually(async () => /Checked at/.test((await summary.textContent()) ?? ''), { timeout: 30_000, message: 'a fresh report' });
  });

  it('opens the AKS Worker output from the Doctor panel', async () => {
    const web = activeWebview();
    await web.locator('#output').click();
    const panel = page().locator('.part.panel');
    await panel.waitFor({ state: 'visible' });
    await eventually(async () => /Doctor/.test((await panel.locator('.view-lines').first().textContent()) ?? ''), {
      timeout: 20_000,
      message: 'Doctor lines in the Output panel',
    });
  });
});
