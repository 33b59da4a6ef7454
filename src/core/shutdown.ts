/**
 * The shutdown budget: how long a stop gives the worker, against when Kubernetes kills it.
 *
 * On a stop Kubernetes runs the container's preStop hook, then sends SIGTERM; it sends SIGKILL when
 * terminationGracePeriodSeconds has passed since the stop began (the grace period covers the hook).
 * On SIGTERM the .NET host stops its services and waits for them up to HostOptions.ShutdownTimeout.
 *
 * How the host sets ShutdownTimeout (Microsoft.Extensions.Hosting, HostBuilder.PopulateServiceCollection
 * and HostOptions.Initialize): its own IConfigureOptions reads the configuration key
 * `shutdownTimeoutSeconds` (a whole number of seconds; anything else is ignored) from the app
 * configuration, and is registered before the app's services, so `Configure<HostOptions>(…)` and
 * `ConfigureHostOptions(…)` in code win over it. Host.CreateDefaultBuilder, Host.CreateApplicationBuilder
 * and WebApplication.CreateBuilder build that configuration from, lowest first: ASPNETCORE_-prefixed
 * environment variables (web hosts only), DOTNET_-prefixed ones, appsettings.json,
 * appsettings.{Environment}.json, the unprefixed environment, the command line. A `HostOptions`
 * section in appsettings.json is not read unless the code binds it. The default is 30 s since
 * .NET 6, 5 s before; .NET Core 3.x does not read the key at all.
 *
 * Pure: the files are read in src/tools.
 */

/** Where a number came from: a file and line (1-based), or a place in words. */
export interface Origin {
  file: string;
  line?: number;
}

/** One place that sets (or tries to set) ShutdownTimeout. */
export interface ShutdownSource {
  kind: 'code' | 'appsettings' | 'env' | 'default';
  /** Seconds, when known; undefined: set, but to a value that cannot be read statically. */
  seconds?: number;
  /** What is written there, e.g. `TimeSpan.FromSeconds(45)`, `"shutdownTimeoutSeconds": 45`. */
  text: string;
  at?: Origin;
  /** Why the host ignores it, when it does (not a whole number, …). */
  ignored?: string;
}

export interface ShutdownTimeout {
  /** The value the host uses; undefined when the winning source cannot be read. */
  seconds?: number;
  /** The source that wins. */
  source: ShutdownSource;
  /** Every source found, the winner first, then the ones it overrides or that the host ignores. */
  all: ShutdownSource[];
  /** Sentences for the user: several assignments in code, a HostOptions section nobody binds, … */
  notes: string[];
}

// ---------------------------------------------------------------------------------------------
// The default

/** The host's default for a target framework (net8.0 → 30, net5.0 / netcoreapp3.1 → 5). */
export function defaultShutdownSeconds(tfm: string | undefined): { seconds: number; readsConfig: boolean; text: string } {
  const t = (tfm ?? '').trim().toLowerCase();
  const net = /^net(\d+)\.\d+/.exec(t);
  const major = net && Number(net[1]) >= 5 ? Number(net[1]) : /^netcoreapp\d/.test(t) ? 3 : undefined;
  if (major === undefined) return { seconds: 30, readsConfig: true, text: `the .NET default (30 s since .NET 6${tfm ? `; ${tfm} not recognised` : ''})` };
  if (major >= 6) return { seconds: 30, readsConfig: true, text: `the .NET default for ${tfm} (30 s since .NET 6)` };
  return { seconds: 5, readsConfig: major >= 5, text: `the .NET default for ${tfm} (5 s before .NET 6)` };
}

// ---------------------------------------------------------------------------------------------
// appsettings.json, read as .NET's JSON configuration does

export interface ConfigEntry {
  value: string;
  line: number;
}

export class SettingsJsonError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
    this.name = 'SettingsJsonError';
  }
}

/**
 * A JSON configuration file flattened the way Microsoft.Extensions.Configuration.Json does: nested
 * keys joined with ':', array items by index, keys case-insensitive (the map's keys are lower case),
 * values as strings (null → ''). Comments (// and /* *\/) and trailing commas are allowed, a BOM is
 * skipped; a duplicate key is an error, as it is for the host.
 */
export function flattenSettingsJson(text: string, file = 'appsettings.json'): Map<string, ConfigEntry> {
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let i = 0;
  let line = 1;
  const out = new Map<string, ConfigEntry>();
  const fail = (m: string): never => {
    throw new SettingsJsonError(file, line, m);
  };
  const skip = () => {
    for (;;) {
      const c = s[i];
      if (c === '\n') {
        line++;
        i++;
      } else if (c === ' ' || c === '\t' || c === '\r') i++;
      else if (c === '/' && s[i + 1] === '/') {
        while (i < s.length && s[i] !== '\n') i++;
      } else if (c === '/' && s[i + 1] === '*') {
        const end = s.indexOf('*/', i + 2);
        if (end < 0) fail('a /* comment is not closed');
        for (let j = i; j < end; j++) if (s[j] === '\n') line++;
        i = end + 2;
      } else return;
    }
  };
  const str = (): string => {
    i++; // "
    let r = '';
    for (;;) {
      if (i >= s.length) fail('a string is not closed');
      const c = s[i++];
      if (c === '"') return r;
      if (c === '\n') fail('a line break inside a string');
      if (c !== '\\') {
        r += c;
        continue;
      }
      const e = s[i++];
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e in simple) r += simple[e];
      else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(i, i + 4))) {
        r += String.fromCharCode(parseInt(s.slice(i, i + 4), 16));
        i += 4;
      } else fail(`a bad escape \\${e ?? ''} in a string`);
    }
  };
  const put = (key: string, value: string, at: number) => {
    const k = key.toLowerCase();
    if (out.has(k)) fail(`the key "${key}" is set twice (the .NET host refuses to start with a duplicate key)`);
    out.set(k, { value, line: at });
  };
  const value = (path: string, depth: number): void => {
    if (depth > 64) fail('nested too deeply');
    skip();
    const at = line;
    const c = s[i];
    if (c === '{') {
      i++;
      let first = true;
      for (;;) {
        skip();
        if (s[i] === '}') {
          i++;
          if (first && path) put(path, '', at);
          return;
        }
        if (!first) {
          if (s[i] !== ',') fail(`expected "," or "}" but found ${s[i] === undefined ? 'the end of the file' : `"${s[i]}"`}`);
          i++;
          skip();
          if (s[i] === '}') {
            i++;
            return;
          }
        }
        if (s[i] !== '"') fail(`expected a key in double quotes but found ${s[i] === undefined ? 'the end of the file' : `"${s[i]}"`}`);
        const key = str();
        skip();
        if (s[i] !== ':') fail(`expected ":" after "${key}"`);
        i++;
        value(path ? `${path}:${key}` : key, depth + 1);
        first = false;
      }
    }
    if (c === '[') {
      i++;
      let n = 0;
      for (;;) {
        skip();
        if (s[i] === ']') {
          i++;
          if (n === 0 && path) put(path, '', at);
          return;
        }
        if (n > 0) {
          if (s[i] !== ',') fail(`expected "," or "]" but found ${s[i] === undefined ? 'the end of the file' : `"${s[i]}"`}`);
          i++;
          skip();
          if (s[i] === ']') {
            i++;
            return;
          }
        }
        value(`${path}:${n}`, depth + 1);
        n++;
      }
    }
    if (c === '"') {
      put(path, str(), at);
      return;
    }
    const lit = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(s.slice(i, i + 400));
    if (!lit) fail(c === undefined ? 'the file ends where a value should be' : `unexpected "${c}"`);
    i += lit![0].length;
    // JsonElement.ToString(): the number as written; true/false as "True"/"False"; null as "".
    put(path, lit![0] === 'null' ? '' : lit![0] === 'true' ? 'True' : lit![0] === 'false' ? 'False' : lit![0], at);
  };
  skip();
  if (i >= s.length) return out; // an empty file is an empty configuration
  if (s[i] !== '{') fail('the top level must be an object ({ … })');
  value('', 0);
  skip();
  if (i < s.length) fail(`unexpected "${s[i]}" after the end of the object`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Values

/** `int.TryParse(v, NumberStyles.None, …)`: plain digits only (no sign, spaces or decimals). */
export function hostSeconds(v: string): number | undefined {
  return /^\d{1,9}$/.test(v) ? Number(v) : undefined;
}

/** A TimeSpan written as configuration binds it ("00:00:45", "1.00:00:00", "45" = 45 days), in seconds. */
export function timeSpanText(v: string): number | undefined {
  const t = v.trim();
  const m = /^(-)?(?:(\d+)\.)?(\d+):(\d+)(?::(\d+)(?:\.(\d{1,7}))?)?$/.exec(t);
  if (m) {
    const [h, min, sec] = [Number(m[3]), Number(m[4]), Number(m[5] ?? 0)];
    if (h > 23 || min > 59 || sec > 59) return undefined;
    const total = Number(m[2] ?? 0) * 86400 + h * 3600 + min * 60 + sec + (m[6] ? Number(`0.${m[6]}`) : 0);
    return m[1] ? -total : total;
  }
  if (/^\d+$/.test(t)) return Number(t) * 86400;
  return undefined;
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : String(Math.round(n * 1000) / 1000));

// ---------------------------------------------------------------------------------------------
// Code

export interface CodeFile {
  file: string;
  text: string;
}

/**
 * C# text with comments blanked (same length, lines kept), and with `blankStrings` the contents of
 * string literals too, so a scan matches code only; the expressions are then read from the text with
 * the strings kept (TimeSpan.Parse("00:00:45"), GetSection("HostOptions")).
 */
function codeOnly(text: string, blankStrings: boolean): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const n = text[i + 1];
    if (c === '/' && n === '/') {
      while (i < text.length && text[i] !== '\n') {
        out += ' ';
        i++;
      }
    } else if (c === '/' && n === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      for (; i < stop; i++) out += text[i] === '\n' ? '\n' : ' ';
    } else if (c === '"' || (c === '@' && n === '"') || (c === '$' && n === '"') || (c === '$' && n === '@' && text[i + 2] === '"') || (c === '@' && n === '$' && text[i + 2] === '"')) {
      // keep the quotes and the text of a plain string (TimeSpan.Parse("00:00:45") reads it), blank nothing else
      const start = text.indexOf('"', i);
      const verbatim = text.slice(i, start).includes('@');
      out += text.slice(i, start + 1);
      i = start + 1;
      while (i < text.length) {
        if (!verbatim && text[i] === '\\') {
          out += blankStrings ? '  ' : text.slice(i, i + 2);
          i += 2;
          continue;
        }
        if (text[i] === '"' && verbatim && text[i + 1] === '"') {
          out += blankStrings ? '  ' : '""';
          i += 2;
          continue;
        }
        if (text[i] === '"' || (!verbatim && text[i] === '\n')) break;
        out += blankStrings && text[i] !== '\n' ? ' ' : text[i];
        i++;
      }
      if (i < text.length) {
        out += text[i];
        i++;
      }
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const num = (v: string): number | undefined => {
  const t = v.replace(/_/g, '').replace(/[dDfFmMlLuU]+$/, '');
  return /^\d+(?:\.\d+)?$/.test(t) ? Number(t) : undefined;
};

/** A TimeSpan expression written as a literal, in seconds; undefined for anything else. */
export function timeSpanExpression(expr: string): number | undefined {
  const e = expr.replace(/\s+/g, '').replace(/^(?:global::)?(?:System\.)?/, '');
  const from = /^TimeSpan\.From(Milliseconds|Seconds|Minutes|Hours|Days)\(([\d_.]+[dDfFmMlLuU]*)\)$/.exec(e);
  if (from) {
    const n = num(from[2]);
    if (n === undefined) return undefined;
    return n * { Milliseconds: 0.001, Seconds: 1, Minutes: 60, Hours: 3600, Days: 86400 }[from[1] as 'Seconds'];
  }
  const ctor = /^new(?:TimeSpan)?\(([\d_.,lL]+)\)$/.exec(e);
  if (ctor) {
    const parts = ctor[1].split(',').map(num);
    if (parts.some((p) => p === undefined)) return undefined;
    const p = parts as number[];
    if (p.length === 1) return p[0] / 1e7; // ticks
    if (p.length === 3) return p[0] * 3600 + p[1] * 60 + p[2];
    if (p.length === 4) return p[0] * 86400 + p[1] * 3600 + p[2] * 60 + p[3];
    if (p.length === 5) return p[0] * 86400 + p[1] * 3600 + p[2] * 60 + p[3] + p[4] / 1000;
    return undefined;
  }
  const parse = /^TimeSpan\.Parse\("([^"]*)"(?:,[\w.]+)?\)$/.exec(e);
  if (parse) return timeSpanText(parse[1]);
  if (e === 'TimeSpan.Zero') return 0;
  return undefined;
}

/** Finds the end of an expression starting at `from`: the first `;`, `,` or closing bracket at depth 0. */
function expressionAt(code: string, from: number): string {
  let depth = 0;
  let i = from;
  for (; i < code.length; i++) {
    const c = code[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) break;
      depth--;
    } else if ((c === ';' || c === ',') && depth === 0) break;
  }
  return code.slice(from, i).trim();
}

export interface CodeScan {
  /** Each `ShutdownTimeout = …` assignment. */
  assignments: ShutdownSource[];
  /** Configuration sections the code binds to HostOptions (`Configure<HostOptions>(config.GetSection("HostOptions"))`). */
  boundSections: Array<{ section: string; at: Origin }>;
}

/**
 * A static scan of the project's C# files for what sets HostOptions.ShutdownTimeout: assignments
 * (in `Configure<HostOptions>`, `ConfigureHostOptions`, a `new HostOptions { … }`), read when they are
 * literals, else "set in code, value unknown"; and sections bound to HostOptions.
 */
export function scanCode(files: CodeFile[]): CodeScan {
  const assignments: ShutdownSource[] = [];
  const boundSections: CodeScan['boundSections'] = [];
  for (const f of files) {
    const code = codeOnly(f.text, true);
    const withStrings = codeOnly(f.text, false);
    const lineOf = (at: number) => code.slice(0, at).split('\n').length;
    // Only files that speak of the host's options: another class's ShutdownTimeout is not the host's.
    if (!/\bHostOptions\b|\bConfigureHostOptions\b/.test(code)) continue;
    const re = /\.\s*ShutdownTimeout\s*=(?!=)|[{,]\s*ShutdownTimeout\s*=(?!=)/g;
    for (let m = re.exec(code); m; m = re.exec(code)) {
      const expr = expressionAt(withStrings, m.index + m[0].length);
      const seconds = timeSpanExpression(expr);
      assignments.push({ kind: 'code', seconds, text: `ShutdownTimeout = ${expr.replace(/\s+/g, ' ')}`, at: { file: f.file, line: lineOf(m.index + m[0].indexOf('ShutdownTimeout')) } });
    }
    const bind = /(?:Configure<\s*(?:[\w.]+\.)?HostOptions\s*>\s*\(|AddOptions<\s*(?:[\w.]+\.)?HostOptions\s*>\s*\(\s*\)\s*\.\s*Bind\s*\()[^;]*?GetSection\(\s*"([^"]+)"\s*\)|AddOptions<\s*(?:[\w.]+\.)?HostOptions\s*>\s*\(\s*\)\s*\.\s*BindConfiguration\(\s*"([^"]+)"/g;
    for (let m = bind.exec(withStrings); m; m = bind.exec(withStrings)) if (code.slice(m.index, m.index + 9) === withStrings.slice(m.index, m.index + 9)) boundSections.push({ section: m[1] ?? m[2], at: { file: f.file, line: lineOf(m.index) } });
  }
  return { assignments, boundSections };
}

// ---------------------------------------------------------------------------------------------
// Environment

export interface EnvVar {
  name: string;
  value?: string;
  /** Set from a ConfigMap, Secret or field: the value is not in the chart. */
  from?: string;
}

// ---------------------------------------------------------------------------------------------
// Putting it together

export interface ShutdownInputs {
  targetFramework?: string;
  /** The project uses ASP.NET Core (WebApplication.CreateBuilder adds ASPNETCORE_-prefixed variables). */
  web?: boolean;
  code: CodeScan;
  /** appsettings.json and appsettings.{Environment}.json as read (lowest first), with their names. */
  settings: Array<{ file: string; entries: Map<string, ConfigEntry> }>;
  /** The container's environment as the chart renders it, and where (the template). */
  env: EnvVar[];
  envAt?: Origin;
}

/**
 * The ShutdownTimeout the host will use, and every place that tries to set it, as the host applies
 * them: code (the last registration wins; several different ones are reported), a bound HostOptions
 * section, then the `shutdownTimeoutSeconds` key from the unprefixed environment,
 * appsettings.{Environment}.json, appsettings.json, DOTNET_ then ASPNETCORE_ variables, then the default.
 */
export function resolveShutdownTimeout(i: ShutdownInputs): ShutdownTimeout {
  const notes: string[] = [];
  const def = defaultShutdownSeconds(i.targetFramework);
  const defaultSource: ShutdownSource = { kind: 'default', seconds: def.seconds, text: def.text };
  const envNamed = (name: string) => i.env.filter((e) => e.name.toLowerCase() === name.toLowerCase()).pop();
  const envSource = (e: EnvVar | undefined, parse: (v: string) => number | undefined, what: string): ShutdownSource | undefined => {
    if (!e) return undefined;
    if (e.from) return { kind: 'env', text: `${e.name} from ${e.from}`, at: i.envAt };
    const v = e.value ?? '';
    const seconds = parse(v);
    return { kind: 'env', seconds, text: `${e.name}=${v}`, at: i.envAt, ...(seconds === undefined ? { ignored: `not ${what}, so the host ignores it` } : {}) };
  };
  const settingSource = (key: string, parse: (v: string) => number | undefined, what: string, quoteNumber: boolean): ShutdownSource[] =>
    i.settings
      .map(({ file, entries }) => {
        const hit = entries.get(key.toLowerCase());
        if (!hit) return undefined;
        const seconds = parse(hit.value);
        const shown = quoteNumber || !/^\d+$/.test(hit.value) ? JSON.stringify(hit.value) : hit.value;
        return { kind: 'appsettings', seconds, text: `"${key}": ${shown}`, at: { file, line: hit.line }, ...(seconds === undefined ? { ignored: `not ${what}, so the host ignores it` } : {}) } as ShutdownSource;
      })
      .filter((x): x is ShutdownSource => !!x)
      .reverse();

  // The configuration key, highest first.
  const configKey: ShutdownSource[] = [];
  if (def.readsConfig) {
    const wholeSeconds = 'a whole number of seconds';
    const plain = envSource(envNamed('shutdownTimeoutSeconds'), hostSeconds, wholeSeconds);
    if (plain) configKey.push(plain);
    configKey.push(...settingSource('shutdownTimeoutSeconds', hostSeconds, wholeSeconds, false));
    // WebApplication.CreateBuilder: a DOTNET_ variable wins over the ASPNETCORE_ one.
    for (const prefix of i.web ? ['DOTNET_', 'ASPNETCORE_'] : ['DOTNET_']) {
      const p = envSource(envNamed(`${prefix}shutdownTimeoutSeconds`), hostSeconds, wholeSeconds);
      if (p) configKey.push(p);
    }
  }

  // Sections bound in code: their ShutdownTimeout (a TimeSpan), from the environment and the settings files.
  const bound: ShutdownSource[] = [];
  for (const b of i.code.boundSections) {
    const key = `${b.section}:ShutdownTimeout`;
    const timeSpan = 'a TimeSpan such as "00:00:45"';
    const env = envSource(envNamed(key.replace(/:/g, '__')), timeSpanText, timeSpan);
    const hits = [...(env ? [env] : []), ...settingSource(key, timeSpanText, timeSpan, true)];
    bound.push(...hits.map((h) => ({ ...h, text: `${h.text} (bound in code at ${b.at.file}:${b.at.line})` })));
  }

  const code = i.code.assignments;
  const distinct = new Set(code.map((c) => (c.seconds === undefined ? `?${c.text}` : String(c.seconds))));
  if (code.length > 1 && distinct.size > 1) {
    notes.push(`ShutdownTimeout is set in ${code.length} places in code (${code.map((c) => `${c.at?.file}:${c.at?.line}`).join(', ')}); the one registered last wins, which a reading of the files cannot tell.`);
  }
  const settingsNamesHostOptions = i.settings.flatMap(({ file, entries }) => {
    const e = entries.get('hostoptions:shutdowntimeout');
    return e && !i.code.boundSections.some((b) => b.section.toLowerCase() === 'hostoptions') ? [`${file}:${e.line}`] : [];
  });
  if (settingsNamesHostOptions.length) {
    notes.push(`"HostOptions:ShutdownTimeout" (${settingsNamesHostOptions.join(', ')}) is not read by the host unless the code binds it (builder.Services.Configure<HostOptions>(builder.Configuration.GetSection("HostOptions"))); the host reads "shutdownTimeoutSeconds" instead.`);
  }
  const unboundEnv = i.env.filter((e) => e.name.toLowerCase() === 'hostoptions__shutdowntimeout' && !i.code.boundSections.some((b) => b.section.toLowerCase() === 'hostoptions'));
  if (unboundEnv.length) {
    notes.push(`The environment variable ${unboundEnv[0].name} is not read by the host unless the code binds the HostOptions section; the host reads shutdownTimeoutSeconds (DOTNET_shutdownTimeoutSeconds) instead.`);
  }
  if (!def.readsConfig && (i.env.some((e) => /shutdowntimeoutseconds$/i.test(e.name)) || i.settings.some((s) => s.entries.has('shutdowntimeoutseconds')))) {
    notes.push(`${i.targetFramework} does not read "shutdownTimeoutSeconds" from configuration (.NET 5 and later do); set HostOptions.ShutdownTimeout in code.`);
  }

  const ordered: ShutdownSource[] = [...[...code].reverse(), ...[...bound], ...configKey];
  const winner = ordered.find((s) => !s.ignored) ?? defaultSource;
  const all = [winner, ...ordered.filter((s) => s !== winner), ...(winner === defaultSource ? [] : [defaultSource])];
  return { seconds: winner.seconds, source: winner, all, notes };
}

// ---------------------------------------------------------------------------------------------
// The chart's side: preStop

export interface PreStop {
  /** Seconds the hook takes, when known. */
  seconds?: number;
  text: string;
  /** The hook runs something whose duration is unknown. */
  unknown?: boolean;
}

/** The preStop hook's delay from a rendered container `lifecycle` (exec sleep N, sh -c "sleep N", the sleep action, httpGet). */
export function preStopOf(lifecycle: unknown): PreStop | undefined {
  const pre = (lifecycle as { preStop?: unknown } | undefined)?.preStop as Record<string, unknown> | undefined;
  if (!pre || typeof pre !== 'object') return undefined;
  const sleep = pre.sleep as { seconds?: unknown } | undefined;
  if (sleep && typeof sleep === 'object') {
    const n = Number(sleep.seconds);
    return Number.isFinite(n) && n >= 0 ? { seconds: n, text: `sleep action, ${fmt(n)} s` } : { unknown: true, text: 'a sleep action without a readable number of seconds' };
  }
  const exec = pre.exec as { command?: unknown } | undefined;
  if (exec && Array.isArray(exec.command)) {
    const cmd = exec.command.map(String);
    const joined = cmd.join(' ');
    const direct = cmd.length === 2 && /(^|\/)sleep$/.test(cmd[0]) ? cmd[1] : undefined;
    const shell = cmd.length === 3 && /(^|\/)(ba|da)?sh$/.test(cmd[0]) && cmd[1] === '-c' ? /^\s*(?:exec\s+)?sleep\s+(\S+)\s*;?\s*$/.exec(cmd[2])?.[1] : undefined;
    const arg = direct ?? shell;
    const n = arg !== undefined && /^\d+(?:\.\d+)?s?$/.test(arg) ? Number(arg.replace(/s$/, '')) : undefined;
    if (n !== undefined) return { seconds: n, text: `exec ${joined}` };
    return { unknown: true, text: `exec ${joined}: preStop runs a command; its duration is unknown` };
  }
  if (pre.httpGet) return { unknown: true, text: 'httpGet: preStop calls an endpoint; its duration is unknown' };
  if (pre.tcpSocket) return { seconds: 0, text: 'tcpSocket (deprecated; returns at once)' };
  return { unknown: true, text: 'preStop runs a handler this reading does not know; its duration is unknown' };
}

// ---------------------------------------------------------------------------------------------
// The budget

/** Seconds of margin between the host giving up and Kubernetes' SIGKILL. */
export const SHUTDOWN_MARGIN_SECONDS = 5;

export interface ShutdownBudget {
  verdict: 'ok' | 'warning' | 'unknown';
  graceSeconds: number;
  shutdownSeconds?: number;
  preStopSeconds?: number;
  /** preStop + ShutdownTimeout + margin, rounded up: the grace period the worker needs. */
  recommendedGraceSeconds?: number;
  /** The sentence the form and the CLI show. */
  message: string;
  /** A second sentence when the grace period is far larger than needed (rollouts wait for it). */
  note?: string;
}

/**
 * Whether Kubernetes waits long enough: a stop gives the worker preStop + ShutdownTimeout, and
 * Kubernetes SIGKILLs at terminationGracePeriodSeconds after the stop began. OK when the grace period
 * is at least preStop + ShutdownTimeout + 5 s.
 */
export function shutdownBudget(graceSeconds: number, shutdownSeconds: number | undefined, preStop?: PreStop): ShutdownBudget {
  const pre = preStop?.seconds ?? 0;
  if (shutdownSeconds === undefined || preStop?.unknown) {
    const why = shutdownSeconds === undefined ? 'ShutdownTimeout is set in code to a value that cannot be read from the files' : preStop?.text ?? 'preStop runs a command; its duration is unknown';
    return {
      verdict: 'unknown',
      graceSeconds,
      shutdownSeconds,
      preStopSeconds: preStop?.seconds,
      message: `Kubernetes kills at ${graceSeconds} s; ${why}, so whether the worker finishes in time is unknown. terminationGracePeriodSeconds should be at least ShutdownTimeout + preStop + ${SHUTDOWN_MARGIN_SECONDS} s.`,
    };
  }
  const gives = Math.max(0, Math.min(shutdownSeconds, graceSeconds - pre));
  const need = Math.ceil(pre + shutdownSeconds + SHUTDOWN_MARGIN_SECONDS);
  const pieces = pre > 0 ? `preStop ${fmt(pre)} s + ShutdownTimeout ${fmt(shutdownSeconds)} s + ${SHUTDOWN_MARGIN_SECONDS} s` : `ShutdownTimeout ${fmt(shutdownSeconds)} s + ${SHUTDOWN_MARGIN_SECONDS} s`;
  const preText = pre > 0 ? `, after preStop's ${fmt(pre)} s` : '';
  if (graceSeconds >= need) {
    const slack = graceSeconds - need;
    return {
      verdict: 'ok',
      graceSeconds,
      shutdownSeconds,
      preStopSeconds: pre,
      recommendedGraceSeconds: need,
      message: `A stop gives the worker ${fmt(shutdownSeconds)} s to finish its job${preText}; Kubernetes kills at ${graceSeconds} s, ${fmt(graceSeconds - pre - shutdownSeconds)} s after the host gives up: enough (at least ${pieces} = ${need} s).`,
      ...(slack >= 60 ? { note: `terminationGracePeriodSeconds is ${slack} s more than the worker needs; that is safe, but a pod that hangs on stop holds a rollout up for that long.` } : {}),
    };
  }
  return {
    verdict: 'warning',
    graceSeconds,
    shutdownSeconds,
    preStopSeconds: pre,
    recommendedGraceSeconds: need,
    message: `A stop gives the worker ${fmt(gives)} s to finish its job${preText}; the host waits ${fmt(shutdownSeconds)} s; Kubernetes kills at ${graceSeconds} s — raise terminationGracePeriodSeconds to at least ShutdownTimeout + preStop + ${SHUTDOWN_MARGIN_SECONDS} s (${pieces} = ${need} s).`,
  };
}
