import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseChartYaml, readValuesProbes } from '../../src/core/chartFiles';
import { readChartProbes } from '../../src/core/chartProbes';
import { mergeKubeconfigs } from '../../src/core/kubeconfig';
import { parseMsbuildXml } from '../../src/core/msbuildStatic';
import { DotnetModelError } from '../../src/core/dotnetModel';
import { MAX_PARSE_DEPTH, ParseLimitError, guardXml, guardYaml, xmlNesting, yamlErrorWithoutSource, yamlNesting } from '../../src/core/parseLimits';
import { workflowSteps } from '../../src/core/workspace';

const fixtures = join(__dirname, '..', '..', '..', 'test', 'fixtures');
const cliMain = join(__dirname, '..', 'support', 'cliMain.js');

function filesUnder(dir: string, test: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p, test));
    else if (test(e.name)) out.push(p);
  }
  return out;
}

/** The file: `x:` then 50,000 `[` and 50,000 `]`, 100 KB. */
const bracketBomb = `x: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`;

describe('parse limits', () => {
  it('measures YAML nesting: indentation, compact sequences, flow collections', () => {
    assert.equal(yamlNesting('a: 1\nb: 2\n').depth, 1);
    assert.equal(yamlNesting('a:\n  b:\n    c: 1\nd: 2\n').depth, 3);
    assert.equal(yamlNesting('- - - x\n').depth, 4);
    assert.equal(yamlNesting('x: [[[1]]]\n').depth, 4);
    assert.equal(yamlNesting('x: {a: {b: [1, {c: 2}]}}\n').depth, 5);
    assert.equal(yamlNesting(bracketBomb).depth, 50_001);
  });

  it('does not count brackets in strings, comments, block scalars or plain text', () => {
    const deep = '['.repeat(600);
    assert.equal(yamlNesting(`a: "${deep}"\nb: '${deep}'\nc: x${deep}\n# ${deep}\n`).depth, 1);
    assert.equal(yamlNesting(`script: |\n  ${deep}\n    ${deep}\n      more\nnext: 1\n`).depth, 1);
    assert.equal(yamlNesting(`a: "multi\n  line ${deep}\n  end"\nb: 1\n`).depth, 1);
    assert.equal(yamlNesting(`a: 'it''s ${deep}'\n`).depth, 1);
    assert.equal(yamlNesting(`json: {"k":"${deep}"}\n`).depth, 2);
    assert.doesNotThrow(() => guardYaml(`a: "${deep}"\n`, 'values.yaml'));
  });

  it('accepts every chart, values and template file of the fixtures', () => {
    const files = filesUnder(fixtures, (n) => /\.ya?ml$/.test(n));
    assert.ok(files.length > 50, `found ${files.length} YAML files`);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      assert.doesNotThrow(() => guardYaml(text, f), f);
      assert.ok(yamlNesting(text).depth < 32, `${f}: ${yamlNesting(text).depth}`);
    }
  });

  it('accepts every MSBuild file of the fixtures and measures XML nesting', () => {
    const files = filesUnder(fixtures, (n) => /\.(csproj|fsproj|vbproj|props|targets)$/.test(n));
    assert.ok(files.length > 10, `found ${files.length} MSBuild files`);
    for (const f of files) assert.doesNotThrow(() => guardXml(readFileSync(f, 'utf8'), f), f);
    assert.equal(xmlNesting('<?xml version="1.0"?><Project><A x="<b>" /><!-- <c><d> --><![CDATA[<e><f>]]><G><H>t</H></G></Project>').depth, 3);
    assert.equal(xmlNesting(`<Project>${'<a>'.repeat(300)}`).depth, 301);
  });

  it('refuses deep nesting and huge files with the file, the measure and the limit', () => {
    assert.throws(() => guardYaml(bracketBomb, 'charts/w/values.yaml'), (e: unknown) => {
      assert.ok(e instanceof ParseLimitError);
      assert.equal(e.message, 'charts/w/values.yaml is nested 50,001 levels deep (at line 1) (limit 256); it was not read.');
      assert.equal(e.limit, 'depth');
      return true;
    });
    assert.throws(() => guardYaml(`${'- '.repeat(MAX_PARSE_DEPTH + 1)}x\n`, 'v.yaml'), /v\.yaml is nested 258 levels deep/);
    assert.throws(() => guardYaml('a: 1\n'.repeat(4 * 1024 * 1024), 'big.yaml'), /big\.yaml is 20 MB \(limit 16 MB\); it was not read\./);
    assert.throws(() => guardXml(`<Project>${'<a>'.repeat(1000)}${'</a>'.repeat(1000)}</Project>`, 'W.csproj'), /W\.csproj nests elements 1,001 levels deep \(at line 1\) \(limit 256\)/);
    // text a string hides from the YAML-aware count is still bounded by the raw count
    assert.throws(() => guardYaml(`a: b\n  "c\n${'['.repeat(2000)}\n`, 'hidden.yaml'), /hidden\.yaml opens 2,000 brackets or sequence entries/);
  });

  it('the workspace scan reports a hostile values.yaml or Chart.yaml as a problem of its chart', () => {
    const v = readValuesProbes(bracketBomb);
    assert.deepEqual(v.probes, []);
    assert.match(v.error ?? '', /^values\.yaml is nested 50,001 levels deep/);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]', 'livenessProbe: { httpGet: { path: /, port: 80 } }', ''].join('\n');
    assert.match(readValuesProbes(bomb).error ?? '', /^values\.yaml: .*alias/i);
    assert.match(parseChartYaml('w', `name: ${'{'.repeat(300)}`).error ?? '', /^Chart\.yaml is nested 301 levels deep/);
    const steps = workflowSteps({ dockerfiles: [], projects: [], solutions: [], charts: [{ dir: 'w', name: 'w', version: '0.1.0', probes: [], valuesError: v.error }] }, {});
    const probes = steps.find((s) => s.id === 'probes');
    assert.equal(probes?.state, 'problem');
    assert.equal(probes?.description, 'values.yaml has errors');
    assert.deepEqual(probes?.children?.map((c) => [c.label, c.problem, c.path]), [['w/values.yaml', true, 'w/values.yaml']]);
  });

  it('an alias bomb in values.yaml is an error for the probe form, not "no probes"', () => {
    const deployment = 'spec:\n  template:\n    spec:\n      containers:\n        - name: w\n          {{- with .Values.livenessProbe }}\n          livenessProbe:\n            {{- toYaml . | nindent 12 }}\n          {{- end }}\n';
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]', 'livenessProbe: { httpGet: { path: /, port: 80 } }', ''].join('\n');
    assert.throws(() => readChartProbes(bomb, deployment), /^ParseLimitError: values\.yaml expands YAML aliases more than 1,000 times; it was not read\.$/);
    assert.throws(() => readChartProbes(bracketBomb, deployment), ParseLimitError);
    // shared blocks used a few hundred times stay readable
    const shared = `common: &c { periodSeconds: 10 }\n${Array.from({ length: 300 }, (_, i) => `k${i}: *c`).join('\n')}\nlivenessProbe: { httpGet: { path: /, port: 80 } }\n`;
    assert.equal(readChartProbes(shared, deployment).probes.liveness?.handler.type, 'httpGet');
  });

  it('a hostile MSBuild file is a DotnetModelError naming it', () => {
    assert.throws(
      () => parseMsbuildXml(`<Project>${'<PropertyGroup>'.repeat(50_000)}`, 'src/W/W.csproj'),
      (e: unknown) => e instanceof DotnetModelError && /^src\/W\/W\.csproj nests elements 50,001 levels deep/.test(e.message),
    );
  });

  it('aks-worker probes get exits 2 with the limit on the issue\'s values.yaml (it aborted the process before)', function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), 'aksw-limits-'));
    try {
      mkdirSync(join(dir, 'templates'));
      writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: hostile\nversion: 0.1.0\n');
      writeFileSync(join(dir, 'templates', 'deployment.yaml'), 'kind: Deployment\n');
      writeFileSync(join(dir, 'values.yaml'), bracketBomb);
      assert.equal(statSync(join(dir, 'values.yaml')).size, 100_004);
      const r = spawnSync(process.execPath, [cliMain, 'probes', 'get', dir], { encoding: 'utf8', timeout: 50_000, env: { ...process.env, PATH: process.env.PATH } });
      assert.equal(r.signal, null, `ended by ${r.signal}: ${r.stderr.slice(0, 500)}`);
      assert.equal(r.status, 2, r.stderr.slice(0, 500));
      assert.equal(r.stderr.trim(), `aks-worker probes: ${join(dir, 'values.yaml')} is nested 50,001 levels deep (at line 1) (limit 256); it was not read.`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parse errors of credential files', () => {
  const secrets = ['LS0tS1VQRVJTRUNSRVRLRVk=', 'hunter2-secret', 'tok-ABCDEF123', 'c2VjcmV0LWNlcnQ='];
  const kubeconfig = [
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${secrets[3]}`,
    '    server: https://aks.example:443',
    '  name: aks',
    'users:',
    '- name: admin',
    '  user:',
    `    client-key-data: ${secrets[0]}`,
    `   password: ${secrets[1]}`,
    `    token: ${secrets[2]}`,
    '',
  ].join('\n');

  it('a kubeconfig with a bad indent is reported by path, line and column, with no key material', () => {
    const m = mergeKubeconfigs([{ path: '/home/u/.kube/config', text: kubeconfig }]);
    assert.equal(m.errors.length, 1);
    assert.match(m.errors[0], /^\/home\/u\/\.kube\/config:11:\d+: not valid YAML: the indentation is wrong$/);
    for (const s of secrets) assert.ok(!m.errors[0].includes(s), `the error quotes ${s}`);
    assert.ok(!/client-key-data|password|token/.test(m.errors[0]), m.errors[0]);
  });

  it('no error or warning quotes the file: unknown tags, bad aliases and escapes, block headers', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    const cases = [`token: !${secrets[2]} x\n`, `password: *${secrets[1]}\n`, `token: "\\q${secrets[2]}"\n`, `key: |x${secrets[0]}\n  a\n`, `a: [${secrets[1]}\n`, `a: b: ${secrets[1]}\n`];
    try {
      for (const text of cases) {
        const m = mergeKubeconfigs([{ path: 'cfg', text }]);
        for (const e of m.errors) for (const s of secrets) assert.ok(!e.includes(s), `${JSON.stringify(text)} → ${e}`);
      }
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    for (const w of warnings) for (const s of secrets) assert.ok(!w.includes(s), `a process warning quotes ${s}: ${w}`);
    assert.equal(yamlErrorWithoutSource(new RangeError('Maximum call stack size exceeded'), 'cfg'), 'cfg: too complex to read');
  });
});
