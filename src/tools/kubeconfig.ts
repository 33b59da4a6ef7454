import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeconfigSummary, kubeconfigPaths, mergeKubeconfigs } from '../core/kubeconfig';

export interface LoadedKubeconfig extends KubeconfigSummary {
  paths: string[];
  errors: string[];
}

/** Reads the kubeconfig files that kubectl would read (honouring KUBECONFIG). */
export async function loadKubeconfig(env: Record<string, string | undefined> = process.env): Promise<LoadedKubeconfig> {
  const paths = kubeconfigPaths(env, env.HOME ?? env.USERPROFILE ?? homedir(), delimiter, join);
  const files: Array<{ path: string; text: string }> = [];
  for (const path of paths) {
    try {
      files.push({ path, text: await readFile(path, 'utf8') });
    } catch {
      /* a missing file is not an error, as for kubectl */
    }
  }
  return { paths, ...mergeKubeconfigs(files) };
}
