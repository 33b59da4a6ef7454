import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { bumpChart, rawScalar } from '../../src/core/bump';
import { parseChartYaml, readValuesProbes } from '../../src/core/chartFiles';
import { moveProbesToValues, readChartProbes, writeProbeToValues } from '../../src/core/chartProbes';
import { parseRendered } from '../../src/core/chartRender';
import { mergeKubeconfigs } from '../../src/core/kubeconfig';
import { decodeProjectText, parseMsbuildXml } from '../../src/core/msbuildStatic';
import { setValue } from '../../src/core/valuesEdit';
import { parseXml } from '../../src/core/xml';
import { parseForEdit } from '../../src/core/yamlEdit';
import { planShip } from '../../src/tools/ship';
import { readChartProbesFromDir } from '../../src/tools/workerChart';

/*
 * Hostile YAML and XML, generated from a fixed seed, fed to every reader of user files. Each call must
 * return, or throw one of the errors the readers document, within a time bound; nothing may abort the
 * process or leave the heap grown.
 */

/** mulberry32: a small deterministic generator, so a failure reproduces. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)), pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] };
}

const fixtures = join(__dirname, '..', '..', '..', 'test', 'fixtures');
const sampleValues = readFileSync(join(fixtures, 'sample-worker', 'charts', 'sample-worker', 'values.yaml'), 'utf8');
const sampleChart = readFileSync(join(fixtures, 'sample-worker', 'charts', 'sample-worker', 'Chart.yaml'), 'utf8');
const sampleDeployment = readFileSync(join(fixtures, 'sample-worker', 'charts', 'sample-worker', 'templates', 'deployment.yaml'), 'utf8');
const sampleProject = (() => {
  const dir = join(fixtures, 'sample-worker', 'src');
  const find = (d: string): string | undefined => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        const f = find(p);
        if (f) return f;
      } else if (e.name.endsWith('.csproj')) return p;
    }
    return undefined;
  };
  return readFileSync(find(dir) as string, 'utf8');
})();

type R = ReturnType<typeof rng>;

const utf8 = new TextDecoder('utf-8');
const bytesText = (r: R, n: number) => utf8.decode(Uint8Array.from({ length: n }, () => r.int(0, 255)));

/** Hostile YAML texts; each a different way to make a reader crash, hang or bloat. */
const YAML_MAKERS: Record<string, (r: R) => string> = {
  flowSeq: (r) => { const n = r.int(200, 60_000); return `x: ${'['.repeat(n)}${r.next() < 0.5 ? ']'.repeat(n) : ''}\n`; },
  flowMap: (r) => { const n = r.int(200, 30_000); return `x: ${'{a: '.repeat(n)}${'}'.repeat(n)}\n`; },
  mixedFlow: (r) => { const n = r.int(200, 30_000); return `x: ${Array.from({ length: n }, () => r.pick(['[', '{', '[{k: ', '{k: ['])).join('')}\n`; },
  compactSeq: (r) => `${'- '.repeat(r.int(200, 60_000))}x\n`,
  compactMapSeq: (r) => `${'- a:\n  '.repeat(1)}${'- '.repeat(r.int(200, 30_000))}x\n`,
  blockIndent: (r) => Array.from({ length: r.int(100, 600) }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n'),
  hiddenByQuote: (r) => `a: b\n  "c\n${'['.repeat(r.int(300, 50_000))}\n"`,
  hiddenByBlockScalar: (r) => `a: |\n${'['.repeat(r.int(300, 20_000))}\n`,
  aliasBomb: (r) => {
    const fan = r.int(5, 10);
    const levels = r.int(4, 12);
    const lines = [`l0: &l0 [${Array(fan).fill('"lol"').join(', ')}]`];
    for (let i = 1; i < levels; i++) lines.push(`l${i}: &l${i} [${Array(fan).fill(`*l${i - 1}`).join(', ')}]`);
    lines.push(`livenessProbe: *l${levels - 1}`, `image: { repository: r.io/w, tag: *l${levels - 1} }`);
    return `${lines.join('\n')}\n`;
  },
  mergeBomb: (r) => {
    const lines = ['b0: &b0 { a: 1, b: 2 }'];
    const levels = r.int(5, 20);
    for (let i = 1; i < levels; i++) lines.push(`b${i}: &b${i} { <<: [${Array(r.int(2, 8)).fill(`*b${i - 1}`).join(', ')}], k${i}: ${i} }`);
    lines.push(`image: { <<: *b${levels - 1}, tag: x }`);
    return `${lines.join('\n')}\n`;
  },
  hugeScalar: (r) => `image:\n  repository: ${'x'.repeat(r.int(100_000, 1_000_000))}\n  tag: "1"\n`,
  hugeQuoted: (r) => `a: "${'\\u0041'.repeat(r.int(10_000, 50_000))}"\n`,
  longFlowLine: (r) => `x: [${'a, '.repeat(r.int(1_000, 5_000))}b]\n`,
  manyKeys: (r) => Array.from({ length: r.int(500, 2000) }, (_, i) => `k${i}: v${i}`).join('\n'),
  tooLarge: (r) => 'a: 1\n'.repeat(r.int(3_400_000, 3_600_000)),
  invalidUtf8: (r) => `${sampleValues}\n${bytesText(r, r.int(100, 5000))}\n`,
  bomAndUtf16: (r) => r.pick(['\ufeff', '\ufffe', '\u0000', '\uFEFF\uFEFF']) + utf8.decode(Uint8Array.from([0xff, 0xfe, ...Array.from(Buffer.from(sampleValues, 'utf16le'))])) + (r.next() < 0.5 ? '\u0000'.repeat(r.int(1, 1000)) : ''),
  unterminated: (r) => `${sampleValues}\n${r.pick(['a: "', "a: '", 'a: [', 'a: {', 'a: |', 'a: &', 'a: !', 'a: *'])}${'x\n  '.repeat(r.int(1, 2000))}`,
  tabsAndControls: (r) => Array.from({ length: r.int(100, 3000) }, () => r.pick(['\t', '\r', '\u0085', '\u2028', ' ', ':', '-', '?', 'a', '\n', '#', '%', '@', '`'])).join(''),
  mutated: (r) => {
    let t = r.pick([sampleValues, sampleChart, sampleDeployment]);
    for (let i = r.int(1, 40); i > 0; i--) {
      const at = r.int(0, t.length);
      t = t.slice(0, at) + r.pick(['[', ']', '{', '}', '"', "'", ':', '- ', '\n  ', '&a ', '*a', '!!binary ', '|', '>', '#', '\t', '\u0000', '---\n', '...\n']).repeat(r.int(1, 400)) + t.slice(at);
    }
    return t;
  },
  multiDoc: (r) => Array.from({ length: r.int(10, 300) }, (_, i) => `---\nkind: Deployment\nmetadata: { name: w${i} }\nspec: ${'{a: '.repeat(r.int(0, 400))}`).join('\n'),
};

/** Hostile MSBuild XML texts. */
const XML_MAKERS: Record<string, (r: R) => string> = {
  deepElements: (r) => { const n = r.int(200, 60_000); return `<Project>${'<a>'.repeat(n)}${r.next() < 0.5 ? '</a>'.repeat(n) : ''}</Project>`; },
  deepNoClose: (r) => `<Project>${'<PropertyGroup><X>'.repeat(r.int(200, 20_000))}`,
  hugeAttribute: (r) => `<Project Sdk="${'M'.repeat(r.int(100_000, 2_000_000))}"><PropertyGroup /></Project>`,
  hugeText: (r) => `<Project><PropertyGroup><TargetFramework>${'n'.repeat(r.int(100_000, 2_000_000))}</TargetFramework></PropertyGroup></Project>`,
  unterminatedComment: (r) => `<Project><!-- ${'<a>'.repeat(r.int(100, 50_000))}`,
  unterminatedCdata: (r) => `<Project><![CDATA[${'<a>'.repeat(r.int(100, 50_000))}`,
  entities: (r) => `<Project><PropertyGroup><A>${Array.from({ length: r.int(100, 20_000) }, () => r.pick(['&#x110000;', '&#0;', '&#xFFFFFFFFFF;', '&bogus;', '&amp;', '&', '&#'])).join('')}</A></PropertyGroup></Project>`,
  manyOpenBrackets: (r) => `<Project>${'<'.repeat(r.int(1000, 200_000))}`,
  quotesInTags: (r) => `<Project>${`<a b="${'>'.repeat(r.int(1, 50))}"${r.next() < 0.5 ? '' : ' c=\'x'}>`.repeat(r.int(100, 5000))}</Project>`,
  doctype: (r) => `<!DOCTYPE Project [ <!ENTITY a "${'&a;'.repeat(r.int(1, 100))}"> ]><Project>&a;</Project>`,
  invalidUtf8: (r) => `${sampleProject}${bytesText(r, r.int(100, 5000))}`,
  mutated: (r) => {
    let t = sampleProject;
    for (let i = r.int(1, 40); i > 0; i--) {
      const at = r.int(0, t.length);
      t = t.slice(0, at) + r.pick(['<', '>', '</', '/>', '"', "'", '<!--', '-->', '<![CDATA[', ']]>', '&', '<?', '?>', '\u0000']).repeat(r.int(1, 500)) + t.slice(at);
    }
    return t;
  },
  tooLarge: (r) => `<Project>${' '.repeat(r.int(17_000_000, 17_500_000))}</Project>`,
};

/** Errors the readers document; anything else escaping is a bug. */
const EXPECTED = new Set(['ParseLimitError', 'YamlEditError', 'YAMLParseError', 'YAMLWarning', 'BumpError', 'DotnetModelError', 'XmlError', 'ShipInputError', 'ChartRenderError']);

/** A reader of user files; `prep` turns the generated text into its input, outside the timed call. */
type Reader = { name: string; prep?: (text: string) => string; run: (text: string) => unknown };

let tmp: string;
const chartDir = () => join(tmp, 'chart');

const YAML_READERS: Reader[] = [
  { name: 'parseChartYaml', run: (t) => parseChartYaml('c', t) },
  { name: 'readValuesProbes', run: (t) => readValuesProbes(t) },
  { name: 'readChartProbes(values)', run: (t) => readChartProbes(t, sampleDeployment) },
  { name: 'readChartProbes(template)', run: (t) => readChartProbes(sampleValues, t) },
  { name: 'writeProbeToValues', run: (t) => writeProbeToValues(t, 'liveness', undefined) },
  { name: 'moveProbesToValues', prep: (t) => `      livenessProbe:\n${t.replace(/^/gm, '        ')}`, run: (t) => moveProbesToValues(sampleValues, t) },
  { name: 'parseRendered', prep: (t) => `# Source: c/templates/d.yaml\nkind: Deployment\n${t}`, run: (t) => parseRendered(t) },
  { name: 'mergeKubeconfigs', run: (t) => mergeKubeconfigs([{ path: 'kubeconfig', text: t }]) },
  { name: 'parseForEdit', run: (t) => parseForEdit(t, 'values.yaml') },
  { name: 'setValue', run: (t) => setValue(t, 'values.yaml', ['image', 'tag'], '1.2.3') },
  { name: 'rawScalar', run: (t) => rawScalar(t, ['image', 'tag']) },
  { name: 'bumpChart(values)', run: (t) => bumpChart(sampleChart, t, { appVersion: '2.0.0', chartVersion: 'patch' }) },
  { name: 'bumpChart(chart)', run: (t) => bumpChart(t, sampleValues, { appVersion: '2.0.0', chartVersion: 'patch' }) },
  {
    name: 'planShip',
    run: (t) => {
      writeFileSync(join(chartDir(), 'values.yaml'), t);
      return planShip({ chartDir: chartDir(), tag: '1.0.0' });
    },
  },
  {
    name: 'readChartProbesFromDir',
    run: (t) => {
      writeFileSync(join(chartDir(), 'values.yaml'), t);
      return readChartProbesFromDir(chartDir());
    },
  },
];

const XML_READERS: Reader[] = [
  { name: 'parseXml', run: (t) => parseXml(t) },
  { name: 'parseMsbuildXml', run: (t) => parseMsbuildXml(t, 'W.csproj') },
  { name: 'decodeProjectText+parseMsbuildXml(utf16)', prep: (t) => Buffer.from(t, 'utf16le').toString('latin1'), run: (t) => parseMsbuildXml(decodeProjectText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'latin1')])), 'W.csproj') },
];

/** The time one call may take: generous, as the machine running the tests may be busy. */
const CALL_MS = 8000;

describe('hostile input fuzz: YAML and XML readers', function () {
  this.timeout(120_000);
  let gc: () => void = () => undefined;
  before(() => {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
    tmp = mkdtempSync(join(tmpdir(), 'aksw-fuzz-'));
    mkdirSync(join(chartDir(), 'templates'), { recursive: true });
    writeFileSync(join(chartDir(), 'Chart.yaml'), sampleChart);
    writeFileSync(join(chartDir(), 'templates', 'deployment.yaml'), sampleDeployment);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  async function feed(kind: string, makers: Record<string, (r: R) => string>, readers: Reader[], perMaker: number, seed: number) {
    const r = rng(seed);
    gc();
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    const outcomes = { ok: 0, refused: 0, errors: new Map<string, number>() };
    for (const [makerName, make] of Object.entries(makers)) {
      for (let i = 0; i < perMaker; i++) {
        const text = make(r);
        for (const reader of readers) {
          const label = `${kind} ${makerName}#${i} → ${reader.name}`;
          const input = reader.prep ? reader.prep(text) : text;
          const t0 = Date.now();
          try {
            await reader.run(input);
            outcomes.ok++;
          } catch (err) {
            assert.ok(err instanceof Error, `${label}: threw a non-Error ${String(err)}`);
            assert.ok(EXPECTED.has(err.name), `${label}: threw ${err.name}: ${err.message.slice(0, 300)}\n${err.stack?.split('\n').slice(1, 6).join('\n')}`);
            if (err.name === 'ParseLimitError') outcomes.refused++;
            outcomes.errors.set(err.name, (outcomes.errors.get(err.name) ?? 0) + 1);
          }
          const ms = Date.now() - t0;
          if (process.env.FUZZ_PROFILE && ms > 100) console.log(`${ms} ms ${label} (${text.length} chars)`);
          assert.ok(ms < CALL_MS, `${label}: took ${ms} ms (input ${text.length} chars)`);
          peak = Math.max(peak, process.memoryUsage().heapUsed);
        }
      }
    }
    gc();
    const grown = process.memoryUsage().heapUsed - base;
    // the largest input is ~17 MB of text (34 MB as UTF-16); a reader that kept or expanded it would show
    assert.ok(peak - base < 900 * 1024 * 1024, `${kind}: the heap peaked ${Math.round((peak - base) / 1e6)} MB above the start`);
    assert.ok(grown < 64 * 1024 * 1024, `${kind}: the heap grew ${Math.round(grown / 1e6)} MB over the run`);
    return outcomes;
  }

  it('YAML readers return or refuse with a documented error, in bounded time and memory', async () => {
    const o = await feed('yaml', YAML_MAKERS, YAML_READERS, 1, 0x19a);
    // the hostile inputs were refused by the limits, not merely survived
    assert.ok(o.refused > 100, `only ${o.refused} refusals`);
    assert.ok(o.ok > 30, `only ${o.ok} readers returned`);
  });

  it('XML readers return or refuse with a documented error, in bounded time and memory', async () => {
    const o = await feed('xml', XML_MAKERS, XML_READERS, 2, 0x19b);
    assert.ok((o.errors.get('ParseLimitError') ?? 0) + (o.errors.get('DotnetModelError') ?? 0) > 20, JSON.stringify([...o.errors]));
  });
});
