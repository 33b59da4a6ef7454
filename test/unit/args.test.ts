import * as assert from 'node:assert/strict';
import { UsageError, parseArgs } from '../../src/core/args';

describe('parseArgs', () => {
  const spec = { helm: { value: true }, json: {} };
  it('reads values, switches and positionals', () => {
    assert.deepEqual(parseArgs(['doctor', '--helm', '/x/helm', '--json'], spec), { positionals: ['doctor'], flags: { helm: '/x/helm', json: true } });
    assert.deepEqual(parseArgs(['--helm=/y', 'a', '--', '--json'], spec), { positionals: ['a', '--json'], flags: { helm: '/y' } });
  });
  it('rejects unknown options and missing values', () => {
    assert.throws(() => parseArgs(['--nope'], spec), UsageError);
    assert.throws(() => parseArgs(['-x'], spec), UsageError);
    assert.throws(() => parseArgs(['--helm'], spec), /needs a value/);
    assert.throws(() => parseArgs(['--json=1'], spec), /takes no value/);
  });
});
