import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CorpusEntry, copyEntry, readCorpus, requireDotnet } from '../support/corpus';
import { runCli } from '../support/runCli';

interface JsonPlan {
  written: string[];
  dockerfile: string;
  context: string;
  targetFramework: string;
  base: 'aspnet' | 'runtime';
  reason: string;
  evaluatedBy: 'msbuild' | 'static';
  sdkVersion?: string;
  assemblyName: string;
  entryPoint: string;
  projects: string[];
  restoreFiles: string[];
  warnings: string[];
}

const posix = (p: string) => p.split('\\').join('/');

/** What every run of the corpus must show, whichever way the project was read. */
function checkPlan(entry: CorpusEntry, dir: string, r: { code: number; out: string; err: string }, how: string, e: CorpusEntry['expect'] = entry.expect): JsonPlan | undefined {
  assert.equal(r.code, e.exit, `${entry.name} (${how}): exit ${r.code}\n${r.err}`);
  if (e.exit === 2) {
    assert.equal(r.out, '', 'nothing on stdout');
    if (e.stderr) assert.match(r.err, new RegExp(e.stderr), `${entry.name} (${how})`);
    if (e.stderrNamesFolder !== undefined) {
      const folder = join(dir, e.stderrNamesFolder).replace(/\/$/, '');
      assert.ok(r.err.includes(`Use ${folder} as the build context (--context ${folder})`), `${entry.name} (${how}) offers ${folder}: ${r.err}`);
    }
    assert.ok(!existsSync(join(dir, entry.target, '..', 'Dockerfile')), 'nothing written');
    return undefined;
  }
  const plan = JSON.parse(r.out) as JsonPlan;
  if (e.context !== undefined) assert.equal(posix(relative(dir, plan.context)) || '.', e.context, `${entry.name} (${how}): context`);
  if (e.targetFramework) assert.equal(plan.targetFramework, e.targetFramework, `${entry.name} (${how}): framework`);
  if (e.base) assert.equal(plan.base, e.base, `${entry.name} (${how}): ${plan.reason}`);
  if (e.because) assert.ok(plan.reason.includes(e.because), `${entry.name} (${how}): the reason "${plan.reason}" names ${e.because}`);
  if (e.assemblyName) assert.equal(plan.entryPoint, `${e.assemblyName}.dll`, `${entry.name} (${how}): entry point`);
  if (e.projects) assert.deepEqual(plan.projects.map((p) => posix(relative(plan.context, p))).sort(), [...e.projects].sort(), `${entry.name} (${how}): projects`);
  if (e.restoreFiles) assert.deepEqual([...plan.restoreFiles].sort(), [...e.restoreFiles].sort(), `${entry.name} (${how}): restore files`);
  const text = readFileSync(plan.dockerfile, 'utf8');
  const tag = plan.targetFramework.replace(/^net/, '');
  assert.match(text, new RegExp(`^FROM mcr\\.microsoft\\.com/dotnet/${plan.base}:${tag.replace('.', '\\.')} AS base$`, 'm'));
  assert.ok(text.includes(`ENTRYPOINT ["dotnet", "${plan.entryPoint}"]`));
  for (const f of plan.restoreFiles) assert.ok(text.includes(`COPY ["${f}",`), `${entry.name}: ${f} copied before restore`);
  for (const p of plan.projects) assert.ok(text.includes(`COPY ["${posix(relative(plan.context, p))}",`), `${entry.name}: ${p} copied before restore`);
  if (plan.base === 'aspnet' && /--health-port/.test(entry.args.join(' '))) assert.match(text, /^ENV ASPNETCORE_(HTTP_PORTS|URLS)=/m);
  if (/--framework/.test(JSON.stringify(entry.args)) || text.includes(' -f ')) assert.match(text, new RegExp(`-f ${plan.targetFramework.replace('.', '\\.')} -o /app/publish`));
  return plan;
}

describe('the corpus, read by MSBuild and by the fallback reader (real .NET SDK)', function () {
  this.timeout(180_000);
  const corpus = readCorpus();
  let sdk: string;
  const dirs: string[] = [];
  before(() => {
    sdk = requireDotnet();
  });
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it(`has at least 12 projects, each modelled on a named public repository`, () => {
    assert.ok(corpus.length >= 12, `${corpus.length} projects`);
    for (const e of corpus) {
      assert.ok(e.modeledOn.length > 0, e.name);
      assert.ok(existsSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'dotnet-corpus', e.name, e.target)), `${e.name}: ${e.target}`);
    }
  });

  for (const entry of corpus) {
    it(`${entry.name}: MSBuild (${entry.features.join(', ')})`, async () => {
      const dir = copyEntry(entry);
      dirs.push(dir);
      const target = join(dir, entry.target);
      // Restored as a user's machine would be, so packages are judged from project.assets.json.
      if (entry.run.build) {
        const restore = spawnSync('dotnet', ['restore', target, '--verbosity', 'quiet'], { encoding: 'utf8', cwd: dir });
        assert.equal(restore.status, 0, `dotnet restore ${entry.name}: ${restore.stdout}${restore.stderr}`);
      }
      const t0 = Date.now();
      const r = await runCli(['dockerfile', target, ...entry.args, '--json']);
      const plan = checkPlan(entry, dir, r, 'MSBuild');
      if (plan) {
        assert.equal(plan.evaluatedBy, 'msbuild');
        assert.equal(plan.sdkVersion, sdk);
        assert.match(r.err, /evaluated by MSBuild \(\.NET SDK /);
        if (plan.base === 'aspnet' && entry.run.build) assert.doesNotMatch(plan.reason, /guessed/, 'restored: no guess');
      }
      if (plan && entry.expect.dockerignoreKeeps) {
        // --force merges our lines into the user's .dockerignore and drops none of theirs.
        const again = await runCli(['dockerfile', target, ...entry.args, '--force']);
        assert.equal(again.code, 0, again.err);
        const ignore = readFileSync(join(plan.context, '.dockerignore'), 'utf8');
        for (const line of entry.expect.dockerignoreKeeps) assert.ok(ignore.split(/\r?\n/).includes(line), `${line} kept`);
        assert.match(again.err, /added the lines it lacked|kept the existing/);
      }
      for (const v of entry.variants ?? []) {
        rmSync(join(target, '..', 'Dockerfile'), { force: true });
        const rv = await runCli(['dockerfile', target, ...v.args, '--json']);
        checkPlan({ ...entry, args: v.args }, dir, rv, `MSBuild, ${v.args.join(' ') || 'no arguments'}`, { ...v.expect });
      }
      console.log(`      ${entry.name}: ${plan ? `${plan.base}:${plan.targetFramework.replace(/^net/, '')} — ${plan.reason}` : r.err.trim().split('\n')[0]} (${Date.now() - t0} ms)`);
    });

    it(`${entry.name}: without MSBuild, the same answer, and it says it guessed`, async () => {
      const dir = copyEntry(entry, 'aksw-corpus-static-');
      dirs.push(dir);
      const r = await runCli(['dockerfile', join(dir, entry.target), ...entry.args, '--json', '--no-msbuild']);
      const plan = checkPlan(entry, dir, r, 'static');
      if (plan) {
        assert.equal(plan.evaluatedBy, 'static');
        assert.ok(plan.warnings.some((w) => /^guessed: read without MSBuild/.test(w)), plan.warnings.join('\n'));
        assert.match(r.err, /evaluated by reading the files without MSBuild/);
      }
    });
  }
});
