import * as assert from 'node:assert/strict';
import { BumpError, bumpChart } from '../../src/core/bump';
import { HEARTBEAT_COMMAND, budgetCommentLine, chartNameProblem, setAppVersion, stripDeployment, stripValues, updateBudgetComment, workerNotes } from '../../src/core/chart';
import { probeFromObject } from '../../src/core/probes';
import { bumpSemver, compareSemver, isSemver, nextPatch } from '../../src/core/versions';
import { YamlEditError, YamlTextEditor } from '../../src/core/yamlEdit';
import { OLD_DEPLOYMENT } from './helmCreateFixtures';

/** Lines that differ between two texts of the same length in lines. */
function changedLines(a: string, b: string): Array<[string, string]> {
  const la = a.split('\n');
  const lb = b.split('\n');
  assert.equal(la.length, lb.length, 'line count changed');
  return la.map((l, i) => [l, lb[i]] as [string, string]).filter(([x, y]) => x !== y);
}

describe('chart names', () => {
  it('lower-case DNS-1123 labels only', () => {
    assert.equal(chartNameProblem('sample-worker'), undefined);
    for (const bad of ['SampleWorker', '-x', 'x-', 'a_b', '', 'a'.repeat(54)]) assert.ok(chartNameProblem(bad), bad);
  });
});

describe('surgical YAML edits', () => {
  it('changes only the value, keeping quotes, comments, odd indentation and CRLF', () => {
    const text = '# top\r\nimage:\r\n    repository: nginx   # the image\r\n    tag: \'1.0\'\r\nlist:\r\n-   a\r\n';
    const out = new YamlTextEditor(text, 'values.yaml').setScalar(['image', 'tag'], '2.0').setScalar(['image', 'repository'], 'r.io/x').toString();
    assert.equal(out, "# top\r\nimage:\r\n    repository: r.io/x   # the image\r\n    tag: '2.0'\r\nlist:\r\n-   a\r\n");
  });
  it('adds a missing key under its siblings', () => {
    const out = new YamlTextEditor('image:\n  repository: x\nother: 1\n', 'v.yaml').setScalar(['image', 'tag'], '1.0').toString();
    assert.equal(out, 'image:\n  repository: x\n  tag: "1.0"\nother: 1\n');
  });
  it('plain strings that would read back as something else are quoted', () => {
    assert.equal(new YamlTextEditor('a: x\n', 'f').setScalar(['a'], 'true').toString(), 'a: "true"\n');
    assert.equal(new YamlTextEditor('a: x\n', 'f').setScalar(['a'], '1.10').toString(), 'a: "1.10"\n');
    assert.equal(new YamlTextEditor('a: x\n', 'f').setScalar(['a'], '0.1.1').toString(), 'a: 0.1.1\n');
  });
  it('invalid YAML is refused with file:line:column', () => {
    assert.throws(() => new YamlTextEditor('a: 1\nb: [1, 2\nc: 3\n', 'charts/x/values.yaml'), (e: unknown) => e instanceof YamlEditError && /^charts\/x\/values\.yaml:\d+:\d+: /.test(e.message));
    assert.throws(() => new YamlTextEditor('- a\n- b\n', 'v.yaml'), /not a mapping/);
  });
  it('removes a top-level block with its comments and commented-out lines', () => {
    const text = 'a: 1\n\n# about b\nb:\n  x: 1\n  # y: 2\n\n# about c\nc: 3\n';
    assert.equal(new YamlTextEditor(text, 'f').deleteTopLevel(['b']).toString(), 'a: 1\n\n# about c\nc: 3\n');
  });
});

describe('Bump Version', () => {
  const chart = '# my chart\r\napiVersion: v2\r\nname: w\r\n# bump me\r\nversion: 0.1.9   # chart version\r\nappVersion: "0.0.1"\r\n';
  const values = 'replicaCount: 1\r\nimage:\r\n    repository: r.io/w   # registry\r\n    # the tag\r\n    tag: "0.0.1"\r\n    pullPolicy: IfNotPresent\r\n';

  it('sets version, appVersion and image.tag, and nothing else', () => {
    const r = bumpChart(chart, values, { appVersion: '0.0.2', chartVersion: 'patch' });
    assert.deepEqual(r.from, { version: '0.1.9', appVersion: '0.0.1', tag: '0.0.1' });
    assert.deepEqual(r.to, { version: '0.1.10', appVersion: '0.0.2', tag: '0.0.2' });
    assert.deepEqual(changedLines(chart, r.chartYaml), [
      ['version: 0.1.9   # chart version\r', 'version: 0.1.10   # chart version\r'],
      ['appVersion: "0.0.1"\r', 'appVersion: "0.0.2"\r'],
    ]);
    assert.deepEqual(changedLines(values, r.valuesYaml), [['    tag: "0.0.1"\r', '    tag: "0.0.2"\r']]);
  });
  it('minor, major and exact versions', () => {
    assert.equal(bumpChart(chart, values, { appVersion: 'abc1234', chartVersion: 'minor' }).to.version, '0.2.0');
    assert.equal(bumpChart(chart, values, { appVersion: 'abc1234', chartVersion: 'major' }).to.version, '1.0.0');
    assert.equal(bumpChart(chart, values, { appVersion: 'abc1234', chartVersion: { exact: '3.0.0-rc.1' } }).to.version, '3.0.0-rc.1');
  });
  it('refuses bad input before touching anything', () => {
    assert.throws(() => bumpChart(chart, values, { appVersion: '-bad', chartVersion: 'patch' }), BumpError);
    assert.throws(() => bumpChart(chart, values, { appVersion: '1', chartVersion: { exact: '1.0' } }), /not a semantic version/);
    assert.throws(() => bumpChart(chart.replace('0.1.9', 'latest'), values, { appVersion: '1', chartVersion: 'patch' }), /cannot be bumped/);
    assert.throws(() => bumpChart(chart, 'image: [\n', { appVersion: '1', chartVersion: 'patch' }, { chart: 'Chart.yaml', values: 'values.yaml' }), (e: unknown) => e instanceof YamlEditError && /^values\.yaml:\d+:\d+: /.test(e.message));
  });
  it('semver helpers: SemVer 2 pre-releases are released, a v prefix and build metadata are kept', () => {
    assert.equal(bumpSemver('1.2.3-rc.1', 'patch'), '1.2.3');
    assert.equal(bumpSemver('1.3.0-rc.1', 'minor'), '1.3.0');
    assert.equal(bumpSemver('1.2.3-rc.1', 'minor'), '1.3.0');
    assert.equal(bumpSemver('2.0.0-beta', 'major'), '2.0.0');
    assert.equal(bumpSemver('v1.2.3', 'patch'), 'v1.2.4');
    assert.equal(bumpSemver('1.2.3+build.5', 'minor'), '1.3.0+build.5');
    assert.equal(nextPatch('1.2.3-rc.1'), '1.2.3');
    assert.ok(isSemver('1.0.0+build.5'));
    assert.ok(isSemver('v1.0.0'));
    assert.ok(!isSemver('01.0.0'));
    assert.equal(compareSemver('1.0.0-rc.1', '1.0.0'), -1);
    assert.equal(compareSemver('1.0.0-rc.2', '1.0.0-rc.10'), -1);
    assert.equal(compareSemver('1.0.0-alpha', '1.0.0-1'), 1);
    assert.equal(compareSemver('v1.2.3+a', '1.2.3+b'), 0);
    assert.equal(compareSemver('1.10.0', '1.9.0'), 1);
  });
  it('a lower or equal explicit version is refused unless allowed', () => {
    assert.throws(() => bumpChart(chart, values, { appVersion: '1', chartVersion: { exact: '0.1.8' } }), /from 0\.1\.9 down to 0\.1\.8.*--allow-downgrade/);
    assert.throws(() => bumpChart(chart, values, { appVersion: '1', chartVersion: { exact: '0.1.9' } }), /to the same 0\.1\.9/);
    assert.equal(bumpChart(chart, values, { appVersion: '1', chartVersion: { exact: '0.1.8' }, allowDowngrade: true }).to.version, '0.1.8');
  });
  it("keeps the user's scalar styles: appVersion 1.10 is read and stays as written; plain stays plain where it can", () => {
    const c = 'apiVersion: v2\nname: w\nversion: v1.2.3\nappVersion: 1.10\n';
    const r = bumpChart(c, 'image:\n  repository: r\n  tag: 1.10\n', { appVersion: '1.2.4', chartVersion: 'patch' });
    assert.deepEqual(r.from, { version: 'v1.2.3', appVersion: '1.10', tag: '1.10' });
    assert.equal(r.chartYaml, 'apiVersion: v2\nname: w\nversion: v1.2.4\nappVersion: 1.2.4\n');
    assert.equal(r.valuesYaml, 'image:\n  repository: r\n  tag: 1.2.4\n');
    // a plain value that would read back as a number is quoted
    assert.equal(bumpChart(c, 'image:\n  tag: x\n', { appVersion: '2.0', chartVersion: 'patch' }).chartYaml, 'apiVersion: v2\nname: w\nversion: v1.2.4\nappVersion: "2.0"\n');
  });
  it('a templated image.tag is left alone with a note; a flow-style image map is edited as flow', () => {
    const t = bumpChart(chart, 'image:\n  repository: r\n  tag: "{{ .Chart.AppVersion }}-alpine"\n', { appVersion: '0.0.2', chartVersion: 'patch' });
    assert.equal(t.valuesYaml, 'image:\n  repository: r\n  tag: "{{ .Chart.AppVersion }}-alpine"\n');
    assert.match(t.notes[0], /image\.tag is a template \("\{\{ \.Chart\.AppVersion \}\}-alpine"\), so it follows appVersion by itself/);
    const f = bumpChart(chart, 'image: {repository: r, tag: "1.0"}\n', { appVersion: '0.0.2', chartVersion: 'patch' });
    assert.equal(f.valuesYaml, 'image: {repository: r, tag: "0.0.2"}\n');
    const missing = bumpChart(chart, 'image: {repository: r}\n', { appVersion: '0.0.2', chartVersion: 'patch' });
    assert.equal(missing.valuesYaml, 'image: {repository: r, tag: "0.0.2"}\n');
  });
});


describe('stripping a helm create chart for a worker', () => {
  it('older deployment templates: inline probes become value-driven, port 80 becomes the health port', () => {
    const out = stripDeployment(OLD_DEPLOYMENT);
    assert.match(out, /^ {2}replicas: \{\{ \.Values\.replicaCount \}\}\n {2}template:/m);
    assert.match(out, /- name: health\n {14}containerPort: \{\{ \.Values\.healthPort \}\}/);
    for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      assert.ok(out.includes(`          {{- with .Values.${p} }}\n          ${p}:\n            {{- toYaml . | nindent 12 }}\n          {{- end }}\n`), p);
    }
    assert.doesNotMatch(out, /path: \/\n/);
    assert.doesNotMatch(out, /autoscaling|service\.port/);
    // the pod's grace period of a stop comes from values, beside its containers
    assert.match(out, /\n( +)\{\{- with \.Values\.terminationGracePeriodSeconds \}\}\n\1terminationGracePeriodSeconds: \{\{ \. \}\}\n\1\{\{- end \}\}\n\1containers:\n/);
    assert.equal(out.split('terminationGracePeriodSeconds: {{ . }}').length, 2, 'once');
  });
  it('refuses a template it cannot adapt, saying what is left', () => {
    assert.throws(() => stripDeployment('spec:\n  ports:\n    - name: web\n      containerPort: 80\n'), /health port/);
    assert.throws(() => stripDeployment(OLD_DEPLOYMENT.replace('resources:', 'foo: {{ .Values.service.type }}\n          resources:')), /\.Values\.service/);
  });
  it('older values.yaml without probes gets them at the end', () => {
    const old = 'replicaCount: 1\nimage:\n  repository: nginx\n  tag: ""\nserviceAccount:\n  create: true\n  name: ""\nservice:\n  type: ClusterIP\n  port: 80\nautoscaling:\n  enabled: false\nresources: {}\n';
    const out = stripValues(old, { repository: 'r.io/w', tag: '0.0.1', healthPort: 8080, healthPath: '/healthz' });
    assert.doesNotMatch(out, /^(service|autoscaling):/m);
    assert.match(out, /^resources: \{\}\n\n# The port/m);
    assert.match(out, /^healthPort: 8080$/m);
    assert.match(out, /^ {2}create: false$/m);
    assert.match(out, /^ {2}tag: "0\.0\.1"$/m);
    // the .NET host's default ShutdownTimeout (30 s) plus 5 s
    assert.match(out, /^terminationGracePeriodSeconds: 35$/m);
  });
  it('a worker on the runtime image gets an exec (heartbeat) or tcpSocket liveness probe instead of httpGet', async () => {
    const { parse } = await import('yaml');
    const old = 'replicaCount: 1\nimage:\n  repository: nginx\n  tag: ""\nlivenessProbe:\n  httpGet:\n    path: /\n    port: http\nresources: {}\n';
    const exec = parse(stripValues(old, { repository: 'r.io/w', tag: '0.0.1', healthPort: 8080, healthPath: '/healthz', probe: 'exec' })) as Record<string, Record<string, unknown>>;
    assert.deepEqual(exec.livenessProbe, { exec: { command: HEARTBEAT_COMMAND }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 });
    const tcp = parse(stripValues(old, { repository: 'r.io/w', tag: '0.0.1', healthPort: 9090, healthPath: '/healthz', probe: 'tcpSocket' })) as Record<string, Record<string, unknown>>;
    assert.deepEqual(tcp.livenessProbe.tcpSocket, { port: 'health' });
    assert.equal(tcp.healthPort, 9090);
    assert.equal(probeFromObject(exec.livenessProbe)?.handler.type, 'exec');
  });
  it('appVersion is written quoted, and NOTES explain port-forward with the chart helpers', () => {
    assert.equal(setAppVersion('name: w\nappVersion: 1.16.0\n', '0.0.3'), 'name: w\nappVersion: "0.0.3"\n');
    const notes = workerNotes('sample-worker');
    assert.match(notes, /port-forward \$POD_NAME 8080:\{\{ \.Values\.healthPort \}\}/);
    assert.match(notes, /include "sample-worker\.name"/);
  });
});

describe('the budget comment we write above livenessProbe', () => {
  const old = 'replicaCount: 1\nimage:\n  repository: nginx\n  tag: ""\nserviceAccount:\n  create: true\nresources: {}\n';
  const created = () => stripValues(old, { repository: 'r.io/w', tag: '0.0.1', healthPort: 8080, healthPath: '/healthz' });
  it('a new chart states the budget of its seed probe (55 s)', () => {
    assert.match(created(), /^# here \(failureThreshold - 1\) x periodSeconds \+ timeoutSeconds = 55 s\.\nlivenessProbe:/m);
  });
  it('is restated for the saved probe, and nothing else changes', () => {
    const before = created();
    const after = updateBudgetComment(before, { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 10 });
    assert.deepEqual(changedLines(before, after), [[budgetCommentLine({ periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 }), '# here (failureThreshold - 1) x periodSeconds + timeoutSeconds = 95 s.']]);
    // defaults fill what the probe leaves out: period 10, timeout 1, failureThreshold 3
    assert.match(updateBudgetComment(before, {}), /= 21 s\.\nlivenessProbe:/);
  });
  it('says so when the liveness probe is turned off, and comes back when it is on again', () => {
    const off = updateBudgetComment(created(), undefined);
    assert.match(off, /^# here there is no liveness probe: a worker that hangs is never restarted\.\nlivenessProbe:/m);
    assert.equal(updateBudgetComment(off, { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 }), created());
  });
  it('keeps CRLF line ends', () => {
    const crlf = created().replace(/\n/g, '\r\n');
    assert.equal(updateBudgetComment(crlf, { periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 6 }), crlf.replace('= 55 s.', '= 30 s.'));
  });
  it('leaves comments that are not ours (or no longer exactly ours) alone', () => {
    for (const text of [
      '# here (failureThreshold - 1) x periodSeconds + timeoutSeconds = 55 s, roughly.\nlivenessProbe:\n  periodSeconds: 10\n',
      '# the budget is = 55 s.\nlivenessProbe:\n  periodSeconds: 10\n',
      // not in the comment block right above the key
      '# here (failureThreshold - 1) x periodSeconds + timeoutSeconds = 55 s.\nreplicaCount: 1\nlivenessProbe:\n  periodSeconds: 10\n',
      // indented: not the top-level key
      'x:\n  # here (failureThreshold - 1) x periodSeconds + timeoutSeconds = 55 s.\n  livenessProbe:\n    periodSeconds: 10\n',
      'replicaCount: 1\n',
    ]) {
      assert.equal(updateBudgetComment(text, { periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 }), text);
    }
  });
});

describe('Helm error locations', () => {
  it('finds the template file, line and column', async () => {
    const { parseHelmError } = await import('../../src/core/chart');
    assert.deepEqual(parseHelmError('Error: template: sample-worker/templates/deployment.yaml:42:20: executing "sample-worker/templates/deployment.yaml" at <.Values.nope.port>: nil pointer evaluating interface {}.port'), {
      file: 'templates/deployment.yaml',
      line: 42,
      column: 20,
      message: 'executing "sample-worker/templates/deployment.yaml" at <.Values.nope.port>: nil pointer evaluating interface {}.port',
    });
    assert.deepEqual(parseHelmError('Error: YAML parse error on w/templates/deployment.yaml: error converting YAML to JSON: yaml: line 12: did not find expected key'), { file: 'templates/deployment.yaml', line: 12, message: 'did not find expected key' });
    assert.equal(parseHelmError('Error: Kubernetes cluster unreachable'), undefined);
  });
  it('finds a malformed values.yaml (Helm 3 and 4), fail/required and Helm 4\'s two-line template errors', async () => {
    const { parseHelmError } = await import('../../src/core/chart');
    const values = { file: 'values.yaml', line: 17, column: undefined, message: 'mapping values are not allowed in this context' };
    assert.deepEqual(parseHelmError('Release "x" does not exist. Installing it now.\nError: cannot load values.yaml: error converting YAML to JSON: yaml: line 17: mapping values are not allowed in this context'), values);
    assert.deepEqual(parseHelmError('Error: cannot load values.yaml: cannot unmarshal yaml document: error converting YAML to JSON: yaml: line 17: mapping values are not allowed in this context'), values);
    assert.deepEqual(parseHelmError('Error: execution error at (w/templates/deployment.yaml:23:32): image.tag is required'), { file: 'templates/deployment.yaml', line: 23, column: 32, message: 'image.tag is required' });
    assert.deepEqual(parseHelmError('Error: w/templates/deployment.yaml:24:19\n  executing "w/templates/deployment.yaml" at <.Values.x.y>:\n    nil pointer evaluating interface {}.y\n'), {
      file: 'templates/deployment.yaml',
      line: 24,
      column: 19,
      message: 'executing "w/templates/deployment.yaml" at <.Values.x.y>: nil pointer evaluating interface {}.y',
    });
  });
});

describe('Helm 3 and 4 flags', () => {
  it('spells dry run, wait and roll-back-on-failure for each version', async () => {
    const { atomicFlag, dryRunFlag, waitFlag } = await import('../../src/tools/helm');
    const v = (version: string) => ({ version, major: Number(version.split('.')[0]), minor: Number(version.split('.')[1]) });
    assert.equal(dryRunFlag(v('3.12.3')), '--dry-run');
    assert.equal(dryRunFlag(v('3.13.0')), '--dry-run=client');
    assert.equal(dryRunFlag(v('4.1.4'), 'server'), '--dry-run=server');
    assert.equal(atomicFlag(v('3.18.0')), '--atomic');
    assert.equal(atomicFlag(v('4.1.4')), '--rollback-on-failure');
    assert.equal(waitFlag(v('3.18.0'), 'legacy'), '--wait');
    assert.equal(waitFlag(v('4.1.4'), 'legacy'), '--wait=legacy');
    assert.equal(waitFlag(v('4.1.4')), '--wait');
  });
});
