import { parse } from 'yaml';
import { MAX_ALIAS_COUNT, guardYaml, yamlErrorWithoutSource } from './parseLimits';

export interface KubeContext {
  name: string;
  cluster?: string;
  user?: string;
  namespace?: string;
  /** The API server address of the context's cluster, when known. */
  server?: string;
}

export interface KubeconfigSummary {
  currentContext?: string;
  contexts: KubeContext[];
}

interface RawKubeconfig {
  'current-context'?: unknown;
  contexts?: Array<{ name?: unknown; context?: { cluster?: unknown; user?: unknown; namespace?: unknown } }>;
  clusters?: Array<{ name?: unknown; cluster?: { server?: unknown } }>;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/**
 * Merges kubeconfig files in KUBECONFIG order with kubectl's rules: the first file to name a
 * context or cluster wins, and the first non-empty current-context wins. Unreadable files are
 * skipped (kubectl does the same for missing ones); their errors are returned for display.
 */
export function mergeKubeconfigs(files: ReadonlyArray<{ path: string; text: string }>): KubeconfigSummary & { errors: string[] } {
  const contexts = new Map<string, KubeContext>();
  const servers = new Map<string, string>();
  const errors: string[] = [];
  let currentContext: string | undefined;
  for (const { path, text } of files) {
    let raw: RawKubeconfig;
    try {
      guardYaml(text, path);
      raw = (parse(text, { logLevel: 'error', maxAliasCount: MAX_ALIAS_COUNT }) ?? {}) as RawKubeconfig;
    } catch (err) {
      // Path and line only: the lines around a mistake in a kubeconfig are often keys and tokens.
      errors.push(yamlErrorWithoutSource(err, path));
      continue;
    }
    if (typeof raw !== 'object') continue;
    currentContext ??= str(raw['current-context']);
    for (const c of Array.isArray(raw.clusters) ? raw.clusters : []) {
      const name = str(c?.name);
      const server = str(c?.cluster?.server);
      if (name && server && !servers.has(name)) servers.set(name, server);
    }
    for (const c of Array.isArray(raw.contexts) ? raw.contexts : []) {
      const name = str(c?.name);
      if (!name || contexts.has(name)) continue;
      contexts.set(name, {
        name,
        cluster: str(c.context?.cluster),
        user: str(c.context?.user),
        namespace: str(c.context?.namespace),
      });
    }
  }
  const list = [...contexts.values()].map((c) => ({ ...c, server: c.cluster ? servers.get(c.cluster) : undefined }));
  return { currentContext, contexts: list, errors };
}

/** The kubeconfig paths kubectl reads: KUBECONFIG's list, or ~/.kube/config. */
export function kubeconfigPaths(env: Record<string, string | undefined>, home: string, delimiter: string, join: (...p: string[]) => string): string[] {
  const list = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p.length > 0);
  return list.length > 0 ? [...new Set(list)] : [join(home, '.kube', 'config')];
}
