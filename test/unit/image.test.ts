import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyPushLine, newPushState, summarizePush } from '../../src/core/dockerPush';
import { ImageRefError, defaultImageName, formatImageRef, parseImageRef, registryProblem, repositoryProblem, tagProblem } from '../../src/core/imageRef';

const reference = join(__dirname, '..', '..', '..', '..', 'shared', 'reference', 'docker');

describe('image references (OCI distribution grammar)', () => {
  it('accepts what docker accepts', () => {
    assert.deepEqual(parseImageRef('myacr.azurecr.io/team/sample-worker:0.0.1'), { registry: 'myacr.azurecr.io', repository: 'team/sample-worker', tag: '0.0.1', digest: undefined });
    assert.deepEqual(parseImageRef('127.0.0.1:5000/w:v1'), { registry: '127.0.0.1:5000', repository: 'w', tag: 'v1', digest: undefined });
    assert.deepEqual(parseImageRef('localhost/a__b.c-d'), { registry: 'localhost', repository: 'a__b.c-d', tag: undefined, digest: undefined });
    assert.deepEqual(parseImageRef('library/busybox'), { registry: undefined, repository: 'library/busybox', tag: undefined, digest: undefined });
    const d = `sha256:${'a'.repeat(64)}`;
    assert.equal(parseImageRef(`r.io/x:1@${d}`).digest, d);
    assert.equal(formatImageRef(parseImageRef(`r.io:443/x/y:1.2_3@${d}`)), `r.io:443/x/y:1.2_3@${d}`);
  });
  it('refuses the rest, saying why', () => {
    for (const bad of ['SampleWorker', 'a//b', '-a', 'a-', 'a..b', 'a:', 'a:-x', `a:${'x'.repeat(129)}`, 'a@sha256:zz', 'my acr.io/x', '']) {
      assert.throws(() => parseImageRef(bad), ImageRefError, bad);
    }
    assert.match(repositoryProblem('SampleWorker') ?? '', /lower case/);
    assert.match(tagProblem('.x') ?? '', /not starting with/);
    assert.equal(tagProblem('0.0.1'), undefined);
  });
  it('derives a default name from the project name', () => {
    assert.equal(defaultImageName('SampleWorker'), 'sampleworker');
    assert.equal(defaultImageName('My.Worker Service!'), 'my.worker-service');
    assert.equal(defaultImageName('__'), 'worker');
    for (const n of ['SampleWorker', 'A--B..C', 'x_y__z']) assert.equal(repositoryProblem(defaultImageName(n)), undefined, n);
  });
  it('validates registry hosts typed by users', () => {
    assert.equal(registryProblem('myacr.azurecr.io'), undefined);
    assert.equal(registryProblem('127.0.0.1:5000'), undefined);
    assert.match(registryProblem('https://myacr.azurecr.io') ?? '', /scheme/);
    assert.match(registryProblem('myacr.azurecr.io/x') ?? '', /path/);
  });
});

describe('docker push progress', () => {
  const feed = (text: string) => text.split(/\r?\n|\r/).reduce(applyPushLine, newPushState());

  it('reads a first push: every layer uploaded, then the digest', () => {
    const s = feed(readFileSync(join(reference, 'push-v1.txt'), 'utf8'));
    assert.equal(s.repository, '127.0.0.1:15000/myworkerservice');
    assert.equal(s.tag, '0.0.1');
    assert.equal(s.digest, 'sha256:576bfe59e94925c11999c0d82fced92422446f7392de60d2f47d0eeb5d9ba745');
    assert.deepEqual(summarizePush(s), { layers: 3, uploaded: 3, reused: 0, percent: 100, done: true });
  });
  it('reads a second push that reuses the lower layers', () => {
    const s = feed(readFileSync(join(reference, 'push-v2.txt'), 'utf8'));
    assert.deepEqual(summarizePush(s), { layers: 3, uploaded: 1, reused: 2, percent: 100, done: true });
    assert.deepEqual(s.other, []);
  });
  it('reads a terminal push with ANSI redraws and byte progress', () => {
    const text = readFileSync(join(reference, 'push-tty-raw.txt'), 'utf8');
    const s = newPushState();
    let sawPartial = false;
    for (const line of text.split(/\r\n|\r|\n/)) {
      applyPushLine(s, line);
      const l = s.layers.get('954fe7311f5a');
      if (l?.state === 'pushing' && l.total === 60e6 && (l.current ?? 0) > 0) {
        sawPartial = true;
        assert.ok(summarizePush(s).percent < 100);
      }
    }
    assert.ok(sawPartial);
    assert.equal(s.tag, '0.0.3');
    assert.deepEqual(summarizePush(s), { layers: 3, uploaded: 2, reused: 1, percent: 100, done: true });
  });
  it('keeps errors for the message', () => {
    const s = feed('The push refers to repository [r.io/x]\nabcdefabcdef: Preparing\nunauthorized: authentication required\n');
    assert.deepEqual(s.other, ['unauthorized: authentication required']);
    assert.equal(summarizePush(s).done, false);
  });
});
