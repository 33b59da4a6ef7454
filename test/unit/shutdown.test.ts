import * as assert from 'node:assert/strict';
import {
  CodeScan,
  ShutdownInputs,
  SettingsJsonError,
  defaultShutdownSeconds,
  flattenSettingsJson,
  preStopOf,
  resolveShutdownTimeout,
  scanCode,
  shutdownBudget,
  timeSpanExpression,
  timeSpanText,
} from '../../src/core/shutdown';

const noCode: CodeScan = { assignments: [], boundSections: [] };
const inputs = (o: Partial<ShutdownInputs>): ShutdownInputs => ({ targetFramework: 'net8.0', code: noCode, settings: [], env: [], ...o });
const settings = (file: string, text: string) => ({ file, entries: flattenSettingsJson(text, file) });

describe('shutdown: the host default', () => {
  it('30 s since .NET 6, 5 s before; .NET Core 3.x does not read the key', () => {
    for (const t of ['net6.0', 'net8.0', 'net9.0', 'net10.0', 'net8.0-linux']) assert.equal(defaultShutdownSeconds(t).seconds, 30, t);
    assert.deepEqual([defaultShutdownSeconds('net5.0').seconds, defaultShutdownSeconds('net5.0').readsConfig], [5, true]);
    assert.deepEqual([defaultShutdownSeconds('netcoreapp3.1').seconds, defaultShutdownSeconds('netcoreapp3.1').readsConfig], [5, false]);
    const r = resolveShutdownTimeout(inputs({ targetFramework: 'net5.0' }));
    assert.equal(r.seconds, 5);
    assert.equal(r.source.kind, 'default');
    assert.match(r.source.text, /5 s before \.NET 6/);
  });
});

describe('shutdown: appsettings.json as .NET reads it', () => {
  it('comments, trailing commas, a BOM and CRLF; keys flattened with ":" and case-insensitive; lines kept', () => {
    const text = '\ufeff{\r\n  // the host\r\n  "Logging": { "LogLevel": { "Default": "Information", }, },\r\n  /* a\r\n  block */\r\n  "ShutdownTimeoutSeconds": 45,\r\n  "list": [1, "two",],\r\n  "flag": true,\r\n  "none": null\r\n}\r\n';
    const m = flattenSettingsJson(text);
    assert.deepEqual(m.get('shutdowntimeoutseconds'), { value: '45', line: 6 });
    assert.equal(m.get('logging:loglevel:default')?.value, 'Information');
    assert.equal(m.get('list:1')?.value, 'two');
    assert.equal(m.get('flag')?.value, 'True');
    assert.equal(m.get('none')?.value, '');
    assert.equal(flattenSettingsJson('').size, 0);
  });
  it('a duplicate key or broken JSON is an error with file and line', () => {
    assert.throws(() => flattenSettingsJson('{\n "a": 1,\n "A": 2\n}', 'appsettings.json'), (e: unknown) => e instanceof SettingsJsonError && e.line === 3 && /set twice/.test(e.message));
    assert.throws(() => flattenSettingsJson('{\n "a": 1\n "b": 2 }', 'x.json'), /x\.json:3: expected "," or "}"/);
    assert.throws(() => flattenSettingsJson('{ "a": 1 } x'), /after the end/);
  });
  it('the key wins over the default; a value that is not plain digits is ignored, as int.TryParse(NumberStyles.None) does', () => {
    const r = resolveShutdownTimeout(inputs({ settings: [settings('src/W/appsettings.json', '{\n  "shutdownTimeoutSeconds": "60"\n}')] }));
    assert.equal(r.seconds, 60);
    assert.deepEqual(r.source.at, { file: 'src/W/appsettings.json', line: 2 });
    for (const bad of ['"60.5"', '"-1"', '" 60"', '"1e2"']) {
      const b = resolveShutdownTimeout(inputs({ settings: [settings('a.json', `{ "shutdownTimeoutSeconds": ${bad} }`)] }));
      assert.equal(b.seconds, 30, bad);
      assert.match(b.all.find((s) => s.kind === 'appsettings')?.ignored ?? '', /whole number/, bad);
    }
  });
  it('a HostOptions section is not read unless the code binds it', () => {
    const s = settings('appsettings.json', '{\n  "HostOptions": { "ShutdownTimeout": "00:01:00" }\n}');
    const r = resolveShutdownTimeout(inputs({ settings: [s] }));
    assert.equal(r.seconds, 30);
    assert.match(r.notes.join(' '), /"HostOptions:ShutdownTimeout" \(appsettings\.json:2\) is not read by the host unless the code binds it/);
    const code = scanCode([{ file: 'Program.cs', text: 'using Microsoft.Extensions.Hosting;\nbuilder.Services.Configure<HostOptions>(builder.Configuration.GetSection("HostOptions"));\n' }]);
    const bound = resolveShutdownTimeout(inputs({ settings: [s], code }));
    assert.equal(bound.seconds, 60);
    assert.match(bound.source.text, /bound in code at Program\.cs:2/);
    assert.deepEqual(bound.notes, []);
    const env = resolveShutdownTimeout(inputs({ env: [{ name: 'HostOptions__ShutdownTimeout', value: '00:01:00' }] }));
    assert.equal(env.seconds, 30);
    assert.match(env.notes.join(' '), /HostOptions__ShutdownTimeout is not read by the host unless the code binds/);
    assert.equal(resolveShutdownTimeout(inputs({ env: [{ name: 'HostOptions__ShutdownTimeout', value: '00:01:10' }], code })).seconds, 70);
  });
});

describe('shutdown: precedence', () => {
  it('code > unprefixed env > appsettings.{Environment}.json > appsettings.json > DOTNET_ env > default', () => {
    const base = settings('appsettings.json', '{ "shutdownTimeoutSeconds": 40 }');
    const prod = settings('appsettings.Production.json', '{ "shutdownTimeoutSeconds": 50 }');
    const dotnetEnv = { name: 'DOTNET_SHUTDOWNTIMEOUTSECONDS', value: '20' };
    const plainEnv = { name: 'shutdownTimeoutSeconds', value: '70' };
    const code = scanCode([{ file: 'Program.cs', text: 'builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMinutes(2));' }]);
    assert.equal(resolveShutdownTimeout(inputs({ env: [dotnetEnv] })).seconds, 20);
    assert.equal(resolveShutdownTimeout(inputs({ env: [dotnetEnv], settings: [base] })).seconds, 40);
    assert.equal(resolveShutdownTimeout(inputs({ env: [dotnetEnv], settings: [base, prod] })).seconds, 50);
    const envWins = resolveShutdownTimeout(inputs({ env: [dotnetEnv, plainEnv], settings: [base, prod], envAt: { file: 'templates/deployment.yaml' } }));
    assert.equal(envWins.seconds, 70);
    assert.deepEqual(envWins.source.at, { file: 'templates/deployment.yaml' });
    const all = resolveShutdownTimeout(inputs({ env: [dotnetEnv, plainEnv], settings: [base, prod], code }));
    assert.equal(all.seconds, 120);
    assert.deepEqual(
      all.all.map((s) => [s.kind, s.seconds]),
      [
        ['code', 120],
        ['env', 70],
        ['appsettings', 50],
        ['appsettings', 40],
        ['env', 20],
        ['default', 30],
      ],
    );
  });
  it('ASPNETCORE_ counts for web hosts only; an env value from a Secret is unknown', () => {
    const env = [{ name: 'ASPNETCORE_shutdownTimeoutSeconds', value: '25' }];
    assert.equal(resolveShutdownTimeout(inputs({ env, web: true })).seconds, 25);
    assert.equal(resolveShutdownTimeout(inputs({ env })).seconds, 30);
    // As WebApplication.CreateBuilder does: DOTNET_ wins over ASPNETCORE_, appsettings over both.
    assert.equal(resolveShutdownTimeout(inputs({ env: [...env, { name: 'DOTNET_SHUTDOWNTIMEOUTSECONDS', value: '20' }], web: true })).seconds, 20);
    assert.equal(resolveShutdownTimeout(inputs({ env, web: true, settings: [settings('appsettings.json', '{ "shutdownTimeoutSeconds": 40 }')] })).seconds, 40);
    const secret = resolveShutdownTimeout(inputs({ env: [{ name: 'DOTNET_shutdownTimeoutSeconds', from: 'Secret worker-settings' }] }));
    assert.equal(secret.seconds, undefined);
    assert.match(secret.source.text, /from Secret worker-settings/);
  });
  it('.NET Core 3.1 ignores the configuration key, and says so', () => {
    const r = resolveShutdownTimeout(inputs({ targetFramework: 'netcoreapp3.1', settings: [settings('appsettings.json', '{ "shutdownTimeoutSeconds": 40 }')] }));
    assert.equal(r.seconds, 5);
    assert.match(r.notes.join(' '), /does not read "shutdownTimeoutSeconds"/);
  });
});

describe('shutdown: code', () => {
  it('reads literal TimeSpans in every form, with the line', () => {
    const cases: Array<[string, number | undefined]> = [
      ['TimeSpan.FromSeconds(45)', 45],
      ['TimeSpan.FromMinutes(1.5)', 90],
      ['TimeSpan.FromMilliseconds(2_500)', 2.5],
      ['TimeSpan.FromHours(1)', 3600],
      ['new TimeSpan(0, 1, 5)', 65],
      ['new TimeSpan(1, 0, 0, 0)', 86400],
      ['new TimeSpan(300000000)', 30],
      ['new(0, 0, 20)', 20],
      ['TimeSpan.Parse("00:00:50")', 50],
      ['System.TimeSpan.FromSeconds(10d)', 10],
      ['TimeSpan.FromSeconds(seconds)', undefined],
      ['settings.Timeout', undefined],
    ];
    for (const [expr, want] of cases) assert.equal(timeSpanExpression(expr), want, expr);
    assert.equal(timeSpanText('00:00:45'), 45);
    assert.equal(timeSpanText('1.00:00:10'), 86410);
    assert.equal(timeSpanText('00:61:00'), undefined);
  });
  it('finds Configure<HostOptions>, ConfigureHostOptions and initialisers; skips comments, strings and other classes', () => {
    const program = [
      'using Microsoft.Extensions.Hosting;',
      '// o.ShutdownTimeout = TimeSpan.FromSeconds(999);',
      'var builder = Host.CreateApplicationBuilder(args);',
      'builder.Services.Configure<HostOptions>(o =>',
      '{',
      '    o.ShutdownTimeout = TimeSpan.FromSeconds(45);',
      '});',
      'var s = "x.ShutdownTimeout = TimeSpan.FromSeconds(1)";',
      '/* o.ShutdownTimeout = TimeSpan.FromSeconds(2); */',
    ].join('\r\n');
    const other = 'class Client { void F(ClientOptions o) { o.ShutdownTimeout = TimeSpan.FromSeconds(3); } }';
    const r = scanCode([
      { file: 'Program.cs', text: program },
      { file: 'Client.cs', text: other },
    ]);
    assert.deepEqual(
      r.assignments.map((a) => [a.seconds, a.at]),
      [[45, { file: 'Program.cs', line: 6 }]],
    );
    const hostBuilder = scanCode([{ file: 'P.cs', text: 'Host.CreateDefaultBuilder(args).ConfigureHostOptions(o => o.ShutdownTimeout = config.GetValue<TimeSpan>("T")).Build();' }]);
    assert.equal(hostBuilder.assignments.length, 1);
    assert.equal(hostBuilder.assignments[0].seconds, undefined);
    const unknown = resolveShutdownTimeout(inputs({ code: hostBuilder }));
    assert.equal(unknown.seconds, undefined);
    assert.match(unknown.source.text, /GetValue<TimeSpan>/);
    const init = scanCode([{ file: 'P.cs', text: 'var o = new HostOptions { ShutdownTimeout = new TimeSpan(0, 0, 15), ServicesStopConcurrently = true };' }]);
    assert.equal(init.assignments[0].seconds, 15);
  });
  it('several different values in code: the last is taken and the ambiguity is said', () => {
    const code = scanCode([{ file: 'P.cs', text: 'services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));\nservices.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));' }]);
    const r = resolveShutdownTimeout(inputs({ code }));
    assert.equal(r.seconds, 20);
    assert.match(r.notes[0], /set in 2 places in code \(P\.cs:1, P\.cs:2\)/);
  });
});

describe('shutdown: preStop', () => {
  it('reads sleep in its forms; anything else is of unknown length', () => {
    assert.equal(preStopOf(undefined), undefined);
    assert.equal(preStopOf({ postStart: {} }), undefined);
    assert.equal(preStopOf({ preStop: { sleep: { seconds: 5 } } })?.seconds, 5);
    assert.equal(preStopOf({ preStop: { exec: { command: ['sleep', '10'] } } })?.seconds, 10);
    assert.equal(preStopOf({ preStop: { exec: { command: ['/bin/sh', '-c', 'sleep 7'] } } })?.seconds, 7);
    const cmd = preStopOf({ preStop: { exec: { command: ['/app/drain.sh'] } } });
    assert.equal(cmd?.unknown, true);
    assert.match(cmd?.text ?? '', /preStop runs a command; its duration is unknown/);
    assert.equal(preStopOf({ preStop: { httpGet: { path: '/drain', port: 8080 } } })?.unknown, true);
  });
});

describe('shutdown budget', () => {
  it("the issue's example: 30/30/30 warns and asks for 35 s", () => {
    const b = shutdownBudget(30, 30);
    assert.equal(b.verdict, 'warning');
    assert.equal(b.recommendedGraceSeconds, 35);
    assert.equal(b.message, 'A stop gives the worker 30 s to finish its job; the host waits 30 s; Kubernetes kills at 30 s — raise terminationGracePeriodSeconds to at least ShutdownTimeout + preStop + 5 s (ShutdownTimeout 30 s + 5 s = 35 s).');
  });
  it('preStop counts inside the grace period', () => {
    const b = shutdownBudget(40, 30, { seconds: 10, text: 'exec sleep 10' });
    assert.equal(b.verdict, 'warning');
    assert.equal(b.recommendedGraceSeconds, 45);
    assert.match(b.message, /gives the worker 30 s to finish its job, after preStop's 10 s; the host waits 30 s; Kubernetes kills at 40 s/);
    const short = shutdownBudget(15, 30, { seconds: 10, text: 'sleep' });
    assert.match(short.message, /gives the worker 5 s/);
  });
  it('enough at the margin; far more only delays rollouts (a note, not a warning)', () => {
    assert.equal(shutdownBudget(35, 30).verdict, 'ok');
    assert.equal(shutdownBudget(34, 30).verdict, 'warning');
    const big = shutdownBudget(600, 30);
    assert.equal(big.verdict, 'ok');
    assert.match(big.note ?? '', /holds a rollout up/);
    assert.equal(shutdownBudget(36, 30).note, undefined);
    // A ShutdownTimeout much larger than the job needs is the worker's business: no remark.
    assert.equal(shutdownBudget(130, 120).verdict, 'ok');
  });
  it('unknown when the code value or the preStop length cannot be read', () => {
    assert.equal(shutdownBudget(30, undefined).verdict, 'unknown');
    const u = shutdownBudget(30, 30, { unknown: true, text: 'exec /drain.sh: preStop runs a command; its duration is unknown' });
    assert.equal(u.verdict, 'unknown');
    assert.match(u.message, /duration is unknown/);
    assert.equal(shutdownBudget(30, 2.5).recommendedGraceSeconds, 8);
  });
});
