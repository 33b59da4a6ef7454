// `npm run bench`: sizes, load and start-up times, the pod watch, Add Dockerfile and probes get/set.
// Each time is printed beside its limit measured in the same run (an empty module's load, a bare
// `node -e 0`, `JSON.parse` on pre-split documents, one `helm template`), with the median and the
// spread (10th–90th percentile) over interleaved rounds, so a busy machine moves both alike.
// Prints figures beside their targets; it never fails on them: targets are tracked here, not in
// timed tests.
//   node scripts/bench.mjs [--rounds N]     (N ≥ 21; default 31)
//   node scripts/bench.mjs --flood-seconds 600   (the pod-watch flood; default 60 s)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const roundsArg = Math.max(process.argv.indexOf('--rounds'), process.argv.indexOf('--runs'));
const RUNS = Math.max(21, roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 31);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const pack = spawnSync(process.execPath, ['scripts/package.mjs'], { cwd: root, encoding: 'utf8' });
if (pack.status !== 0) {
  process.stderr.write(pack.stdout + pack.stderr);
  process.exit(1);
}
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const size = (p) => statSync(join(root, p)).size;

// One fresh process per run: the child measures require() of the bundle with vscode stubbed.
//
// The names the real module exports, from its type declarations, so the bundle's namespace import
// (esbuild copies own properties) finds every class, enum and namespace it touches at load time.
const vscodeNames = [...new Set([...readFileSync(join(root, 'node_modules/@types/vscode/index.d.ts'), 'utf8')
  .matchAll(/^\s+export (?:class|enum|namespace|function|const|let) (\w+)/gm)].map((m) => m[1]))];
const child = `
const Module = require('node:module');
const { readFileSync } = require('node:fs');
const vm = require('node:vm');
const [mode, file] = process.argv.slice(1);
const names = ${JSON.stringify(vscodeNames)};
// The module is a plain object, as the real one is; each export is a stand-in that can be called,
// constructed and read from (new vscode.ThemeIcon(...), vscode.TreeItemCollapsibleState.None, ...).
const any = new Proxy(function () {}, { get: (t, k) => (k === 'prototype' ? t.prototype : any), apply: () => any, construct: () => any });
const stub = Object.fromEntries(names.map((n) => [n, any]));
const load = Module._load;
Module._load = function (request, parent, isMain) { return request === 'vscode' ? stub : load.call(this, request, parent, isMain); };
const t0 = process.hrtime.bigint();
// 'parse': what loading costs before any of the bundle runs (read and compile, as require does).
if (mode === 'parse') vm.compileFunction(readFileSync(file, 'utf8'), ['exports', 'require', 'module', '__filename', '__dirname'], { filename: file });
else require(file);
const t1 = process.hrtime.bigint();
process.stdout.write(String(Number(t1 - t0) / 1e6));`;
const emptyModule = join(mkdtempSync(join(tmpdir(), 'aksw-bench-empty-')), 'empty.js');
writeFileSync(emptyModule, '');
const loadOnce = (mode, file) => Number(execFileSync(process.execPath, ['-e', child, mode, file], { encoding: 'utf8' }));
const timeProcess = (file, args) => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
};
/** Runs each contender once per round, in an order that rotates each round; times per contender, sorted. */
const interleave = (contenders, rounds = RUNS) => {
  const names = Object.keys(contenders);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const n = names[(r + k) % names.length];
      times[n].push(contenders[n]());
    }
  }
  for (const n of names) times[n].sort((a, b) => a - b);
  return times;
};
const median = (xs) => (xs.length % 2 ? xs[(xs.length - 1) / 2] : (xs[xs.length / 2 - 1] + xs[xs.length / 2]) / 2);
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.max(0, Math.ceil(xs.length * p) - 1))];
/** "median (p10–p90)" of sorted times. */
const spread = (xs, digits = 1) => `${median(xs).toFixed(digits)} (${pct(xs, 0.1).toFixed(digits)}–${pct(xs, 0.9).toFixed(digits)})`;

// The pod watch: bundled from scripts/bench/watch.ts and run in a process of its own.
const esbuild = await import('esbuild');
const watchBench = join(root, 'out', 'bench-watch.js');
await esbuild.build({ entryPoints: [join(root, 'scripts/bench/watch.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: watchBench, logLevel: 'warning' });
const watchSeconds = 10;
const watch = { ...JSON.parse(execFileSync(process.execPath, ['--expose-gc', watchBench], { encoding: 'utf8', env: { ...process.env, BENCH_SECONDS: String(watchSeconds), BENCH_ROUNDS: String(RUNS) } })), seconds: watchSeconds };
for (const k of ['parserMs', 'limitMs', 'compactMs']) watch.parser[k].sort((a, b) => a - b);
const mbps = (ms) => watch.parser.bytes / 1e6 / (ms / 1000);
// The pod watch under a flood of events (scripts/bench/flood.ts, its own process): heap start / end.
const floodArg = process.argv.indexOf('--flood-seconds');
const floodBench = join(root, 'out', 'bench-flood.js');
await esbuild.build({ entryPoints: [join(root, 'scripts/bench/flood.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: floodBench, logLevel: 'warning' });
const flood = JSON.parse(execFileSync(process.execPath, ['--expose-gc', floodBench], { encoding: 'utf8', env: { ...process.env, FLOOD_SECONDS: String(floodArg > 0 ? Number(process.argv[floodArg + 1]) : 60) } }));

// aks-worker dockerfile on a 20-project solution: a worker, 19 libraries in a tree (each references
// up to two others), Directory.Build.props with the framework, central package management, a .sln.
const solution = mkdtempSync(join(tmpdir(), 'aksw-bench-sln-'));
const writeFile = (p, text) => {
  mkdirSync(join(solution, p, '..'), { recursive: true });
  writeFileSync(join(solution, p), text);
};
writeFile('Bench.sln', '');
writeFile('Directory.Build.props', '<Project><PropertyGroup><TargetFramework>net8.0</TargetFramework><Nullable>enable</Nullable></PropertyGroup></Project>\n');
writeFile('Directory.Packages.props', '<Project><PropertyGroup><ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally></PropertyGroup><ItemGroup><PackageVersion Include="Microsoft.Extensions.Hosting" Version="8.0.1" /></ItemGroup></Project>\n');
const refs = (i) => [2 * i + 1, 2 * i + 2].filter((j) => j < 20).map((j) => `<ProjectReference Include="..\\Lib${j}\\Lib${j}.csproj" />`).join('');
writeFile('src/Worker/Worker.csproj', `<Project Sdk="Microsoft.NET.Sdk.Worker"><ItemGroup><PackageReference Include="Microsoft.Extensions.Hosting" />${refs(0)}</ItemGroup></Project>\n`);
for (let i = 1; i < 20; i++) writeFile(`src/Lib${i}/Lib${i}.csproj`, `<Project Sdk="Microsoft.NET.Sdk"><ItemGroup>${refs(i)}</ItemGroup></Project>\n`);
const worker = join(solution, 'src/Worker/Worker.csproj');
const timeCommand = (file, args, runs) => Array.from({ length: runs }, () => timeProcess(file, args)).sort((a, b) => a - b);
const hasDotnet = spawnSync('dotnet', ['--version'], { encoding: 'utf8' }).status === 0;
const DOTNET_RUNS = 5;
const dfMsbuild = hasDotnet ? timeCommand(process.execPath, [join(root, 'dist/cli.js'), 'dockerfile', worker, '--force'], DOTNET_RUNS) : undefined;
// What dominates: starting the dotnet host, and starting MSBuild with nothing to evaluate.
const dotnetHost = hasDotnet ? timeCommand('dotnet', ['--version'], DOTNET_RUNS) : undefined;
writeFile('empty.proj', '<Project><PropertyGroup><A>1</A></PropertyGroup></Project>\n');
const msbuildEmpty = hasDotnet ? timeCommand('dotnet', ['msbuild', join(solution, 'empty.proj'), '-getProperty:A', '-nologo'], DOTNET_RUNS) : undefined;
const dfProjects = JSON.parse(spawnSync(process.execPath, [join(root, 'dist/cli.js'), 'dockerfile', worker, '--force', '--json', ...(hasDotnet ? [] : ['--no-msbuild'])], { encoding: 'utf8' }).stdout).projects.length;

// probes get / set on a chart with 30 templates: helm create's chart plus 26 ConfigMaps, with Helm 4
// from the rig (test/rig/rig install) or helm on PATH. Floor: one plain `helm template` of the chart.
const helmBin = [join(root, 'test/rig/.bin/layer-2.2.2/helm/helm'), 'helm'].find((h) => spawnSync(h, ['version'], { encoding: 'utf8' }).status === 0);
const charts = mkdtempSync(join(tmpdir(), 'aksw-bench-chart-'));
const big = join(charts, 'big');
let templates;
if (helmBin) {
  spawnSync(helmBin, ['create', 'big'], { cwd: charts });
  for (let i = 0; i < 26; i++) {
    writeFileSync(join(big, 'templates', `config-${i}.yaml`), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include "big.fullname" . }}-${i}\ndata:\n  replicas: "{{ .Values.replicaCount }}"\n  port: "{{ .Values.service.port }}"\n`);
  }
  templates = readdirSync(join(big, 'templates')).filter((f) => /\.(ya?ml|tpl|txt)$/.test(f)).length + readdirSync(join(big, 'templates', 'tests')).length;
}
const cliArgs = (...a) => [join(root, 'dist/cli.js'), ...a, ...(helmBin ? ['--helm', helmBin] : [])];

// Start-up, interleaved: a bare node, the CLI's --version, probes get (two helm renders, run side by
// side) and one helm template of the same chart, Add Dockerfile without MSBuild.
const startup = interleave({
  node: () => timeProcess(process.execPath, ['-e', '0']),
  version: () => timeProcess(process.execPath, [join(root, 'dist/cli.js'), '--version']),
  dockerfile: () => timeProcess(process.execPath, [join(root, 'dist/cli.js'), 'dockerfile', worker, '--force', '--no-msbuild']),
  ...(helmBin ? { get: () => timeProcess(process.execPath, cliArgs('probes', 'get', big)), helm: () => timeProcess(helmBin, ['template', 'w', big]) } : {}),
});
rmSync(solution, { recursive: true, force: true });
let set;
if (helmBin) {
  let period = 11;
  set = [];
  for (let i = 0; i < 7; i++) set.push(timeProcess(process.execPath, cliArgs('probes', 'set', big, '--probe', 'liveness', '--period', String(period++))));
  set.sort((a, b) => a - b);
}
rmSync(charts, { recursive: true, force: true });

// The extension bundle's load, interleaved with an empty module's and with the bundle compiled but
// not run (read + compile, what any file of this size costs before its code runs).
const bundle = join(root, 'dist/extension.js');
const load = interleave({ empty: () => loadOnce('load', emptyModule), parse: () => loadOnce('parse', bundle), bundle: () => loadOnce('load', bundle) });
const toESM = (readFileSync(bundle, 'utf8').match(/[\w$]\(require\("vscode"\)/g) ?? []).length;

const m = (xs) => median(xs);
const ratio = (x) => `${x.toFixed(2)}×`;
const versionRatio = m(startup.version) / m(startup.node);
const getRatio = helmBin ? (m(startup.get) - m(startup.helm)) / m(startup.node) : undefined;
const parserRatio = m(watch.parser.limitMs) / m(watch.parser.parserMs);
const loadOverParse = m(load.bundle) - m(load.parse);
const rows = [
  ['VSIX size', kb(size(`dist-vsix/${pkg.name}-${pkg.version}.vsix`)), ''],
  ['dist/extension.js (minified)', kb(size('dist/extension.js')), '≤ 300 KB', size('dist/extension.js') <= 300 * 1024],
  ['dist/cli.js (minified)', kb(size('dist/cli.js')), ''],
  ['dist/vendor: execa, yaml (on first use)', kb(['execa', 'yaml'].reduce((n, v) => n + size(`dist/vendor/${v}.js`), 0)), ''],
  [`Interleaved rounds: ${RUNS}; times are median (p10–p90)`, '', ''],
  ['load extension bundle', `${spread(load.bundle, 2)} ms`, '≤ 1.5× compile', m(load.bundle) <= 1.5 * m(load.parse)],
  ['  limit: an empty module', `${spread(load.empty, 2)} ms`, ''],
  ['  limit: the bundle compiled, not run', `${spread(load.parse, 2)} ms`, ''],
  ['  running its top level (load − compile)', `${loadOverParse.toFixed(2)} ms (${ratio(loadOverParse / m(load.parse))} compile)`, '≤ 0.5× compile', loadOverParse <= 0.5 * m(load.parse)],
  ['  vscode interop copies at load', `${toESM}`, '0', toESM === 0],
  ['aks-worker --version', `${spread(startup.version)} ms`, ''],
  ['  limit: node -e 0', `${spread(startup.node)} ms`, ''],
  ['  ratio to the limit', ratio(versionRatio), '≤ 1.15×', versionRatio <= 1.15],
  [`probes get, chart of ${templates ?? '?'} templates (2 renders)`, helmBin ? `${spread(startup.get, 0)} ms` : 'no helm', '≤ 1 s', !!helmBin && m(startup.get) <= 1000],
  ['  limit: one helm template', helmBin ? `${spread(startup.helm, 0)} ms` : 'no helm', ''],
  ['  (probes get − helm template) / node -e 0', getRatio === undefined ? 'no helm' : ratio(getRatio), '≤ 1.3×', getRatio !== undefined && getRatio <= 1.3],
  ['probes set + verify (3 renders), median of 7', set ? `${m(set).toFixed(0)} ms` : 'no helm', '≤ 1.5 s', !!set && m(set) <= 1500],
  ['  ratio to one helm template', set ? ratio(m(set) / m(startup.helm)) : 'no helm', ''],
  ['watch stream parser (kubectl layout)', `${mbps(m(watch.parser.parserMs)).toFixed(0)} MB/s, ${Math.round(watch.parser.events / (m(watch.parser.parserMs) / 1000)).toLocaleString('en')} events/s`, '≥ 10,000 events/s', watch.parser.events / (m(watch.parser.parserMs) / 1000) >= 10_000],
  ['  limit: JSON.parse on pre-split documents', `${mbps(m(watch.parser.limitMs)).toFixed(0)} MB/s`, ''],
  ['  ratio to the limit', ratio(parserRatio), '≥ 0.8×', parserRatio >= 0.8],
  ['  another layout (compact), character scanner', `${mbps(m(watch.parser.compactMs)).toFixed(0)} MB/s (${ratio(m(watch.parser.limitMs) / m(watch.parser.compactMs))})`, ''],
  ['1,000 pods, 100 events/s: CPU', `${watch.reducer.cpuPercent.toFixed(2)} % of a core`, '< 5 %', watch.reducer.cpuPercent < 5],
  ['  event to view refresh, p95', `${watch.reducer.p95LatencyMs.toFixed(1)} ms`, '≤ 150 ms', watch.reducer.p95LatencyMs <= 150],
  ['  heap before / after', `${watch.reducer.heapStartMb.toFixed(1)} / ${watch.reducer.heapEndMb.toFixed(1)} MB`, 'flat (± 5 MB)', Math.abs(watch.reducer.heapEndMb - watch.reducer.heapStartMb) < 5],
  [`pod watch, ${flood.seconds} s flood at ${flood.mbps} MB/s: heap`, `${flood.heapStartMb.toFixed(1)} → ${flood.heapEndMb.toFixed(1)} MB (peak ${flood.heapPeakMb.toFixed(0)})`, 'flat (± 5 MB)', Math.abs(flood.heapEndMb - flood.heapStartMb) < 5],
  [`  view refreshes in ${watch.seconds} s`, `${watch.reducer.refreshes}`, '≤ 10 a second', watch.reducer.refreshes <= watch.seconds * 10 + 1],
  [`dockerfile, ${dfProjects} projects, MSBuild, median of ${DOTNET_RUNS}`, dfMsbuild ? `${(m(dfMsbuild) / 1000).toFixed(2)} s` : 'no dotnet', '≤ 5 s', !!dfMsbuild && m(dfMsbuild) <= 5000],
  ['  floor: dotnet host / MSBuild with nothing to evaluate', dotnetHost && msbuildEmpty ? `${m(dotnetHost).toFixed(0)} / ${m(msbuildEmpty).toFixed(0)} ms` : 'no dotnet', ''],
  ['  ratio to MSBuild with nothing to evaluate', dfMsbuild && msbuildEmpty ? ratio(m(dfMsbuild) / m(msbuildEmpty)) : 'no dotnet', ''],
  [`dockerfile, ${dfProjects} projects, without MSBuild`, `${spread(startup.dockerfile, 0)} ms`, '≤ 200 ms', m(startup.dockerfile) <= 200],
  ['  ratio to node -e 0', ratio(m(startup.dockerfile) / m(startup.node)), ''],
];
console.log(`AKS Worker Deploy ${pkg.version} on Node ${process.version}, ${process.platform}/${process.arch}`);
for (const [name, value, target, ok] of rows) {
  console.log(`  ${name.padEnd(44)} ${value.padStart(26)}  ${target ? `${target} ${ok ? 'met' : 'MISSED'}` : ''}`);
}
