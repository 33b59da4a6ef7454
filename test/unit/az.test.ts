import * as assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acrToken } from '../../src/tools/az';
import { login } from '../../src/tools/docker';

// A stand-in that records its argv and stdin, and prints a token: only the redaction is under test.
describe('secrets never reach the log', function () {
  this.timeout(20_000);
  let dir: string;
  const token = 'eyJ0eXAiOiJKV1Qi.SECRET-ACR-TOKEN.sig';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'aksw-secret-'));
    const script = `#!/bin/sh
echo "$@" > "${dir}/argv"
cat > "${dir}/stdin"
echo '{"accessToken": "${token}", "loginServer": "rigacr.azurecr.io"}'
echo "debug: token ${token}" >&2
`;
    for (const name of ['fake-az', 'fake-docker']) {
      writeFileSync(join(dir, name), script);
      chmodSync(join(dir, name), 0o755);
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('az acr login --expose-token: token returned, stdout not logged', async () => {
    const lines: string[] = [];
    const r = await acrToken('rigacr', { paths: { az: join(dir, 'fake-az') }, sink: { info: (l) => lines.push(l) } });
    assert.equal(r.accessToken, token);
    assert.equal(r.loginServer, 'rigacr.azurecr.io');
    assert.ok(lines.some((l) => l.startsWith('$ ') && l.includes('acr login --name rigacr --expose-token')));
    // stderr is logged (az prints warnings there), held back until the token is known and masked.
    assert.ok(lines.includes('debug: token ***'), lines.join('\n'));
    for (const l of lines) assert.ok(!l.includes(token), l);
  });

  it('docker login: the password goes through stdin only, and is masked everywhere', async () => {
    const lines: string[] = [];
    await login('rigacr.azurecr.io', '00000000-0000-0000-0000-000000000000', token, { paths: { docker: join(dir, 'fake-docker') }, sink: { info: (l) => lines.push(l) } });
    const { readFileSync } = await import('node:fs');
    assert.equal(readFileSync(join(dir, 'stdin'), 'utf8'), token);
    assert.ok(!readFileSync(join(dir, 'argv'), 'utf8').includes(token));
    assert.ok(readFileSync(join(dir, 'argv'), 'utf8').includes('--password-stdin'));
    assert.ok(lines.length > 1);
    for (const l of lines) assert.ok(!l.includes(token), l);
  });
});
