import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseRendered } from '../../src/core/chartRender';
import { runCli } from '../support/runCli';
import { rigEnv } from '../rig/tests/rig';

/**
 * The chart corpus (test/fixtures/chart-corpus: charts in the styles of bitnami, prometheus-community,
 * grafana, argo, cert-manager, ingress-nginx, eShop and both `helm create`s) against real Helm 3 and 4:
 * `probes get` must find each probe and where each field lives, and every edit of the manifest must
 * end as it says — judged by what Helm renders afterwards, with every other byte unchanged.
 */
const CORPUS = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'chart-corpus');

interface FieldExpect {
  values?: string;
  file?: string;
  line?: number;
  template?: string;
}
interface ProbeExpect {
  rendered: Record<string, unknown> | null;
  switch?: string;
  fields?: Record<string, FieldExpect>;
}
interface EditExpect {
  exit: number;
  filesChanged?: string[];
  mayAlsoChange?: string[];
  unchanged?: string[];
  renderedAfter?: Record<string, unknown> | null;
  probeOf?: { workload: string; container: string };
  chartYaml?: Record<string, string>;
  chartYamlLines?: string[];
  valuesLines?: Record<string, string[]>;
  renderedImage?: string;
  renderedImages?: Record<string, string>;
  lineEndings?: 'crlf' | 'lf';
  symlinkKept?: string;
  stderr?: string;
}
interface Entry {
  name: string;
  chart: string;
  copyRoot?: string;
  release: string;
  namespace: string;
  valuesFiles: string[];
  helm: Record<'3' | '4', string>;
  defaultWorkload?: { kind: string; name: string; container: string } | null;
  probes?: Record<string, ProbeExpect>;
  probesByContainer?: Record<string, Record<string, ProbeExpect>>;
  edits?: Array<{ args: string[]; valuesFiles?: string[]; expect: EditExpect; why?: string }>;
}

const corpus = JSON.parse(readFileSync(join(CORPUS, 'corpus.json'), 'utf8')) as Entry[];

/** Every file of a folder, relative path → bytes; a symbolic link is recorded as a link, not followed. */
function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isSymbolicLink()) out.set(relative(dir, p), Buffer.from(`-> ${readlinkSync(p)}`));
      else if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

const WHERE = (w: string, c: string) => `${w} ${c}`;

for (const major of ['3', '4'] as const) {
  describe(`chart corpus with Helm ${major}: probes found, edited and verified by Helm's render`, function () {
    this.timeout(120_000);
    let helm: string;
    const dirs: string[] = [];
    before(() => {
      helm = major === '3' ? rigEnv().RIG_HELM3 : rigEnv().RIG_HELM4;
      assert.ok(helm && existsSync(helm), `Helm ${major} from the rig (test/rig/rig install)`);
    });
    after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

    it('has at least 25 charts', () => assert.ok(corpus.length >= 25, `${corpus.length}`));

    for (const entry of corpus) {
      const renders = entry.helm[major] === 'renders';
      const flagsFor = (chartDir: string, files: string[]) => ['--helm', helm, '--release', entry.release, '--namespace', entry.namespace, ...files.flatMap((f) => ['-f', join(chartDir, f)])];

      /** probes get for one container, compared with what the manifest says of it. */
      const checkGet = async (chartDir: string, where: string | undefined, want: Record<string, ProbeExpect>) => {
        const [workload, container] = where ? where.split(/\/(?=[^/]+$)/) : [];
        const r = await runCli(['probes', 'get', chartDir, '--json', ...flagsFor(chartDir, entry.valuesFiles), ...(where ? ['--workload', workload, '--container', container] : [])]);
        assert.equal(r.code, 0, `${entry.name} ${where ?? ''}: ${r.err}`);
        const got = JSON.parse(r.out) as { workload: string; container: string; probes: Record<string, unknown>; where: Record<string, { fields: Record<string, { kind: string; file?: string; line?: number; path?: string }>; switch?: { path: string } }> };
        for (const [kind, probe] of Object.entries(want)) {
          const label = `${entry.name} ${where ?? got.workload} ${kind}`;
          assert.deepEqual(got.probes[kind] ?? null, probe.rendered, label);
          if (probe.switch) assert.equal(got.where[kind].switch?.path, probe.switch, `${label} switch`);
          for (const [field, loc] of Object.entries(probe.fields ?? {})) {
            const g = got.where[kind].fields[field];
            assert.ok(g, `${label}.${field} located (found: ${Object.keys(got.where[kind].fields).join(', ')})`);
            if (loc.values) {
              assert.equal(g.kind, 'values', `${label}.${field}: ${JSON.stringify(g)}`);
              assert.equal(g.path, loc.values, `${label}.${field} key`);
              if (loc.file) assert.equal(g.file, loc.file, `${label}.${field} file`);
              if (loc.line) assert.equal(g.line, loc.line, `${label}.${field} line`);
            } else if (loc.template) {
              assert.notEqual(g.kind, 'values', `${label}.${field} is set in a template: ${JSON.stringify(g)}`);
              if (g.kind === 'template') {
                assert.equal(g.file, loc.template, `${label}.${field} template`);
                if (loc.line) assert.equal(g.line, loc.line, `${label}.${field} template line`);
              }
            }
          }
        }
        return got;
      };

      it(`${entry.name}: probes get`, async () => {
        const dir = join(CORPUS, entry.chart);
        if (!renders) {
          const r = await runCli(['probes', 'get', dir, '--json', ...flagsFor(dir, entry.valuesFiles)]);
          assert.equal(r.code, 2, `${entry.name}: ${r.out}${r.err}`);
          assert.match(r.err, new RegExp(entry.helm[major].replace(/^error:\s*/, '')), r.err);
          return;
        }
        if (entry.defaultWorkload) {
          const got = await checkGet(dir, undefined, entry.probes ?? {});
          assert.equal(got.workload, `${entry.defaultWorkload.kind}/${entry.defaultWorkload.name}`);
          assert.equal(got.container, entry.defaultWorkload.container);
        } else {
          const r = await runCli(['probes', 'get', dir, '--json', ...flagsFor(dir, entry.valuesFiles)]);
          assert.equal(r.code, 2, `${entry.name} has no default container: ${r.out}`);
          assert.match(r.err, /several containers|--workload/);
        }
        for (const [where, want] of Object.entries(entry.probesByContainer ?? {})) await checkGet(dir, where, want);
      });

      // Edits are judged by a render: only where this Helm renders the chart.
      for (const [i, edit] of (renders ? (entry.edits ?? []) : []).entries()) {
        it(`${entry.name}: ${edit.args.join(' ')}${edit.valuesFiles?.length ? ` -f ${edit.valuesFiles.join(' -f ')}` : ''} → exit ${edit.expect.exit}${edit.why ? ` (${edit.why})` : ''}`, async () => {
          const root = mkdtempSync(join(tmpdir(), `aksw-chart-${entry.name}-${i}-`));
          dirs.push(root);
          const from = join(CORPUS, entry.copyRoot ?? entry.chart);
          cpSync(from, root, { recursive: true, verbatimSymlinks: true });
          const dir = entry.copyRoot ? join(root, relative(join(CORPUS, entry.copyRoot), join(CORPUS, entry.chart))) : root;
          const files = edit.valuesFiles ?? entry.valuesFiles;
          const before = snapshot(root);
          const args = [...edit.args.slice(0, 2), dir, ...edit.args.slice(2), ...flagsFor(dir, files)];
          const r = await runCli(args);
          const e = edit.expect;
          assert.equal(r.code, e.exit, `${entry.name}: ${args.join(' ')}\n${r.out}${r.err}`);
          if (e.stderr) assert.match(r.err, new RegExp(e.stderr.replace(/^\(\?i\)/, ''), e.stderr.startsWith('(?i)') ? 'i' : ''), r.err);
          const after = snapshot(root);
          const prefix = relative(root, dir);
          const changed = [...after.keys()].filter((f) => !before.get(f)?.equals(after.get(f) as Buffer)).map((f) => (prefix ? relative(prefix, f) : f));
          const allowed = new Set([...(e.filesChanged ?? []), ...(e.mayAlsoChange ?? [])]);
          if (e.exit !== 0) assert.deepEqual(changed, [], `${entry.name}: nothing written on refusal`);
          else {
            for (const f of e.filesChanged ?? []) assert.ok(changed.includes(f), `${entry.name}: ${f} changed (changed: ${changed.join(', ')})`);
            for (const f of changed) assert.ok(allowed.has(f), `${entry.name}: ${f} must not change`);
          }
          for (const f of e.unchanged ?? []) assert.ok(!changed.includes(f), `${entry.name}: ${f} unchanged`);
          if (e.symlinkKept) assert.ok(lstatSync(join(dir, e.symlinkKept)).isSymbolicLink(), `${entry.name}: ${e.symlinkKept} is still a link`);
          if (e.exit !== 0) return;
          for (const [file, lines] of Object.entries(e.valuesLines ?? {})) {
            const text = readFileSync(join(dir, file), 'utf8').split(/\r?\n/);
            for (const l of lines) assert.ok(text.includes(l), `${entry.name}: ${file} has the line ${JSON.stringify(l)}`);
          }
          for (const l of e.chartYamlLines ?? []) assert.ok(readFileSync(join(dir, 'Chart.yaml'), 'utf8').split(/\r?\n/).includes(l), `${entry.name}: Chart.yaml has ${JSON.stringify(l)}`);
          if (e.lineEndings === 'crlf') for (const f of e.filesChanged ?? []) assert.doesNotMatch(readFileSync(join(dir, f), 'utf8'), /[^\r]\n/, `${entry.name}: ${f} keeps CRLF`);
          // Judged by what Helm renders now.
          const rendered = parseRendered(execFileSync(helm, ['template', entry.release, dir, '--namespace', entry.namespace, ...files.flatMap((f) => ['-f', join(dir, f)])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
          const containerAt = (w: string, c: string) => rendered.find((x) => `${x.kind}/${x.name}` === w)?.containers.find((x) => x.name === c);
          if (e.renderedAfter !== undefined) {
            const kind = edit.args[edit.args.indexOf('--probe') + 1] as 'liveness' | 'readiness' | 'startup';
            const of = e.probeOf ?? (entry.defaultWorkload ? { workload: `${entry.defaultWorkload.kind}/${entry.defaultWorkload.name}`, container: entry.defaultWorkload.container } : undefined);
            assert.ok(of, `${entry.name}: which container`);
            assert.deepEqual(containerAt(of.workload, of.container)?.probes[kind] ?? null, e.renderedAfter, `${entry.name}: rendered ${kind} of ${WHERE(of.workload, of.container)}`);
          }
          if (e.renderedImage && entry.defaultWorkload) {
            const img = containerAt(`${entry.defaultWorkload.kind}/${entry.defaultWorkload.name}`, entry.defaultWorkload.container)?.image;
            assert.ok(img?.endsWith(e.renderedImage), `${entry.name}: image ${img}, want …${e.renderedImage}`);
          }
          for (const [where, image] of Object.entries(e.renderedImages ?? {})) {
            const [w, c] = where.split(/\/(?=[^/]+$)/);
            assert.equal(containerAt(w, c)?.image, image, `${entry.name}: image of ${where}`);
          }
          if (e.chartYaml) {
            const chart = readFileSync(join(dir, 'Chart.yaml'), 'utf8');
            for (const [k, v] of Object.entries(e.chartYaml)) assert.match(chart, new RegExp(`^${k}:\\s*["']?${v.replace(/[.+]/g, '\\$&')}["']?\\s*(#.*)?\\r?$`, 'm'), `${entry.name}: Chart.yaml ${k}`);
          }
          // An edit never makes a chart that passed helm lint fail it.
          const lint = (d: string) => spawnSync(helm, ['lint', d, ...files.flatMap((f) => ['-f', join(d, f)])], { encoding: 'utf8' });
          if (lint(join(CORPUS, entry.chart)).status === 0) {
            const l = lint(dir);
            assert.equal(l.status, 0, `${entry.name}: helm lint after the edit\n${l.stdout}${l.stderr}`);
          }
        });
      }
    }
  });
}
