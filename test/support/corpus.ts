import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** test/fixtures/dotnet-corpus: worker projects shaped like public repositories, and what a correct tool does with each. */
export const CORPUS = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'dotnet-corpus');

export interface CorpusEntry {
  name: string;
  modeledOn: string[];
  features: string[];
  /** Relative to the project folder: what is passed to `aks-worker dockerfile`. */
  target: string;
  args: string[];
  expect: {
    exit: 0 | 2;
    context?: string;
    targetFramework?: string;
    base?: 'aspnet' | 'runtime';
    /** The project or package that brings ASP.NET Core in (aspnet). */
    because?: string;
    assemblyName?: string;
    restoreFiles?: string[];
    projects?: string[];
    stderr?: string;
    /** exit 2: the folder (relative to the project folder) the message offers as the build context. */
    stderrNamesFolder?: string;
    /** User lines of an existing .dockerignore that must survive --force. */
    dockerignoreKeeps?: string[];
  };
  /** More runs of the same project: other arguments, other expectations. */
  variants?: Array<{ args: string[]; expect: Partial<CorpusEntry['expect']> & { exit: 0 | 2 }; why?: string }>;
  run: { build: boolean; start?: boolean; why?: string; log?: string; health?: { port: number; path: string } };
}

export function readCorpus(): CorpusEntry[] {
  return JSON.parse(readFileSync(join(CORPUS, 'corpus.json'), 'utf8')) as CorpusEntry[];
}

/** A fresh copy of one corpus project (the fixtures never get obj/ or a Dockerfile). */
export function copyEntry(entry: CorpusEntry, prefix = 'aksw-corpus-'): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}${entry.name}-`));
  cpSync(join(CORPUS, entry.name), dir, { recursive: true, verbatimSymlinks: true });
  return dir;
}

/** The .NET SDK is on PATH, or the test fails saying how to get it: these tests never skip. */
export function requireDotnet(): string {
  const r = spawnSync('dotnet', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(`the .NET SDK is needed for these tests and was not found: install the .NET SDK 8 or later so that "dotnet" is on PATH (${r.error?.message ?? r.stderr.trim()})`);
  }
  return r.stdout.trim();
}
