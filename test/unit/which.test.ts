import * as assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { which } from '../../src/tools/which';

describe('which', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'aksw-which-'));
    for (const d of ['a', 'b']) mkdirSync(join(dir, d));
    writeFileSync(join(dir, 'a', 'helm'), 'not executable');
    writeFileSync(join(dir, 'b', 'helm'), '#!/bin/sh\n');
    chmodSync(join(dir, 'b', 'helm'), 0o755);
    mkdirSync(join(dir, 'a', 'kubectl')); // a directory is not a program
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the first executable on PATH, skipping non-executables and folders', async () => {
    const env = { PATH: [join(dir, 'a'), join(dir, 'b')].join(delimiter) };
    assert.equal(await which('helm', env), join(dir, 'b', 'helm'));
    assert.equal(await which('kubectl', env), undefined);
  });
  it('checks an explicit path as it is', async () => {
    assert.equal(await which(join(dir, 'b', 'helm'), { PATH: '' }), join(dir, 'b', 'helm'));
    assert.equal(await which(join(dir, 'a', 'helm'), { PATH: '' }), undefined);
  });
  it('an empty PATH finds nothing', async () => assert.equal(await which('helm', { PATH: '' }), undefined));
});
