import { DOMParser, type Element } from '@xmldom/xmldom';

/** What the Dockerfile needs to know about a .NET project, read from its .csproj. */
export interface CsprojInfo {
  /** The project's Sdk attribute, e.g. "Microsoft.NET.Sdk.Worker". */
  sdk: string;
  /** "worker", "web" or "plain", from the Sdk. */
  sdkKind: 'worker' | 'web' | 'plain';
  /** Target frameworks in the file's order: one for TargetFramework, several for TargetFrameworks. */
  targetFrameworks: string[];
  /** AssemblyName if set, else the project file's name without .csproj. */
  assemblyName: string;
  /** True when the project uses ASP.NET Core (Web SDK, the shared framework, or an AspNetCore package). */
  usesAspNetCore: boolean;
  /** Where usesAspNetCore came from, for display. */
  aspNetCoreReason?: string;
  /** ProjectReference paths as written, relative to the project's folder, with forward slashes. */
  projectReferences: string[];
}

export class CsprojError extends Error {
  constructor(message: string, readonly file: string, readonly line?: number, readonly column?: number) {
    super(`${file}${line ? `:${line}${column ? `:${column}` : ''}` : ''}: ${message}`);
    this.name = 'CsprojError';
  }
}

const SUPPORTED: Record<string, string> = { 'net6.0': '6.0', 'net7.0': '7.0', 'net8.0': '8.0', 'net9.0': '9.0', 'net10.0': '10.0' };

/**
 * The dotnet image tag for a target framework moniker (net8.0 → "8.0"). OS-specific TFMs such as
 * net8.0-windows cannot run in a Linux container, and other frameworks have no image: both are errors.
 */
export function dotnetImageTag(tfm: string): string {
  const t = tfm.trim().toLowerCase();
  if (SUPPORTED[t]) return SUPPORTED[t];
  const os = /^(net\d+\.\d+)-(\w+)/.exec(t);
  if (os && SUPPORTED[os[1]]) {
    throw new Error(`${tfm} targets ${os[2]}; a Linux container needs a plain ${os[1]} target framework.`);
  }
  if (/^(netcoreapp|netstandard|net4|net[1-5]\b)/.test(t)) {
    throw new Error(`${tfm} is not supported here: the Dockerfile uses the .NET 6 to 10 images (net6.0 … net10.0). Retarget the project or write the Dockerfile by hand.`);
  }
  throw new Error(`${tfm} is not a target framework this extension knows (it knows net6.0 … net10.0). Pick the image version by hand.`);
}

/** Reads a .csproj with an XML parser; throws CsprojError with line:column on malformed XML. */
export function parseCsproj(text: string, file: string): CsprojInfo {
  let doc;
  try {
    doc = new DOMParser({
      onError: (_level, message) => {
        throw new Error(message.replace(/^\[xmldom \w+\]\s*/, ''));
      },
    }).parseFromString(text, 'text/xml');
  } catch (err) {
    const e = err as Error & { locator?: { lineNumber?: number; columnNumber?: number } };
    const message = e.message.replace(/^Reporting \w+ "(.*)" caused Error: .*$/s, '$1');
    throw new CsprojError(`the project file is not valid XML: ${message}`, file, e.locator?.lineNumber || undefined, e.locator?.columnNumber || undefined);
  }
  const root = doc.documentElement;
  if (!root || root.tagName !== 'Project') throw new CsprojError('the root element is not <Project>, so this is not an MSBuild project file', file);

  let sdk = root.getAttribute('Sdk') ?? '';
  if (!sdk) {
    // <Sdk Name="Microsoft.NET.Sdk.Worker" /> or <Import Project="Sdk.props" Sdk="..."/>
    const sdkEl = root.getElementsByTagName('Sdk')[0] as Element | undefined;
    const importEl = Array.from(root.getElementsByTagName('Import')).find((i) => i.getAttribute('Sdk'));
    sdk = sdkEl?.getAttribute('Name') ?? importEl?.getAttribute('Sdk') ?? '';
  }
  if (!sdk) throw new CsprojError('the project names no SDK (Sdk="Microsoft.NET.Sdk…"); only SDK-style projects can be containerised this way', file);
  const sdkName = sdk.split('/')[0].trim();
  const sdkKind = /^Microsoft\.NET\.Sdk\.Worker$/i.test(sdkName) ? 'worker' : /^Microsoft\.NET\.Sdk\.Web$/i.test(sdkName) ? 'web' : 'plain';

  const property = (name: string) => {
    const els = Array.from(root.getElementsByTagName(name)).filter((e) => (e.parentNode as Element | null)?.tagName === 'PropertyGroup');
    const value = els.length ? (els[els.length - 1].textContent ?? '').trim() : '';
    return value.length ? value : undefined;
  };
  const tfms = property('TargetFrameworks');
  const tfm = property('TargetFramework');
  const targetFrameworks = (tfms ?? tfm ?? '')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
  if (targetFrameworks.length === 0) throw new CsprojError('no <TargetFramework> or <TargetFrameworks> is set', file);
  if (targetFrameworks.some((t) => t.includes('$('))) {
    throw new CsprojError(`the target framework comes from an MSBuild property (${targetFrameworks.join(';')}), which cannot be read without building`, file);
  }

  const base = file.split(/[\\/]/).pop() ?? file;
  const assemblyName = property('AssemblyName') ?? base.replace(/\.csproj$/i, '');

  let aspNetCoreReason: string | undefined;
  if (sdkKind === 'web') aspNetCoreReason = 'the project uses Microsoft.NET.Sdk.Web';
  const fwRef = Array.from(root.getElementsByTagName('FrameworkReference')).find((e) => /^Microsoft\.AspNetCore\.App$/i.test(e.getAttribute('Include') ?? ''));
  if (!aspNetCoreReason && fwRef) aspNetCoreReason = 'the project references the Microsoft.AspNetCore.App framework';
  const pkg = Array.from(root.getElementsByTagName('PackageReference')).find((e) => /^Microsoft\.AspNetCore\./i.test(e.getAttribute('Include') ?? ''));
  if (!aspNetCoreReason && pkg) aspNetCoreReason = `the project references ${pkg.getAttribute('Include')}`;

  const projectReferences = Array.from(root.getElementsByTagName('ProjectReference'))
    .map((e) => (e.getAttribute('Include') ?? '').trim().replace(/\\/g, '/'))
    .filter((p) => p.length > 0);

  return { sdk: sdkName, sdkKind, targetFrameworks, assemblyName, usesAspNetCore: !!aspNetCoreReason, aspNetCoreReason, projectReferences };
}
