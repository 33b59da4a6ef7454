import * as assert from 'node:assert/strict';
import { namespaceNameProblem, needsNamespaceConfirmation, resolveNamespace } from '../../src/core/namespace';

describe('the namespace every command uses', () => {
  const context = { name: 'rig', namespace: 'team-a' };

  it('the setting wins over a pick and the context, and says where it is set', () => {
    assert.deepEqual(resolveNamespace({ setting: ' ux ', settingScope: 'Workspace Settings', picked: 'other', context }), {
      namespace: 'ux',
      source: 'setting',
      why: 'set by aksWorker.namespace in Workspace Settings',
    });
  });

  it('a pick wins over the context; a blank setting counts as unset', () => {
    assert.deepEqual(resolveNamespace({ setting: '  ', picked: 'ux', context }), { namespace: 'ux', source: 'picked', why: 'picked with Pick Namespace' });
  });

  it('then the context\'s namespace, naming the context', () => {
    assert.deepEqual(resolveNamespace({ context }), { namespace: 'team-a', source: 'context', why: 'the namespace of context rig' });
  });

  it('then default, saying why', () => {
    const r = resolveNamespace({ context: { name: 'rig' } });
    assert.equal(r.namespace, 'default');
    assert.equal(r.source, 'default');
    assert.match(r.why, /context rig names no namespace/);
    assert.match(resolveNamespace({}).why, /no context/);
  });

  it('checks a typed namespace name as Kubernetes does', () => {
    assert.equal(namespaceNameProblem('ux'), undefined);
    assert.equal(namespaceNameProblem('team-a2'), undefined);
    assert.match(namespaceNameProblem('') ?? '', /Type a namespace/);
    assert.match(namespaceNameProblem('UX') ?? '', /Lowercase/);
    assert.match(namespaceNameProblem('-ux') ?? '', /starting and ending/);
    assert.match(namespaceNameProblem('a.b') ?? '', /Lowercase letters, digits and "-"/);
    assert.match(namespaceNameProblem('a'.repeat(64)) ?? '', /at most 63 characters \(this one has 64\)/);
  });

  it('asks the first time for a chart and when the namespace changed since', () => {
    assert.equal(needsNamespaceConfirmation(undefined, 'ux'), true);
    assert.equal(needsNamespaceConfirmation('ux', 'ux'), false);
    assert.equal(needsNamespaceConfirmation('default', 'ux'), true);
  });
});
