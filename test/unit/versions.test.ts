import * as assert from 'node:assert/strict';
import { parseAzVersion, parseDockerVersion, parseHelmVersion, parseKubectlVersion } from '../../src/core/versions';

describe('version parsers', () => {
  it('docker: client and engine', () => {
    const v = parseDockerVersion('{"Client":{"Version":"28.2.2","ApiVersion":"1.50"},"Server":{"Version":"20.10.24+dfsg1"}}');
    assert.deepEqual(v, { client: '28.2.2', server: '20.10.24+dfsg1' });
  });
  it('docker: engine unreachable keeps the client and the reason', () => {
    const v = parseDockerVersion('{"Client":{"Version":"28.2.2"},"Server":null}\n', 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n');
    assert.equal(v.client, '28.2.2');
    assert.equal(v.server, undefined);
    assert.match(v.serverError ?? '', /Cannot connect/);
  });
  it('helm 3 and 4 short versions', () => {
    assert.deepEqual(parseHelmVersion('v3.18.0+g2a2a3e4\n'), { version: '3.18.0', major: 3 });
    assert.deepEqual(parseHelmVersion('v4.1.4+g05fa379'), { version: '4.1.4', major: 4 });
    assert.equal(parseHelmVersion('garbage'), undefined);
  });
  it('kubectl client JSON', () => {
    assert.equal(parseKubectlVersion('{"clientVersion":{"gitVersion":"v1.33.0"},"kustomizeVersion":"v5.6.0"}'), '1.33.0');
    assert.equal(parseKubectlVersion('Client Version: v1.31.2'), '1.31.2');
  });
  it('az version JSON', () => {
    assert.equal(parseAzVersion('{"azure-cli": "2.67.0", "azure-cli-core": "2.67.0", "extensions": {}}'), '2.67.0');
    assert.equal(parseAzVersion('nope'), undefined);
  });
});
