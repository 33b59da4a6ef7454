import * as assert from 'node:assert/strict';
import { parse } from 'yaml';
import { setValue } from '../../src/core/valuesEdit';
import { YamlEditError } from '../../src/core/yamlEdit';

const edit = (text: string, path: string[], value: string | number | boolean) => setValue(text, 'values.yaml', path, value);
/** Values as Helm reads them: anchors resolved, merges applied, the last of duplicated keys. */
const read = (text: string) => parse(text, { merge: true, uniqueKeys: false }) as Record<string, Record<string, unknown>>;

describe('editing a values file where Helm reads it', () => {
  it('changes only the value: quotes, comments and CRLF stay', () => {
    assert.equal(edit('a: 1 # one\nb: "x" # two\n', ['b'], 'y').text, 'a: 1 # one\nb: "y" # two\n');
    assert.equal(edit("p:\r\n  periodSeconds: 10 # every ten\r\n  path: '/h'\r\n", ['p', 'path'], '/healthz').text, "p:\r\n  periodSeconds: 10 # every ten\r\n  path: '/healthz'\r\n");
  });
  it('the last of duplicated keys, as Helm takes it', () => {
    const r = edit('p:\n  periodSeconds: 10\np:\n  periodSeconds: 20\n', ['p', 'periodSeconds'], 30);
    assert.equal(r.text, 'p:\n  periodSeconds: 10\np:\n  periodSeconds: 30\n');
  });
  it('flow maps stay flow: a value changed in place, a missing key added inside the braces', () => {
    const flow = 'livenessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 10}\n';
    assert.equal(edit(flow, ['livenessProbe', 'periodSeconds'], 20).text, 'livenessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 20}\n');
    assert.equal(edit(flow, ['livenessProbe', 'timeoutSeconds'], 3).text, 'livenessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 10, timeoutSeconds: 3}\n');
    assert.equal(edit('livenessProbe: {}\nother: 1\n', ['livenessProbe', 'periodSeconds'], 7).text, 'livenessProbe: {periodSeconds: 7}\nother: 1\n');
  });
  it('an alias gets its own copy before it is edited, and the anchor is left alone', () => {
    const text = 'livenessProbe: &probe\n  httpGet:\n    path: /healthz\n    port: http\n  periodSeconds: 10\nreadinessProbe: *probe\n';
    const r = edit(text, ['readinessProbe', 'periodSeconds'], 5);
    assert.equal(read(r.text).livenessProbe.periodSeconds, 10);
    assert.equal(read(r.text).readinessProbe.periodSeconds, 5);
    assert.deepEqual(read(r.text).readinessProbe.httpGet, { path: '/healthz', port: 'http' });
    assert.ok(r.text.startsWith('livenessProbe: &probe\n  httpGet:\n    path: /healthz\n    port: http\n  periodSeconds: 10\n'), 'the anchored map is unchanged');
    assert.match(r.notes[0], /readinessProbe was an alias of &probe: it now has its own copy/);
  });
  it('editing an anchored map gives its aliases their own copy first, so they keep their values', () => {
    const text = 'livenessProbe: &probe\n  httpGet:\n    path: /healthz\n    port: http\n  periodSeconds: 10\nreadinessProbe: *probe\n';
    const r = edit(text, ['livenessProbe', 'periodSeconds'], 30);
    assert.equal(read(r.text).livenessProbe.periodSeconds, 30);
    assert.equal(read(r.text).readinessProbe.periodSeconds, 10);
    assert.match(r.notes.join('\n'), /readinessProbe was an alias of &probe: it now has its own copy and keeps its values/);
  });
  it('maps that merge an anchor (<<: *defaults) keep their old value, written out', () => {
    const text = 'defaults: &d\n  periodSeconds: 10\n  timeoutSeconds: 1\nlivenessProbe:\n  <<: *d\n  failureThreshold: 3\nreadinessProbe:\n  <<: *d\n';
    const r = edit(text, ['defaults', 'periodSeconds'], 20);
    const v = read(r.text);
    assert.equal(v.defaults.periodSeconds, 20);
    assert.equal(v.livenessProbe.periodSeconds, 10);
    assert.equal(v.readinessProbe.periodSeconds, 10);
    assert.equal(v.livenessProbe.timeoutSeconds, 1);
    assert.equal(r.notes.length, 2);
  });
  it('missing keys are added beside their siblings, nested maps created, "key:" with no value filled', () => {
    assert.equal(edit('livenessProbe:\n  periodSeconds: 10\nnext: 1\n', ['livenessProbe', 'httpGet', 'path'], '/healthz').text, 'livenessProbe:\n  periodSeconds: 10\n  httpGet:\n    path: /healthz\nnext: 1\n');
    assert.equal(edit('livenessProbe:\nother: 1\n', ['livenessProbe', 'periodSeconds'], 7).text, 'livenessProbe:\n  periodSeconds: 7\nother: 1\n');
    assert.equal(edit('a: 1\r\nlivenessProbe:\r\n  periodSeconds: 10 # ten\r\n', ['livenessProbe', 'timeoutSeconds'], 2).text, 'a: 1\r\nlivenessProbe:\r\n  periodSeconds: 10 # ten\r\n  timeoutSeconds: 2\r\n');
  });
  it('refuses what it cannot do without guessing, with file:line:col', () => {
    assert.throws(() => edit('p:\n  - a\n', ['p', 'x'], 1), /p is a list/);
    assert.throws(() => edit('p:\n  q:\n    r: 1\n', ['p', 'q'], 1), /p\.q is not a single value/);
    assert.throws(() => edit('p: [1\n', ['p'], 1), (e: unknown) => e instanceof YamlEditError && /values\.yaml:\d+:\d+: /.test(e.message));
  });
});
