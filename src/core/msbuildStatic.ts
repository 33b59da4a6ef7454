import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { DotnetModelError, ItemFact, ProjectFacts, ProjectModel } from './dotnetModel';
import { XmlElement as Element, XmlError, parseXml } from './xml';
import { ParseLimitError } from './parseLimits';

/**
 * The fallback when no .NET SDK 8+ can evaluate a project: a reader of the MSBuild files themselves.
 * It follows what MSBuild does for the common cases — Directory.Build.props before the project,
 * Directory.Packages.props, Directory.Build.targets after it, relative imports, `$(…)` properties,
 * simple conditions, Sdk="A;B" — and records everything it had to guess, so its output can say so.
 */

/** What the reader needs from the file system. */
export interface StaticFs {
  /** The file's bytes, or undefined when it does not exist. */
  read(path: string): Promise<Uint8Array | undefined>;
  exists(path: string): Promise<boolean>;
}

/** Project file bytes → text: UTF-8 with or without BOM (as Visual Studio saves), UTF-16 LE/BE with BOM. */
export function decodeProjectText(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  const text = new TextDecoder('utf-8').decode(bytes);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Parses MSBuild XML; a malformed file is a DotnetModelError with line and column. */
export function parseMsbuildXml(text: string, file: string): Element {
  let root: Element;
  try {
    root = parseXml(text, file);
  } catch (err) {
    if (err instanceof ParseLimitError) throw new DotnetModelError(err.message, 'bad-project', file);
    if (!(err instanceof XmlError)) throw err;
    throw new DotnetModelError(`${file}:${err.line}:${err.column}: the project file is not valid XML: ${err.message}`, 'bad-project', file, err.line, err.column);
  }
  if (root.tagName !== 'Project') {
    throw new DotnetModelError(`${file}: the root element is not <Project>, so this is not an MSBuild file`, 'bad-project', file);
  }
  return root;
}

const PROJECT_EXT = /\.(cs|fs|vb)proj$/i;
const LANGUAGE: Record<string, string> = { '.csproj': 'C#', '.fsproj': 'F#', '.vbproj': 'VB' };

type Truth = true | false | undefined;

interface Evaluation {
  props: Map<string, string>;
  /** Names (lower case) of global properties, which the files cannot change. */
  globals: Set<string>;
  sdks: string[];
  frameworkReferences: ItemFact[];
  packageReferences: Array<ItemFact & { version?: string }>;
  projectReferences: Array<ItemFact & { fullPath: string; line?: number; column?: number }>;
  imported: string[];
  guesses: string[];
  warnings: string[];
  /** Record warnings about conditional target frameworks (outer evaluation only). */
  noteConditionalTfm: boolean;
}

const lineOf = (el: Element) => el.line;
const columnOf = (el: Element) => el.column;
const childElements = (el: Element): Element[] => el.children;

export class StaticReader {
  private readonly cache = new Map<string, Element | null>();
  private readonly existing = new Map<string, Promise<boolean>>();
  private readonly fs: StaticFs;
  constructor(fs: StaticFs) {
    // Every evaluation looks up the same Directory.* files in the same folders: ask the disk once.
    this.fs = {
      read: (p) => fs.read(p),
      exists: (p) => {
        let e = this.existing.get(p);
        if (!e) this.existing.set(p, (e = fs.exists(p)));
        return e;
      },
    };
  }

  private async load(path: string): Promise<Element | undefined> {
    if (this.cache.has(path)) return this.cache.get(path) ?? undefined;
    const bytes = await this.fs.read(path);
    const el = bytes ? parseMsbuildXml(decodeProjectText(bytes), path) : null;
    this.cache.set(path, el);
    return el ?? undefined;
  }

  /** The nearest file of that name at or above `dir` (MSBuild's GetPathOfFileAbove). */
  async fileAbove(name: string, dir: string): Promise<string | undefined> {
    let d = resolve(dir);
    for (;;) {
      const p = join(d, name);
      if (await this.fs.exists(p)) return p;
      const up = dirname(d);
      if (up === d) return undefined;
      d = up;
    }
  }

  /** Evaluates a project for one framework ('' = the outer evaluation) with Configuration=Release. */
  async evaluate(project: string, targetFramework: string, configuration = 'Release', outer = false): Promise<ProjectFacts & { guesses: string[]; warnings: string[] }> {
    const root = await this.load(project);
    if (!root) throw new DotnetModelError(`${project} does not exist.`, 'bad-project', project);
    const ext = extname(project).toLowerCase();
    const name = basename(project, extname(project));
    const ev: Evaluation = {
      props: new Map(),
      globals: new Set(['configuration', ...(targetFramework ? ['targetframework'] : [])]),
      sdks: [],
      frameworkReferences: [],
      packageReferences: [],
      projectReferences: [],
      imported: [],
      guesses: [],
      warnings: [],
      noteConditionalTfm: outer,
    };
    const set = (k: string, v: string) => ev.props.set(k.toLowerCase(), v);
    set('Configuration', configuration);
    set('Platform', 'AnyCPU');
    if (targetFramework) set('TargetFramework', targetFramework);
    set('MSBuildProjectFullPath', project);
    set('MSBuildProjectDirectory', dirname(project));
    set('MSBuildProjectName', name);
    set('MSBuildProjectFile', basename(project));
    set('MSBuildProjectExtension', ext);
    set('MSBuildProjectDirectoryNoRoot', dirname(project).replace(/^[\\/]/, ''));
    set('Language', LANGUAGE[ext] ?? 'C#');
    set('OutputType', 'Library');

    // <Project Sdk="A;B/1.0"> and <Sdk Name="…"/>: SDK props first.
    const sdkAttr = root.getAttribute('Sdk') ?? '';
    for (const s of sdkAttr.split(';').map((x) => x.trim().split('/')[0]).filter(Boolean)) ev.sdks.push(s);
    for (const el of childElements(root).filter((e) => e.tagName === 'Sdk')) {
      const n = (el.getAttribute('Name') ?? '').trim();
      if (n) ev.sdks.push(n);
    }
    for (const el of childElements(root).filter((e) => e.tagName === 'Import' && e.getAttribute('Sdk'))) {
      const n = (el.getAttribute('Sdk') ?? '').trim().split('/')[0];
      if (n && !ev.sdks.includes(n)) ev.sdks.push(n);
    }
    const sdkStyle = ev.sdks.length > 0;
    if (!sdkStyle) {
      throw new DotnetModelError(`${project}: the project names no SDK (Sdk="Microsoft.NET.Sdk…"); only SDK-style projects can be containerised this way`, 'bad-project', project);
    }
    if (ev.sdks.some((s) => /^Microsoft\.NET\.Sdk\.(Web|Worker)$/i.test(s))) set('OutputType', 'Exe');

    // Microsoft.Common.props: Directory.Build.props (the nearest), then Directory.Packages.props.
    const dbp = await this.fileAbove('Directory.Build.props', dirname(project));
    if (dbp) await this.evalFile(dbp, ev, project);
    const dpp = await this.fileAbove('Directory.Packages.props', dirname(project));
    if (dpp) await this.evalFile(dpp, ev, project);
    // The project itself.
    await this.evalElement(root, project, ev, project);
    // Microsoft.Common.targets: Directory.Build.targets (the nearest).
    const dbt = await this.fileAbove('Directory.Build.targets', dirname(project));
    if (dbt) await this.evalFile(dbt, ev, project);

    // What the SDK adds.
    if (ev.sdks.some((s) => /^Microsoft\.NET\.Sdk\.Web$/i.test(s)) && !ev.frameworkReferences.some((f) => /^Microsoft\.AspNetCore\.App$/i.test(f.name))) {
      ev.frameworkReferences.push({ name: 'Microsoft.AspNetCore.App', definedIn: 'Microsoft.NET.Sdk.Web', implicit: true });
    }
    const get = (k: string) => ev.props.get(k.toLowerCase()) ?? '';
    const assemblyName = get('AssemblyName') || name;
    const tfms = splitList(get('TargetFrameworks'));
    const tfm = get('TargetFramework');
    const intermediate = get('BaseIntermediateOutputPath') || 'obj/';
    const assets = resolve(dirname(project), get('MSBuildProjectExtensionsPath') || intermediate, 'project.assets.json');
    return {
      path: project,
      targetFramework: targetFramework || (tfms.length ? '' : tfm),
      targetFrameworks: tfms.length ? tfms : tfm ? [tfm] : [],
      assemblyName,
      targetFileName: `${assemblyName}.dll`,
      outputType: get('OutputType'),
      language: get('Language'),
      sdks: ev.sdks,
      frameworkReferences: ev.frameworkReferences,
      packageReferences: ev.packageReferences,
      projectReferences: ev.projectReferences,
      assetsFile: assets,
      centralPackageManagement: /^true$/i.test(get('ManagePackageVersionsCentrally')),
      importedDirectoryFiles: [dbp, dpp, dbt].filter((p): p is string => !!p),
      guesses: ev.guesses,
      warnings: ev.warnings,
    };
  }

  private async evalFile(file: string, ev: Evaluation, project: string): Promise<void> {
    if (ev.imported.includes(file)) return; // MSBuild warns on a second import and skips it
    const el = await this.load(file);
    if (!el) return;
    ev.imported.push(file);
    await this.evalElement(el, file, ev, project);
  }

  private async evalElement(el: Element, file: string, ev: Evaluation, project: string): Promise<void> {
    for (const child of childElements(el)) {
      const tag = child.tagName;
      if (tag === 'PropertyGroup') {
        const groupCond = await this.condition(child, file, ev);
        for (const p of childElements(child)) await this.property(p, child, groupCond, file, ev);
      } else if (tag === 'ItemGroup') {
        const groupCond = await this.condition(child, file, ev);
        if (groupCond !== true) {
          if (groupCond === undefined) this.guess(ev, `${rel(file, project)}:${lineOf(child)}: skipped an <ItemGroup> whose condition could not be evaluated without MSBuild`);
          continue;
        }
        for (const item of childElements(child)) await this.item(item, file, ev, project);
      } else if (tag === 'Import') {
        if (child.getAttribute('Sdk')) continue;
        const c = await this.condition(child, file, ev);
        if (c === false) continue;
        const spec = await this.expand(child.getAttribute('Project') ?? '', file, ev, project);
        if (!spec.value || /[*?]/.test(spec.value)) continue;
        const target = resolve(dirname(file), spec.value.replace(/\\/g, '/'));
        if (c === undefined) {
          this.guess(ev, `${rel(file, project)}:${lineOf(child)}: imported ${basename(target)} although its condition could not be evaluated`);
        }
        await this.evalFile(target, ev, project);
      } else if (tag === 'Choose') {
        let taken = false;
        for (const branch of childElements(child)) {
          if (taken) break;
          if (branch.tagName === 'When') {
            const c = await this.condition(branch, file, ev);
            if (c === undefined) this.guess(ev, `${rel(file, project)}:${lineOf(branch)}: a <When> condition could not be evaluated; taken as false`);
            if (c === true) {
              await this.evalElement(branch, file, ev, project);
              taken = true;
            }
          } else if (branch.tagName === 'Otherwise') {
            await this.evalElement(branch, file, ev, project);
            taken = true;
          }
        }
      }
    }
  }

  private async property(p: Element, group: Element, groupCond: Truth, file: string, ev: Evaluation): Promise<void> {
    const name = p.tagName;
    const key = name.toLowerCase();
    const own = p.getAttribute('Condition');
    const c = groupCond !== true ? groupCond : own ? await this.condition(p, file, ev) : true;
    const isTfm = key === 'targetframework' || key === 'targetframeworks';
    const project = ev.props.get('msbuildprojectfullpath') ?? file;
    const where = `${rel(file, project)}:${lineOf(p)}`;
    if (isTfm && (own || group.getAttribute('Condition')) && ev.noteConditionalTfm) {
      const cond = own ?? group.getAttribute('Condition') ?? '';
      const value = (p.text).trim();
      ev.warnings.push(
        `${where}: a conditional <${name}>${value}</${name}> (Condition="${cond.trim()}") was ${c === true ? 'taken' : c === false ? 'not taken' : 'not taken, as its condition cannot be evaluated without MSBuild'} for a Release build; MSBuild decides this for certain.`,
      );
    }
    if (c !== true) {
      if (c === undefined && (isTfm || key === 'assemblyname')) this.guess(ev, `${where}: <${name}> has a condition that could not be evaluated; it was ignored`);
      return;
    }
    if (ev.globals.has(key)) return;
    const v = await this.expand(p.text, file, ev, project);
    const unsure = [...v.unknown, ...v.empty.filter((e) => !new RegExp(`^\\$\\(${name}\\)$`, 'i').test(e))];
    if (unsure.length && (isTfm || key === 'assemblyname')) {
      this.guess(ev, `${where}: <${name}> uses ${unsure.join(', ')}, which ${unsure.length === 1 ? 'is' : 'are'} not set in the files read (taken as empty)`);
    }
    ev.props.set(key, v.value.trim());
  }

  private async item(item: Element, file: string, ev: Evaluation, project: string): Promise<void> {
    const kind = item.tagName;
    if (kind !== 'FrameworkReference' && kind !== 'PackageReference' && kind !== 'ProjectReference') return;
    const c = await this.condition(item, file, ev);
    if (c !== true) {
      if (c === undefined) this.guess(ev, `${rel(file, project)}:${lineOf(item)}: skipped a <${kind}> whose condition could not be evaluated without MSBuild`);
      return;
    }
    const include = await this.expand(item.getAttribute('Include') ?? '', file, ev, project);
    const remove = await this.expand(item.getAttribute('Remove') ?? '', file, ev, project);
    const listOf = () => (kind === 'FrameworkReference' ? ev.frameworkReferences : kind === 'PackageReference' ? ev.packageReferences : ev.projectReferences) as Array<ItemFact & Record<string, unknown>>;
    for (const r of splitList(remove.value)) {
      const l = listOf();
      for (let i = l.length - 1; i >= 0; i--) if (l[i].name.toLowerCase() === r.toLowerCase()) l.splice(i, 1);
    }
    for (const value of splitList(include.value)) {
      if (kind === 'ProjectReference') {
        const written = value.replace(/\\/g, '/');
        const fullPath = isAbsolute(written) ? written : resolve(dirname(project), written);
        if (!ev.projectReferences.some((r) => r.fullPath === fullPath)) {
          ev.projectReferences.push({ name: written, definedIn: file, fullPath, line: lineOf(item), column: columnOf(item) });
        }
      } else if (kind === 'PackageReference') {
        const versionEl = childElements(item).find((e) => e.tagName === 'Version');
        const version = item.getAttribute('Version') ?? versionEl?.text ?? undefined;
        if (!ev.packageReferences.some((r) => r.name.toLowerCase() === value.toLowerCase())) {
          ev.packageReferences.push({ name: value, definedIn: file, version: version ? (await this.expand(version, file, ev, project)).value : undefined });
        }
      } else if (!ev.frameworkReferences.some((r) => r.name.toLowerCase() === value.toLowerCase())) {
        ev.frameworkReferences.push({ name: value, definedIn: file });
      }
    }
  }

  private guess(ev: Evaluation, text: string): void {
    if (!ev.guesses.includes(text)) ev.guesses.push(text);
  }

  /** `$(Name)` and the few property functions projects use for paths; the rest are reported unknown. */
  async expand(text: string, file: string, ev: Evaluation, project: string): Promise<{ value: string; unknown: string[]; empty: string[] }> {
    const unknown: string[] = [];
    const empty: string[] = [];
    const thisDir = `${dirname(file)}/`;
    const builtin = (name: string): string | undefined => {
      switch (name.toLowerCase()) {
        case 'msbuildthisfiledirectory':
          return thisDir;
        case 'msbuildthisfile':
          return basename(file);
        case 'msbuildthisfilename':
          return basename(file, extname(file));
        case 'msbuildthisfilefullpath':
          return file;
        case 'msbuildthisfileextension':
          return extname(file);
        default:
          return undefined;
      }
    };
    let out = '';
    let i = 0;
    while (i < text.length) {
      const at = text.indexOf('$(', i);
      if (at < 0) {
        out += text.slice(i);
        break;
      }
      out += text.slice(i, at);
      const end = matchParen(text, at + 1);
      if (end < 0) {
        out += text.slice(at);
        break;
      }
      const inner = text.slice(at + 2, end).trim();
      i = end + 1;
      if (/^[A-Za-z_][\w.-]*$/.test(inner)) {
        const b = builtin(inner);
        if (b !== undefined) out += b;
        else if (ev.props.has(inner.toLowerCase())) out += ev.props.get(inner.toLowerCase());
        else empty.push(`$(${inner})`);
        continue;
      }
      const fn = /^\[MSBuild\]::(GetPathOfFileAbove|GetDirectoryNameOfFileAbove)\((.*)\)$/i.exec(inner);
      if (fn) {
        const args = await Promise.all(splitArgs(fn[2]).map(async (a) => (await this.expand(a, file, ev, project)).value));
        if (fn[1].toLowerCase() === 'getpathoffileabove') {
          const start = args[1] ? resolve(dirname(file), args[1]) : dirname(file);
          out += (await this.fileAbove(args[0], start)) ?? '';
        } else {
          const found = await this.fileAbove(args[1] ?? '', resolve(dirname(file), args[0] ?? '.'));
          out += found ? dirname(found) : '';
        }
        continue;
      }
      const combine = /^\[System\.IO\.Path\]::Combine\((.*)\)$/i.exec(inner);
      if (combine) {
        const args = await Promise.all(splitArgs(combine[1]).map(async (a) => (await this.expand(a, file, ev, project)).value));
        out += join(...args);
        continue;
      }
      unknown.push(`$(${inner})`);
    }
    return { value: out, unknown, empty };
  }

  /** A Condition attribute: true, false, or undefined when it cannot be told without MSBuild. */
  private async condition(el: Element, file: string, ev: Evaluation): Promise<Truth> {
    const raw = el.getAttribute('Condition');
    if (raw === null || raw.trim() === '') return true;
    const project = ev.props.get('msbuildprojectfullpath') ?? file;
    const assumedEmpty = new Set<string>();
    try {
      const v = await new ConditionParser(
        raw,
        async (s) => {
          const r = await this.expand(s, file, ev, project);
          for (const e of r.empty) if (!QUIET_EMPTY.test(e)) assumedEmpty.add(e);
          return r;
        },
        (p) => this.fs.exists(resolve(dirname(project), p.replace(/\\/g, '/'))),
      ).parse();
      if (v !== undefined && assumedEmpty.size) {
        this.guess(ev, `${rel(file, project)}:${lineOf(el)}: Condition="${raw.trim()}" was evaluated taking ${[...assumedEmpty].join(', ')} as empty (not set in the files read)`);
      }
      return v;
    } catch {
      return undefined;
    }
  }
}

/** Properties that are empty where projects test them (an outer build has no TargetFramework). */
const QUIET_EMPTY = /^\$\((TargetFramework|TargetFrameworks|RuntimeIdentifier|RuntimeIdentifiers|DesignTimeBuild|BuildingInsideVisualStudio)\)$/i;

const rel = (file: string, project: string) => (dirname(file) === dirname(project) ? basename(file) : file);

function matchParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function splitArgs(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  let quote = '';
  for (const ch of s) {
    if (quote) {
      if (ch === quote) quote = '';
      else cur += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else {
      if (ch === '(') depth++;
      if (ch === ')') depth--;
      cur += ch;
    }
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

export const splitList = (s: string) =>
  s
    .split(';')
    .map((x) => x.trim())
    .filter(Boolean);

/** MSBuild conditions: == != < > <= >=, and/or/!, parentheses, Exists(), HasTrailingSlash(), quoted strings. */
class ConditionParser {
  private pos = 0;
  private readonly tokens: string[];
  constructor(
    text: string,
    private readonly expand: (s: string) => Promise<{ value: string; unknown: string[]; empty: string[] }>,
    private readonly exists: (p: string) => Promise<boolean>,
  ) {
    this.tokens = tokenize(text);
  }

  async parse(): Promise<Truth> {
    const v = await this.or();
    if (this.pos !== this.tokens.length) throw new Error('trailing tokens');
    return v;
  }

  private peek = () => this.tokens[this.pos];
  private next = () => this.tokens[this.pos++];

  private async or(): Promise<Truth> {
    let v = await this.and();
    while (this.peek()?.toLowerCase() === 'or') {
      this.next();
      const r = await this.and();
      v = v === true || r === true ? true : v === false && r === false ? false : undefined;
    }
    return v;
  }

  private async and(): Promise<Truth> {
    let v = await this.not();
    while (this.peek()?.toLowerCase() === 'and') {
      this.next();
      const r = await this.not();
      v = v === false || r === false ? false : v === true && r === true ? true : undefined;
    }
    return v;
  }

  private async not(): Promise<Truth> {
    if (this.peek() === '!') {
      this.next();
      const v = await this.not();
      return v === undefined ? undefined : !v;
    }
    return this.comparison();
  }

  private async comparison(): Promise<Truth> {
    const t = this.peek();
    if (t === '(') {
      this.next();
      const v = await this.or();
      if (this.next() !== ')') throw new Error('missing )');
      return v;
    }
    const fn = t && /^(exists|hastrailingslash)$/i.test(t) ? t.toLowerCase() : undefined;
    if (fn) {
      this.next();
      if (this.next() !== '(') throw new Error('missing (');
      const arg = await this.value();
      if (this.next() !== ')') throw new Error('missing )');
      if (arg === undefined) return undefined;
      if (fn === 'exists') return arg.trim() === '' ? false : this.exists(arg.trim());
      return /[\\/]$/.test(arg);
    }
    const left = await this.value();
    const op = this.peek();
    if (op && ['==', '!=', '<', '>', '<=', '>='].includes(op)) {
      this.next();
      const right = await this.value();
      if (left === undefined || right === undefined) return undefined;
      if (op === '==') return left.toLowerCase() === right.toLowerCase();
      if (op === '!=') return left.toLowerCase() !== right.toLowerCase();
      const a = Number(left);
      const b = Number(right);
      if (Number.isNaN(a) || Number.isNaN(b)) return undefined;
      return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
    }
    if (left === undefined) return undefined;
    if (/^true$/i.test(left)) return true;
    if (/^false$/i.test(left)) return false;
    return undefined;
  }

  /** A quoted string or a bare word, expanded; undefined when it uses something unknown. */
  private async value(): Promise<string | undefined> {
    const t = this.next();
    if (t === undefined) throw new Error('missing value');
    const raw = t.startsWith("'") ? t.slice(1, -1) : t;
    const v = await this.expand(raw);
    return v.unknown.length ? undefined : v.value;
  }
}

function tokenize(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error('unterminated string');
      out.push(text.slice(i, end + 1));
      i = end + 1;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (['==', '!=', '<=', '>='].includes(two)) {
      out.push(two);
      i += 2;
      continue;
    }
    if ('()!<>'.includes(ch)) {
      out.push(ch);
      i++;
      continue;
    }
    if (ch === '$' && text[i + 1] === '(') {
      const end = matchParen(text, i + 1);
      if (end < 0) throw new Error('unbalanced $(');
      out.push(text.slice(i, end + 1));
      i = end + 1;
      continue;
    }
    const m = /^[\w.\-:\\/]+/.exec(text.slice(i));
    if (!m) throw new Error(`unexpected ${ch}`);
    out.push(m[0]);
    i += m[0].length;
  }
  return out;
}

/** Framework parts for choosing the nearest framework of a referenced project. */
function frameworkKey(tfm: string): { family: 'net' | 'netstandard' | 'netfx' | 'other'; version: number; platform: string } {
  const t = tfm.trim().toLowerCase();
  let m = /^net(\d+)\.(\d+)(?:-(\w+))?/.exec(t);
  if (m && Number(m[1]) >= 5) return { family: 'net', version: Number(m[1]) + Number(m[2]) / 10, platform: m[3] ?? '' };
  m = /^netcoreapp(\d+)\.(\d+)/.exec(t);
  if (m) return { family: 'net', version: Number(m[1]) + Number(m[2]) / 10, platform: '' };
  m = /^netstandard(\d+)\.(\d+)/.exec(t);
  if (m) return { family: 'netstandard', version: Number(m[1]) + Number(m[2]) / 10, platform: '' };
  if (/^net\d{2,3}$/.test(t)) return { family: 'netfx', version: 0, platform: '' };
  return { family: 'other', version: 0, platform: '' };
}

/**
 * The framework of a referenced project that a project built for `wanted` uses: the same one, else
 * the highest compatible .NET, else the highest .NET Standard (NuGet's nearest-match rules, simplified).
 */
export function nearestFramework(wanted: string, candidates: string[]): string | undefined {
  const exact = candidates.find((c) => c.toLowerCase() === wanted.toLowerCase());
  if (exact) return exact;
  const w = frameworkKey(wanted);
  if (w.family !== 'net') return candidates[0];
  const compatible = candidates
    .map((c) => ({ c, k: frameworkKey(c) }))
    .filter(({ k }) => (k.family === 'net' && k.version <= w.version && (!k.platform || k.platform === w.platform)) || (k.family === 'netstandard' && (k.version <= 2.0 || w.version >= 3.0)));
  compatible.sort((a, b) => (a.k.family === b.k.family ? b.k.version - a.k.version : a.k.family === 'net' ? -1 : 1));
  return compatible[0]?.c;
}

/** The whole model by static reading: the root's frameworks, and per framework the reference closure. */
export async function readModelStatically(root: string, fs: StaticFs, why: string): Promise<ProjectModel> {
  if (!PROJECT_EXT.test(root)) throw new DotnetModelError(`${root} is not a .csproj, .fsproj or .vbproj file.`, 'bad-project', root);
  const reader = new StaticReader(fs);
  const guesses: string[] = [`read without MSBuild (${why}): conditions, imports and properties were evaluated by a simple reader`];
  const warnings: string[] = [];
  const outerFacts = await reader.evaluate(root, '', 'Release', true);
  guesses.push(...outerFacts.guesses);
  warnings.push(...outerFacts.warnings);
  const outer: ProjectFacts = { ...outerFacts };
  const closures: Record<string, ProjectFacts[]> = {};
  for (const tfm of outer.targetFrameworks) {
    const chain: ProjectFacts[] = [];
    const seen = new Set<string>();
    const visit = async (path: string, framework: string) => {
      if (seen.has(path)) return;
      seen.add(path);
      const facts = await reader.evaluate(path, framework);
      for (const g of facts.guesses) if (!guesses.includes(g)) guesses.push(g);
      chain.push(facts);
      const effective = framework || facts.targetFramework || facts.targetFrameworks[0] || '';
      for (const ref of facts.projectReferences) {
        if (!(await fs.exists(ref.fullPath))) continue; // reported by the reference check
        if (!PROJECT_EXT.test(ref.fullPath)) continue;
        const refOuter = await reader.evaluate(ref.fullPath, '');
        const nearest = nearestFramework(effective, refOuter.targetFrameworks) ?? refOuter.targetFrameworks[0] ?? '';
        if (refOuter.targetFrameworks.length > 1 && nearest !== effective) {
          guesses.push(`${basename(ref.fullPath)}: evaluated for ${nearest}, the nearest of its frameworks (${refOuter.targetFrameworks.join(', ')}) to ${effective}`);
        }
        await visit(ref.fullPath, refOuter.targetFrameworks.length > 1 ? nearest : '');
      }
    };
    await visit(root, outer.targetFrameworks.length > 1 ? tfm : '');
    closures[tfm] = chain;
  }
  return { source: 'static', root, outer, closures, guesses, warnings };
}
