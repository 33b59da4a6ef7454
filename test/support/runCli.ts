import { main } from '../../src/cli';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs the `aks-worker` CLI in this process and collects what it prints. `env` is laid over
 * process.env for the run (e.g. the rig's docker engine and kubeconfig) and taken away after.
 */
export async function runCli(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult> {
  const saved = env ? { ...process.env } : undefined;
  if (env) Object.assign(process.env, env);
  let out = '';
  let err = '';
  try {
    const code = await main(args, (s) => (out += s), (s) => (err += s));
    return { code, out, err };
  } finally {
    if (saved) {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  }
}
