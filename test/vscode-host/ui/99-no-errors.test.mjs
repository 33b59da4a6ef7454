// After going through the product, the user has seen no error notification from AKS Worker, and
// the workbench's console shows no error from the extension. A test that provokes an error on
// purpose checks it and then calls clearNotifications() from the harness.
import assert from 'node:assert/strict';
import { dismiss, page, runCommand, ui } from './harness.mjs';

describe('After the session', () => {
  beforeEach(dismiss);

  it('shows no error notification from AKS Worker', async () => {
    await runCommand('Notifications: Show Notifications');
    const center = page().locator('.notifications-center');
    await center.waitFor({ state: 'visible' });
    const items = center.locator('.notification-list-item');
    const all = [];
    for (let i = 0; i < (await items.count()); i++) {
      const item = items.nth(i);
      const isError = (await item.locator('.notification-list-item-icon.codicon-error').count()) > 0;
      const text = ((await item.textContent()) ?? '').replace(/\s+/g, ' ').trim();
      all.push(`${isError ? 'ERROR' : 'info/warning'}: ${text}`);
    }
    console.log(`      notifications: ${all.length ? all.join(' || ') : 'none'}`);
    const ours = all.filter((t) => t.startsWith('ERROR') && /AKS Worker|aks-worker/i.test(t));
    assert.deepEqual(ours, [], 'no AKS Worker error notification');
  });

  it('logged no extension error in the workbench console', () => {
    const errors = ui.console.filter((l) => /\[error\]/.test(l) && /aks-worker|AKS Worker/i.test(l));
    assert.deepEqual(errors, [], 'no error mentioning aks-worker in the page console');
  });
});
