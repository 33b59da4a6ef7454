/**
 * Add Health Endpoint, as text: the C# file it adds to a worker project, the one line that registers
 * it in Program.cs, the package reference it needs, and where the worker's loop should beat. Every
 * edit inserts text into the user's file and changes nothing it did not add: the file keeps its
 * line endings, indentation and byte-order mark. Pure: src/tools reads and writes the files.
 */
import { GENERATED_MARKER, maskCSharp, positionOf } from './healthScan';

export const HEALTH_PACKAGE = 'Microsoft.Extensions.Diagnostics.HealthChecks';

/**
 * The version of Microsoft.Extensions.Diagnostics.HealthChecks for each .NET major: the newest patch
 * of the framework's own major, so it agrees with the Microsoft.Extensions.* packages the worker
 * template references.
 */
export const HEALTH_PACKAGE_VERSIONS: Readonly<Record<number, string>> = { 8: '8.0.34', 9: '9.0.23', 10: '10.0.15' };

export class HealthEndpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HealthEndpointError';
  }
}

/** The .NET major of a target framework moniker: net8.0 → 8, net10.0-windows → 10; undefined for netstandard/netcoreapp/others. */
export function dotnetMajor(tfm: string): number | undefined {
  const m = /^net(\d+)\.\d+(-.*)?$/i.exec(tfm.trim());
  return m && Number(m[1]) >= 5 ? Number(m[1]) : undefined;
}

/** The HealthChecks package version for a target framework; throws for one older than .NET 8 or newer than the table knows. */
export function healthPackageVersion(tfm: string): string {
  const major = dotnetMajor(tfm);
  const known = Object.keys(HEALTH_PACKAGE_VERSIONS).map(Number);
  if (major === undefined || major < Math.min(...known)) {
    throw new HealthEndpointError(`Add Health Endpoint needs .NET 8 or later; the project targets ${tfm}.`);
  }
  // A framework newer than the table: the newest version the table knows still runs on it.
  return HEALTH_PACKAGE_VERSIONS[major] ?? HEALTH_PACKAGE_VERSIONS[Math.max(...known)];
}

export type HealthVariant = 'aspnet' | 'listener' | 'webapp';

export interface HealthFileOptions {
  /** The C# namespace of the heartbeat, health check and server classes (the project's root namespace). */
  namespace: string;
  port: number;
  /** Starts with "/". */
  path: string;
  /** Default of Worker:HeartbeatThresholdSeconds. */
  thresholdSeconds: number;
  /**
   * aspnet: a small Kestrel app with MapHealthChecks; listener: System.Net.HttpListener, base runtime
   * only; webapp: Program.cs is a WebApplication already, which maps the checks itself (MapWorkerHealth).
   */
  variant: HealthVariant;
  /** The line ending of the file, "\n" or "\r\n". */
  eol?: string;
}

/** The file name Add Health Endpoint writes beside Program.cs. */
export const HEALTH_FILE = 'WorkerHealth.cs';

/** A C# identifier path such as "Contoso.Ingest.Worker" from a project or assembly name. */
export function namespaceFrom(name: string): string {
  const parts = name
    .split('.')
    .map((p) => p.replace(/[^A-Za-z0-9_]/g, '_'))
    .filter((p) => p.length > 0)
    .map((p) => (/^[0-9]/.test(p) ? `_${p}` : p));
  return parts.length ? parts.join('.') : 'Worker';
}

export function checkHealthPath(path: string): string | undefined {
  if (!/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(path)) return `the health path must start with "/" and hold only URL path characters (got "${path}").`;
  return undefined;
}

const csString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** The C# file: heartbeat, health check, HTTP endpoint and the AddWorkerHealth registration. */
export function generateHealthFile(o: HealthFileOptions): string {
  const ns = o.namespace;
  const threshold = Number.isInteger(o.thresholdSeconds) ? `${o.thresholdSeconds}.0` : String(o.thresholdSeconds);
  const server = o.variant === 'aspnet' ? 'WorkerHealthServer' : o.variant === 'listener' ? 'WorkerHealthListener' : undefined;
  const how =
    o.variant === 'aspnet'
      ? `// The endpoint is a small Kestrel server of its own (ASP.NET Core is available to this project), so
// Program.cs can stay a plain Host.CreateApplicationBuilder worker.`
      : o.variant === 'listener'
        ? `// The endpoint is a System.Net.HttpListener: it needs nothing beyond the base .NET runtime, so the
// worker keeps running on the small mcr.microsoft.com/dotnet/runtime image.`
        : `// Program.cs builds a WebApplication, which serves HTTP already: it maps the endpoint itself with
// app.MapWorkerHealth(); on the port(s) the app listens on (ASPNETCORE_HTTP_PORTS: 8080 in the .NET 8+
// container images). WorkerHealthEndpoint.Port is that port, as the chart's probe should call it.`;
  const head = `${GENERATED_MARKER}: the worker's health endpoint for the
// Kubernetes liveness probe. It is ordinary code of this project: read it, change it, keep it.
//
// GET http://+:${o.port}${o.path} answers 200 "Healthy" while the worker loop beats, and 503 "Unhealthy" when no
// beat came within Worker:HeartbeatThresholdSeconds (configuration, default ${o.thresholdSeconds} s). A loop that
// is blocked or has died stops beating, so the probe fails and Kubernetes restarts the pod.
//
// Program.cs registers it with one line:   builder.Services.AddWorkerHealth();${o.variant === 'webapp' ? '\n// and maps it with one more:              app.MapWorkerHealth();' : ''}
// Your worker's loop beats: take WorkerHeartbeat in the worker's constructor and call heartbeat.Beat()
// once per iteration. Keep the port and path in step with the chart's probes.
${how}
#nullable enable

using System;
${o.variant === 'listener' ? 'using System.Net;\nusing System.Text;\n' : ''}using System.Threading;
using System.Threading.Tasks;
${o.variant === 'aspnet' ? 'using Microsoft.AspNetCore.Builder;\nusing Microsoft.AspNetCore.Hosting;\n' : o.variant === 'webapp' ? 'using Microsoft.AspNetCore.Builder;\nusing Microsoft.AspNetCore.Http;\nusing Microsoft.AspNetCore.Routing;\n' : ''}using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ${ns}
{
    /// <summary>Where the health endpoint answers: the chart's liveness probe calls it.</summary>
    public static class WorkerHealthEndpoint
    {
        public const int Port = ${o.port};
        public const string Path = ${csString(o.path)};
    }

    /// <summary>The worker loop's heartbeat: call <see cref="Beat"/> once per iteration of the loop.</summary>
    public sealed class WorkerHeartbeat
    {
        // Start-up counts as a beat, so the worker has one threshold to reach its loop.
        private long _lastBeat = DateTimeOffset.UtcNow.UtcTicks;

        /// <summary>Records that the loop is alive.</summary>
        public void Beat() => Interlocked.Exchange(ref _lastBeat, DateTimeOffset.UtcNow.UtcTicks);

        /// <summary>How long ago the loop last beat.</summary>
        public TimeSpan SinceLastBeat => TimeSpan.FromTicks(DateTimeOffset.UtcNow.UtcTicks - Interlocked.Read(ref _lastBeat));
    }

    /// <summary>Unhealthy when the loop has not beaten within Worker:HeartbeatThresholdSeconds.</summary>
    public sealed class WorkerHeartbeatHealthCheck : IHealthCheck
    {
        private readonly WorkerHeartbeat _heartbeat;
        private readonly TimeSpan _threshold;

        public WorkerHeartbeatHealthCheck(WorkerHeartbeat heartbeat, IConfiguration configuration)
        {
            _heartbeat = heartbeat;
            _threshold = TimeSpan.FromSeconds(configuration.GetValue("Worker:HeartbeatThresholdSeconds", ${threshold}));
        }

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var since = _heartbeat.SinceLastBeat;
            return Task.FromResult(since <= _threshold
                ? HealthCheckResult.Healthy($"the worker loop beat {since.TotalSeconds:0.0} s ago")
                : HealthCheckResult.Unhealthy($"no beat from the worker loop for {since.TotalSeconds:0.0} s (threshold {_threshold.TotalSeconds:0.#} s): it is blocked or has stopped"));
        }
    }
${o.variant === 'aspnet' ? aspnetServer() : o.variant === 'listener' ? listenerServer() : ''}}

namespace Microsoft.Extensions.DependencyInjection
{
    public static class WorkerHealthServiceCollectionExtensions
    {
        /// <summary>
        /// The heartbeat (a singleton the worker takes in its constructor), its health check${server ? `, and the
        /// endpoint on port ${o.port}, path ${o.path}` : ''}.
        /// </summary>
        public static IServiceCollection AddWorkerHealth(this IServiceCollection services)
        {
            services.AddSingleton<global::${ns}.WorkerHeartbeat>();
            services.AddHealthChecks().AddCheck<global::${ns}.WorkerHeartbeatHealthCheck>("worker-heartbeat");
${server ? `            services.AddHostedService<global::${ns}.${server}>();\n` : ''}            return services;
        }
${
  o.variant === 'webapp'
    ? `
        /// <summary>Maps the worker's health checks on ${o.path}.</summary>
        public static IEndpointConventionBuilder MapWorkerHealth(this IEndpointRouteBuilder endpoints) =>
            endpoints.MapHealthChecks(global::${ns}.WorkerHealthEndpoint.Path);
`
    : ''
}    }
}
`;
  return o.eol && o.eol !== '\n' ? head.replace(/\n/g, o.eol) : head;
}

function aspnetServer(): string {
  return `
    /// <summary>
    /// Serves the worker's health checks (MapHealthChecks) on WorkerHealthEndpoint.Port with a small
    /// Kestrel app of its own, started and stopped with the worker's host.
    /// </summary>
    public sealed class WorkerHealthServer : IHostedService, IAsyncDisposable
    {
        private readonly HealthCheckService _health;
        private readonly ILogger<WorkerHealthServer> _logger;
        private WebApplication? _app;

        public WorkerHealthServer(HealthCheckService health, ILogger<WorkerHealthServer> logger)
        {
            _health = health;
            _logger = logger;
        }

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = Array.Empty<string>() });
            builder.Logging.ClearProviders(); // the worker's own logging reports what matters
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenAnyIP(WorkerHealthEndpoint.Port));
            // The worker's own health checks answer, not a second, empty set.
            builder.Services.AddSingleton<HealthCheckService>(_health);
            // Only the worker's host reacts to SIGTERM; it stops this server.
            builder.Services.AddSingleton<IHostLifetime, WorkerHealthServerLifetime>();
            var app = builder.Build();
            app.MapHealthChecks(WorkerHealthEndpoint.Path);
            await app.StartAsync(cancellationToken);
            _app = app;
            _logger.LogInformation("Health endpoint: http://+:{Port}{Path}", WorkerHealthEndpoint.Port, WorkerHealthEndpoint.Path);
        }

        public Task StopAsync(CancellationToken cancellationToken) => _app?.StopAsync(cancellationToken) ?? Task.CompletedTask;

        public async ValueTask DisposeAsync()
        {
            if (_app is not null) await _app.DisposeAsync();
        }

        private sealed class WorkerHealthServerLifetime : IHostLifetime
        {
            public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

            public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        }
    }
`;
}

function listenerServer(): string {
  return `
    /// <summary>
    /// Serves the worker's health checks on WorkerHealthEndpoint.Port with System.Net.HttpListener:
    /// 200 "Healthy" (or "Degraded"), 503 "Unhealthy" on WorkerHealthEndpoint.Path, 404 elsewhere.
    /// </summary>
    public sealed class WorkerHealthListener : BackgroundService
    {
        private readonly HealthCheckService _health;
        private readonly ILogger<WorkerHealthListener> _logger;
        private readonly HttpListener _listener = new HttpListener();

        public WorkerHealthListener(HealthCheckService health, ILogger<WorkerHealthListener> logger)
        {
            _health = health;
            _logger = logger;
        }

        public override Task StartAsync(CancellationToken cancellationToken)
        {
            // A port already taken stops the worker here, with the reason, rather than failing every probe.
            _listener.Prefixes.Add($"http://+:{WorkerHealthEndpoint.Port}/");
            _listener.Start();
            _logger.LogInformation("Health endpoint: http://+:{Port}{Path}", WorkerHealthEndpoint.Port, WorkerHealthEndpoint.Path);
            return base.StartAsync(cancellationToken);
        }

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            using var stop = stoppingToken.Register(() => _listener.Stop());
            while (!stoppingToken.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception) when (stoppingToken.IsCancellationRequested || !_listener.IsListening)
                {
                    break;
                }
                _ = AnswerAsync(context, stoppingToken);
            }
        }

        private async Task AnswerAsync(HttpListenerContext context, CancellationToken stoppingToken)
        {
            var response = context.Response;
            try
            {
                if (!string.Equals(context.Request.Url?.AbsolutePath, WorkerHealthEndpoint.Path, StringComparison.Ordinal))
                {
                    response.StatusCode = 404;
                    return;
                }
                var report = await _health.CheckHealthAsync(stoppingToken);
                response.StatusCode = report.Status == HealthStatus.Unhealthy ? 503 : 200;
                response.ContentType = "text/plain";
                var body = Encoding.UTF8.GetBytes(report.Status.ToString());
                response.ContentLength64 = body.Length;
                await response.OutputStream.WriteAsync(body, 0, body.Length, stoppingToken);
            }
            catch (Exception error) when (error is HttpListenerException || error is OperationCanceledException || error is ObjectDisposedException)
            {
                _logger.LogDebug(error, "The health request ended early");
            }
            finally
            {
                try
                {
                    response.Close();
                }
                catch (ObjectDisposedException)
                {
                }
            }
        }

        public override void Dispose()
        {
            _listener.Close();
            base.Dispose();
        }
    }
`;
}

/** "\r\n" when the text's first line ends so, else "\n". */
export function eolOf(text: string): string {
  const i = text.indexOf('\n');
  return i > 0 && text[i - 1] === '\r' ? '\r\n' : '\n';
}

export type Registration = { offset: number; line: number; text: string; insert: string } | { manual: string };

/**
 * Where Program.cs registers the worker (`….AddHostedService<Worker>();` as a statement of its own
 * line) and the line to add after it: `<same receiver>.AddWorkerHealth();` with the same indentation.
 * `{ manual }` says what to add where when the shape is not one it can edit safely.
 */
export function findRegistration(programText: string, call = 'AddWorkerHealth', webApp = false): Registration | { already: { line: number } } {
  const text = programText;
  const code = maskCSharp(text);
  const existing = new RegExp(`\\.\\s*${call}\\s*\\(`).exec(code);
  if (existing) return { already: { line: positionOf(text, existing.index).line } };
  const manual = (why: string) => ({
    manual: `${why} Add the line  builder.Services.${call}();  (or services.${call}(); inside ConfigureServices) right after the line that calls AddHostedService<…>() for your worker.`,
  });
  if (!webApp && isWebApplication(programText)) {
    return manual(
      'Program.cs builds a WebApplication, which serves HTTP already: register the heartbeat and map the endpoint on the app itself with builder.Services.AddSingleton<WorkerHeartbeat>(); builder.Services.AddHealthChecks().AddCheck<WorkerHeartbeatHealthCheck>("worker-heartbeat"); and app.MapHealthChecks(…). Or, for a separate health port,',
    );
  }
  const calls = [...code.matchAll(/([A-Za-z_][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*)\s*\.\s*AddHostedService\s*<[^;{}]*?>\s*\(/g)];
  if (calls.length === 0) return manual('No AddHostedService<…>() call was found in Program.cs.');
  const m = calls[calls.length - 1];
  const receiver = m[1].replace(/\s+/g, '');
  // The call's closing parenthesis, then a semicolon: the statement must end here (not a fluent chain).
  let depth = 0;
  let k = m.index + m[0].length - 1;
  for (; k < code.length; k++) {
    if (code[k] === '(') depth++;
    else if (code[k] === ')' && --depth === 0) break;
  }
  const after = /^\s*;/.exec(code.slice(k + 1));
  const lineStart = code.lastIndexOf('\n', m.index) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
  const pos = positionOf(text, m.index);
  const shown = text.slice(lineStart, (text.indexOf('\n', m.index) + 1 || text.length + 1) - 1).replace(/\r$/, '').trim();
  if (!after) return manual(`Program.cs:${pos.line}: "${shown}" continues past AddHostedService (a chained call), so there is no line of its own to add after.`);
  const semicolon = k + 1 + after[0].length;
  const lineEnd = code.indexOf('\n', semicolon);
  const rest = code.slice(semicolon, lineEnd < 0 ? code.length : lineEnd);
  if (lineStart + indent.length !== m.index || rest.trim() !== '') {
    return manual(`Program.cs:${pos.line}: "${shown}" shares its line with other code.`);
  }
  const eol = eolOf(text);
  const insertAt = lineEnd < 0 ? text.length : lineEnd + 1;
  const line = `${indent}${receiver}.${call}();`;
  const insert = lineEnd < 0 ? `${eol}${line}` : `${line}${eol}`;
  return { offset: insertAt, line: positionOf(text, insertAt).line + (lineEnd < 0 ? 1 : 0), text: line.trim(), insert };
}

/** Program.cs builds a WebApplication (WebApplication.CreateBuilder/CreateSlimBuilder/CreateEmptyBuilder). */
export function isWebApplication(programText: string): boolean {
  return /\bWebApplication\s*\.\s*Create(Slim|Empty)?Builder\s*\(/.test(maskCSharp(programText));
}

/**
 * Where a WebApplication Program.cs builds its app (`var app = builder.Build();` on a line of its
 * own) and the line to add after it: `app.MapWorkerHealth();`.
 */
export function findAppMapping(programText: string, call = 'MapWorkerHealth'): Registration | { already: { line: number } } {
  const text = programText;
  const code = maskCSharp(text);
  const existing = new RegExp(`\\.\\s*${call}\\s*\\(`).exec(code);
  if (existing) return { already: { line: positionOf(text, existing.index).line } };
  const m = /^([ \t]*)(?:var|WebApplication)\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*[A-Za-z_][A-Za-z0-9_]*\s*\.\s*Build\s*\(\s*\)\s*;[ \t]*\r?$/m.exec(code);
  if (!m) return { manual: `Add the line  app.${call}();  right after the line that builds the app (var app = builder.Build();).` };
  const eol = eolOf(text);
  const lineEnd = code.indexOf('\n', m.index);
  const line = `${m[1]}${m[2]}.${call}();`;
  const insertAt = lineEnd < 0 ? text.length : lineEnd + 1;
  return { offset: insertAt, line: positionOf(text, insertAt).line + (lineEnd < 0 ? 1 : 0), text: line.trim(), insert: lineEnd < 0 ? `${eol}${line}` : `${line}${eol}` };
}

const XML_COMMENT = /<!--[\s\S]*?-->/g;
const maskXml = (text: string) => text.replace(XML_COMMENT, (c) => c.replace(/[^\r\n]/g, ' '));

/**
 * Inserts `<Tag Include="name" [Version="…"] />` into an XML project or props file after the last
 * element of the same tag (same indentation), else in a new ItemGroup before </Project>. Undefined
 * when an element for the package is there already.
 */
export function addItemElement(xml: string, tag: 'PackageReference' | 'PackageVersion', name: string, version?: string): string | undefined {
  const code = maskXml(xml);
  const same = new RegExp(`<${tag}\\b[^>]*\\b(Include|Update)\\s*=\\s*["']\\s*${name.replace(/\./g, '\\.')}\\s*["']`, 'i');
  if (same.test(code) && (tag === 'PackageVersion' || /\bInclude\b/i.test(same.exec(code)![1]))) return undefined;
  const eol = eolOf(xml);
  const element = `<${tag} Include="${name}"${version ? ` Version="${version}"` : ''} />`;
  const all = [...code.matchAll(new RegExp(`<${tag}\\b[^>]*?(/>|>[\\s\\S]*?</${tag}\\s*>)`, 'g'))];
  if (all.length) {
    const last = all[all.length - 1];
    const lineStart = code.lastIndexOf('\n', last.index) + 1;
    const indent = /^[ \t]*/.exec(xml.slice(lineStart))![0];
    const end = last.index + last[0].length;
    const lineEnd = code.indexOf('\n', end);
    if (lineStart + indent.length === last.index && code.slice(end, lineEnd < 0 ? code.length : lineEnd).trim() === '') {
      const at = lineEnd < 0 ? xml.length : lineEnd + 1;
      return `${xml.slice(0, at)}${lineEnd < 0 ? eol : ''}${indent}${element}${lineEnd < 0 ? '' : eol}${xml.slice(at)}`;
    }
    return `${xml.slice(0, end)}${element}${xml.slice(end)}`;
  }
  const close = code.lastIndexOf('</Project>');
  if (close < 0) throw new HealthEndpointError('no </Project> in the file.');
  // The indentation of the file's first child element; a blank line after the group when the file spaces its groups so.
  const child = /\n([ \t]+)</.exec(code);
  const unit = child ? child[1] : '  ';
  const lineStart = code.lastIndexOf('\n', close) + 1;
  const group = `${unit}<ItemGroup>${eol}${unit}${unit}${element}${eol}${unit}</ItemGroup>${eol}`;
  if (code.slice(lineStart, close).trim() !== '') return `${xml.slice(0, close)}${eol}${group}${xml.slice(close)}`;
  const spaced = /\n[ \t]*\r?\n[ \t]*$/.test(xml.slice(0, lineStart));
  return `${xml.slice(0, lineStart)}${group}${spaced ? eol : ''}${xml.slice(lineStart)}`;
}

/** True when the project file turns central package management on (or off, false; undefined when it does not say). */
export function centralManagementIn(xml: string): boolean | undefined {
  const m = /<ManagePackageVersionsCentrally\b[^>]*>\s*(true|false)\s*<\/ManagePackageVersionsCentrally>/i.exec(maskXml(xml));
  return m ? m[1].toLowerCase() === 'true' : undefined;
}

export interface BeatHint {
  file: string;
  line: number;
  text: string;
}

/**
 * The worker loop that should beat: the first `while (!token.IsCancellationRequested)` inside a class
 * with ExecuteAsync. The suggestion names the line; the user's code is never changed.
 */
export function findBeatLoop(files: Array<{ file: string; text: string }>): (BeatHint & { namespace?: string }) | undefined {
  for (const { file, text: raw } of files) {
    const text = raw.replace(/^\uFEFF/, '');
    const code = maskCSharp(text);
    if (!/\bExecuteAsync\s*\(/.test(code)) continue;
    const loop = /\bwhile\s*\(\s*!\s*[A-Za-z_][A-Za-z0-9_.]*\s*\.\s*IsCancellationRequested\s*\)/.exec(code);
    if (!loop) continue;
    const ns = /\bnamespace\s+([A-Za-z_][A-Za-z0-9_.]*)/.exec(code);
    const { line } = positionOf(text, loop.index);
    return { file, line, text: text.split(/\r?\n/)[line - 1].trim(), ...(ns ? { namespace: ns[1] } : {}) };
  }
  return undefined;
}

/** A unified diff of one file (the edits here each change one stretch of lines). */
export function unifiedDiff(file: string, before: string | undefined, after: string, context = 3): string {
  const split = (s: string) => (s === '' ? [] : s.replace(/\r?\n$/, '').split(/\r?\n/));
  const a = before === undefined ? [] : split(before.replace(/^\uFEFF/, ''));
  const b = split(after.replace(/^\uFEFF/, ''));
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  if (start === endA && start === endB) return '';
  const from = Math.max(0, start - context);
  const toA = Math.min(a.length, endA + context);
  const toB = Math.min(b.length, endB + context);
  const lines = [
    `--- ${before === undefined ? '/dev/null' : `a/${file}`}`,
    `+++ b/${file}`,
    `@@ -${toA - from === 0 ? 0 : from + 1},${toA - from} +${toB - from === 0 ? 0 : from + 1},${toB - from} @@`,
    ...a.slice(from, start).map((l) => ` ${l}`),
    ...a.slice(start, endA).map((l) => `-${l}`),
    ...b.slice(start, endB).map((l) => `+${l}`),
    ...a.slice(endA, toA).map((l) => ` ${l}`),
  ];
  return `${lines.join('\n')}\n`;
}
