import * as assert from 'node:assert/strict';
import { isPageMessage } from '../../src/extension/doctor/protocol';

describe('Doctor panel messages', () => {
  it('accepts the fix-it messages for known tools and settings only', () => {
    assert.ok(isPageMessage({ type: 'openSetting', setting: 'aksWorker.paths.helm' }));
    assert.ok(isPageMessage({ type: 'openInstall', tool: 'dotnet' }));
    assert.ok(isPageMessage({ type: 'openInstall', tool: 'az' }));
    assert.ok(!isPageMessage({ type: 'openInstall', tool: 'docker engine' }), 'the engine has no install page of its own');
    assert.ok(!isPageMessage({ type: 'openInstall', tool: 'https://example.invalid' }));
    assert.ok(!isPageMessage({ type: 'openInstall', tool: 'helm', url: 'https://example.invalid' }), 'no extra fields');
    assert.ok(!isPageMessage({ type: 'openSetting', setting: 'workbench.colorTheme' }));
    assert.ok(!isPageMessage({ type: 'openInstall' }));
  });
});
