import { TOOLS, ToolPaths, toolFile } from './catalog';
import { LineSink, runTool } from './process';

export interface KubectlOptions {
  paths?: ToolPaths;
  env?: Record<string, string | undefined>;
  sink?: LineSink;
  signal?: AbortSignal;
}

/** `kubectl config use-context NAME`: kubectl writes the file that holds current-context. */
export async function useContext(name: string, options: KubectlOptions = {}): Promise<void> {
  await runTool(TOOLS.kubectl, toolFile('kubectl', options.paths), ['config', 'use-context', name], {
    env: options.env,
    sink: options.sink,
    signal: options.signal,
    timeoutMs: 30_000,
  });
}
