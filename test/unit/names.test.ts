import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { InvalidNameError, checkName, nameProblem, releaseNameFrom } from '../../src/core/names';
import * as helm from '../../src/tools/helm';
import * as kubectl from '../../src/tools/kubectl';
import { ActionableError } from '../../src/tools/errors';

const HOSTILE = ['--all', '--kubeconfig=/x', '-n', '-A', '--namespace=kube-system', '-'];

describe('Kubernetes and Helm names', () => {
  it('pod names are DNS-1123 subdomains of at most 253 characters', () => {
    for (const ok of ['worker-7d9f8-abcde', 'a', 'x.y-z.0', 'a'.repeat(253)]) assert.equal(nameProblem('pod', ok), undefined, ok);
    for (const bad of [...HOSTILE, '', 'Upper', 'a_b', 'a..b', 'a-', '.a', 'a b', 'a/b', 'a'.repeat(254)]) assert.ok(nameProblem('pod', bad), bad);
  });
  it("release names follow Helm's rule: a DNS-1123 subdomain of at most 53 characters", () => {
    for (const ok of ['sample-worker', 'w1', 'a.b', 'a'.repeat(53)]) assert.equal(nameProblem('release', ok), undefined, ok);
    for (const bad of [...HOSTILE, '', 'Sample', 'a_b', 'a-', 'a'.repeat(54)]) assert.ok(nameProblem('release', bad), bad);
  });
  it('namespaces are DNS-1123 labels of at most 63 characters', () => {
    for (const ok of ['default', 'my-team', 'a'.repeat(63)]) assert.equal(nameProblem('namespace', ok), undefined, ok);
    for (const bad of [...HOSTILE, '', 'a.b', 'Team', 'a'.repeat(64)]) assert.ok(nameProblem('namespace', bad), bad);
  });
  it('checkName says what the name is, where it came from and the rule', () => {
    assert.equal(checkName('release', 'ok-name'), 'ok-name');
    assert.throws(
      () => checkName('release', '--kubeconfig=/x', 'set by aksWorker.releaseName'),
      (e: unknown) => e instanceof InvalidNameError && /^"--kubeconfig=\/x" is not a valid release name \(set by aksWorker\.releaseName\): .*lowercase letters/.test(e.message),
    );
    assert.throws(() => checkName('pod', 'a\nb'), /"a\\x0ab" is not a valid pod name/);
  });
});

/**
 * Every function in src/tools that builds a kubectl or helm command line, called with names that
 * start with "-": each name is refused, or lands after "--" or inside TYPE/NAME, never as an
 * argument of its own before "--" where kubectl or helm would read it as an option.
 */
const V3 = { version: '3.18.0', major: 3, minor: 18 };
const V4 = { version: '4.1.4', major: 4, minor: 1 };
type Builder = (name: string) => string[];
const BUILDERS: Record<string, Builder[]> = {
  useContextArgs: [(n) => kubectl.useContextArgs(n)],
  watchArgs: [(n) => kubectl.watchArgs('pods', n), (n) => kubectl.watchArgs(n, 'default')],
  describePodArgs: [(n) => kubectl.describePodArgs(n, 'default'), (n) => kubectl.describePodArgs('w-1', n)],
  podLogsArgs: [(n) => kubectl.podLogsArgs(n, 'default'), (n) => kubectl.podLogsArgs('w-1', n), (n) => kubectl.podLogsArgs('w-1', 'default', { container: n, previous: true })],
  deletePodArgs: [(n) => kubectl.deletePodArgs(n, 'default'), (n) => kubectl.deletePodArgs('w-1', n)],
  listJsonArgs: [(n) => kubectl.listJsonArgs('pods', n), (n) => kubectl.listJsonArgs(n, 'default')],
  portForwardArgs: [(n) => kubectl.portForwardArgs(n, 8080, 'default'), (n) => kubectl.portForwardArgs('w-1', 8080, n, 9000)],
  createArgs: [(n) => helm.createArgs(n)],
  lintArgs: [(n) => helm.lintArgs(n)],
  templateArgs: [(n) => helm.templateArgs(n, '/c'), (n) => helm.templateArgs('r', n), (n) => helm.templateArgs('r', '/c', { namespace: n })],
  historyArgs: [(n) => helm.historyArgs(n, 'default'), (n) => helm.historyArgs('r', n)],
  rollbackArgs: [(n) => helm.rollbackArgs(n, 2, 'default', { wait: true }), (n) => helm.rollbackArgs('r', 2, n)],
  uninstallArgs: [(n) => helm.uninstallArgs(n, 'default'), (n) => helm.uninstallArgs('r', n, { wait: true })],
  statusArgs: [(n) => helm.statusArgs(n, 'default'), (n) => helm.statusArgs('r', n)],
  upgradeInstallArgs: [
    (n) => helm.upgradeInstallArgs({ release: n, chartDir: '/c', namespace: 'default', wait: true, atomic: true }, V3),
    (n) => helm.upgradeInstallArgs({ release: 'r', chartDir: n, namespace: 'default', dryRun: 'client' }, V4),
    (n) => helm.upgradeInstallArgs({ release: 'r', chartDir: '/c', namespace: n, createNamespace: true }, V4),
  ],
};

/** The arguments kubectl or helm parse as options or positionals: everything before "--". */
const beforeDashDash = (args: string[]) => (args.includes('--') ? args.slice(0, args.indexOf('--')) : args);

describe('kubectl and helm argument builders with names that look like options', () => {
  it('covers every argument builder exported by src/tools/kubectl.ts and src/tools/helm.ts', () => {
    const exported = [...Object.keys(kubectl), ...Object.keys(helm)].filter((k) => /Args$/.test(k)).sort();
    assert.deepEqual(exported, Object.keys(BUILDERS).sort());
  });

  it('no kubectl or helm run in src/tools passes an argument array that bypasses the builders', () => {
    const dir = join(__dirname, '..', '..', '..', 'src', 'tools');
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      const text = fs.readFileSync(join(dir, f), 'utf8');
      assert.doesNotMatch(text, /runTool\(TOOLS\.(kubectl|helm),[^;]*?,\s*\[/, `${f}: a kubectl/helm command line written inline`);
      if (f === 'helm.ts') {
        const inline = [...text.matchAll(/\b(?:run|helm)\(o, \[([^\]]*)\]/g)].map((m) => m[1]);
        assert.deepEqual(inline, ["'version', '--template', '{{.Version}}'"], 'the only inline helm command line is `helm version` (no name in it)');
      }
    }
  });

  for (const [builder, calls] of Object.entries(BUILDERS)) {
    it(`${builder}: a name starting with "-" is refused or never stands alone before "--"`, () => {
      calls.forEach((call, i) => {
        for (const name of HOSTILE) {
          let args: string[];
          try {
            args = call(name);
          } catch (e) {
            assert.ok(e instanceof InvalidNameError || e instanceof ActionableError || (e instanceof Error && /is not a Kubernetes resource kind/.test(e.message)), `${builder}#${i} ${name}: ${String(e)}`);
            continue;
          }
          assert.ok(!beforeDashDash(args).includes(name), `${builder}#${i}: ${JSON.stringify(name)} is an option in ${JSON.stringify(args)}`);
          assert.ok(args.includes(name) || args.some((a) => a.endsWith(`/${name}`) || a.endsWith(`=${name}`)), `${builder}#${i}: ${JSON.stringify(name)} is passed on (${JSON.stringify(args)})`);
        }
      });
    });
  }

  it('valid names keep their places: TYPE/NAME for kubectl, after "--" for helm', () => {
    assert.deepEqual(kubectl.deletePodArgs('w-1', 'team-a'), ['delete', 'pod/w-1', '--namespace', 'team-a', '--wait=false']);
    assert.deepEqual(kubectl.describePodArgs('w-1', 'default'), ['describe', 'pod/w-1', '--namespace', 'default']);
    assert.deepEqual(kubectl.podLogsArgs('w-1', 'default', { container: 'app', previous: true, tail: 10 }), ['logs', 'pod/w-1', '--namespace', 'default', '--previous', '--container=app', '--tail', '10', '--timestamps']);
    assert.deepEqual(kubectl.useContextArgs('--kubeconfig=/x'), ['config', 'use-context', '--', '--kubeconfig=/x']);
    assert.deepEqual(helm.statusArgs('r', 'default'), ['status', '--namespace', 'default', '--output', 'json', '--', 'r']);
    assert.deepEqual(helm.upgradeInstallArgs({ release: 'r', chartDir: '/c', namespace: 'n', wait: true, timeout: '5m', set: ['a=b'] }, V4), [
      'upgrade', '--install', '--namespace', 'n', '--output', 'json', '--wait', '--timeout', '5m', '--set', 'a=b', '--', 'r', '/c',
    ]);
    assert.deepEqual(helm.lintArgs('-chart'), ['lint', '--', '-chart']);
  });

  it('Delete Pod on a pod named --all is refused before kubectl runs', async () => {
    // A kubectl that does not exist: the name is refused first, so this is not "kubectl not found".
    await assert.rejects(kubectl.deletePod('--all', 'default', { paths: { kubectl: '/opt/no-such-tools/kubectl' } }), InvalidNameError);
    await assert.rejects(kubectl.describePod('--kubeconfig=/x', 'default', { paths: { kubectl: '/opt/no-such-tools/kubectl' } }), InvalidNameError);
    await assert.rejects(helm.uninstall('--all', 'default', { paths: { helm: '/opt/no-such-tools/helm' } }), InvalidNameError);
  });

  it('a watch on a namespace that is not a name fails at once and runs nothing', async () => {
    const states: kubectl.WatchStatus[] = [];
    const w = kubectl.watchKind('pods', { namespace: '--all-namespaces', paths: { kubectl: '/opt/no-such-tools/kubectl' }, onEvent: () => assert.fail('no events'), onStatus: (s) => states.push(s) });
    await w.done;
    assert.deepEqual(states.map((s) => s.state), ['failed']);
    assert.match(states[0].message ?? '', /"--all-namespaces" is not a valid namespace name/);
  });
});

describe('releaseNameFrom', () => {
  it('makes a valid release name from a folder name', () => {
    assert.equal(releaseNameFrom('sample-worker'), 'sample-worker');
    assert.equal(releaseNameFrom('My_Worker'), 'my-worker');
    assert.equal(releaseNameFrom('aksw-probes-FCQFj1'), 'aksw-probes-fcqfj1');
    assert.equal(releaseNameFrom('--all'), 'all');
    assert.equal(releaseNameFrom('a..b-'), 'a.b');
    assert.equal(releaseNameFrom('___'), 'release-name');
    assert.equal(releaseNameFrom('x'.repeat(80)).length, 53);
  });
});

describe('aks-worker: names given on the command line', () => {
  it('--release, --namespace and --pod that are not names stop with exit 2 and the rule, before any tool runs', async () => {
    const { runCli } = await import('../support/runCli');
    const chart = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'sample-worker', 'charts', 'sample-worker');
    const tools = ['--kubectl', '/opt/no-such-tools/kubectl', '--helm', '/opt/no-such-tools/helm'];
    for (const [args, re] of [
      [['probes', 'measure', chart, '--release=--all', ...tools], /^aks-worker: --release "--all" is not a valid release name\. A release name uses only lowercase letters/],
      [['probes', 'measure', chart, '--namespace=--all-namespaces', ...tools], /^aks-worker: --namespace "--all-namespaces" is not a valid namespace name\./],
      [['probes', 'measure', chart, '--pod=--kubeconfig=/x', ...tools], /^aks-worker: --pod "--kubeconfig=\/x" is not a valid pod name\./],
      [['ship', chart, '--release=Bad_Name', ...tools], /^aks-worker: --release "Bad_Name" is not a valid release name\./],
    ] as const) {
      const r = await runCli([...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, re);
      assert.equal(r.out, '');
    }
  });
});
