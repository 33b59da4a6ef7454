import { readFile, readdir } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { isDockerfileName } from '../core/workspace';

const SKIP = new Set(['node_modules', 'bin', 'obj', '.git', '.vs', '.vscode']);

export interface WorkspaceParts {
  /** The shallowest Dockerfile (absolute path). */
  dockerfile?: string;
  /** The shallowest chart folder (absolute path) and its name. */
  chartDir?: string;
  chartName: string;
}

/** What `aks-worker ship` needs from a folder: its Dockerfile and its chart. */
export async function findWorkspaceParts(folder: string, maxDepth = 5): Promise<WorkspaceParts> {
  const dockerfiles: string[] = [];
  const charts: string[] = [];
  const walk = async (dir: string, depth: number) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (depth < maxDepth && !SKIP.has(e.name) && !e.name.startsWith('.')) await walk(p, depth + 1);
      } else if (isDockerfileName(e.name)) dockerfiles.push(p);
      else if (e.name === 'Chart.yaml') charts.push(dir);
    }
  };
  await walk(folder, 0);
  const depth = (p: string) => relative(folder, p).split(sep).length;
  const byDepth = (a: string, b: string) => depth(a) - depth(b) || a.localeCompare(b);
  dockerfiles.sort(byDepth);
  charts.sort(byDepth);
  const chartDir = charts[0];
  let chartName = chartDir ? basename(chartDir) : '';
  if (chartDir) {
    const m = /^name:\s*["']?([^"'\s#]+)/m.exec(await readFile(join(chartDir, 'Chart.yaml'), 'utf8').catch(() => ''));
    if (m) chartName = m[1];
  }
  return { dockerfile: dockerfiles[0], chartDir, chartName };
}
