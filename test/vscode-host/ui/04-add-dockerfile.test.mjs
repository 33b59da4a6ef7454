// A new user regenerates the sample worker's Dockerfile from the project's context menu.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chooseMenuItem, contextMenuWith, dismiss, eventually, explorerRow, page, ui } from './harness.mjs';

describe('Add Dockerfile from the Explorer', () => {
  beforeEach(dismiss);

  it('asks before replacing the existing Dockerfile, writes a new one and opens it', async () => {
    const p = page();
    const file = join(ui.workspace, 'src', 'SampleWorker', 'Dockerfile');
    const before = statSync(file).mtimeMs;

    const row = await explorerRow('src/SampleWorker/SampleWorker.csproj');
    const { menu } = await contextMenuWith(row, ['Add Dockerfile']);
    await chooseMenuItem(menu, 'Add Dockerfile');

    // The file exists in the sample, so a modal asks first.
    const dialog = p.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match((await dialog.textContent()) ?? '', /Dockerfile already exists/);
    await dialog.locator('.dialog-buttons .monaco-button', { hasText: /^Replace$/ }).click();

    // The new Dockerfile opens in an editor and a notification says what was written.
    await p.locator('.tabs-container .tab.active', { hasText: 'Dockerfile' }).waitFor({ state: 'visible', timeout: 15_000 });
    const toast = p.locator('.notifications-toasts .notification-toast', { hasText: /Wrote .*Dockerfile/ }).first();
    await toast.waitFor({ state: 'visible', timeout: 15_000 });
    await eventually(() => statSync(file).mtimeMs > before, { message: 'the Dockerfile to be rewritten' });
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^FROM mcr\.microsoft\.com\/dotnet\/aspnet:\S+ AS base$/m);
    assert.match(text, /^ENTRYPOINT \["dotnet", "SampleWorker\.dll"\]$/m);
    const editorText = (await p.locator('.editor-instance .view-lines').first().textContent()) ?? '';
    assert.match(editorText.replace(/\u00a0/g, ' '), /FROM/, 'the editor shows the new Dockerfile');
  });
});
