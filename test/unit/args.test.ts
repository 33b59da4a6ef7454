import * as assert from 'node:assert/strict';
import { UsageError, parseArgs } from '../../src/core/args';

describe('parseArgs', () => {
  const spec = { helm: { value: true }, json: {} };
  it('reads values, switches and positionals', () => {
    assert.deepEqual(parseArgs(['doctor', '--helm', '/x/helm', '--json'], spec), { positionals: ['doctor'], flags: { helm: '/x/helm', json: true }, lists: {} });
    assert.deepEqual(parseArgs(['--helm=/y', 'a', '--', '--json'], spec), { positionals: ['a', '--json'], flags: { helm: '/y' }, lists: {} });
  });
  it('repeatable flags keep every value in order; one-letter forms; a flag given twice is refused', () => {
    const s = { ...spec, values: { value: true, repeat: true, short: 'f' } };
    assert.deepEqual(parseArgs(['x', '-f', 'a.yaml', '--values=b.yaml', '-f', 'c.yaml'], s).lists, { values: ['a.yaml', 'b.yaml', 'c.yaml'] });
    assert.throws(() => parseArgs(['--helm', 'a', '--helm', 'b'], s), /--helm is given twice/);
    assert.throws(() => parseArgs(['-g', 'x'], s), UsageError);
  });
  it('rejects unknown options and missing values', () => {
    assert.throws(() => parseArgs(['--nope'], spec), UsageError);
    assert.throws(() => parseArgs(['-x'], spec), UsageError);
    assert.throws(() => parseArgs(['--helm'], spec), /needs a value/);
    assert.throws(() => parseArgs(['--json=1'], spec), /takes no value/);
  });
});
