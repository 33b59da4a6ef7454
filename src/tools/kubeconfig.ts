import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeconfigSummary, kubeconfigPaths, mergeKubeconfigs } from '../core/kubeconfig';
import { ParseLimitError } from '../core/parseLimits';
import { readUserText } from './files';

export interface LoadedKubeconfig extends KubeconfigSummary {
  paths: string[];
  errors: string[];
}

/** Reads the kubeconfig files that kubectl would read (honouring KUBECONFIG). */
export async function loadKubeconfig(env: Record<string, string | undefined> = process.env): Promise<LoadedKubeconfig> {
  const paths = kubeconfigPaths(env, env.HOME ?? env.USERPROFILE ?? homedir(), delimiter, join);
  const files: Array<{ path: string; text: string }> = [];
  const tooLarge: string[] = [];
  for (const path of paths) {
    try {
      files.push({ path, text: await readUserText(path) });
    } catch (err) {
      // a missing file is not an error, as for kubectl; one too large to read is
      if (err instanceof ParseLimitError) tooLarge.push(err.message);
    }
  }
  const merged = mergeKubeconfigs(files);
  return { paths, ...merged, errors: [...tooLarge, ...merged.errors] };
}
