// Entry point of the rig's API server (started by test/rig/rig start; bundled with esbuild).
//   RIG_API_PORT, RIG_API_CERT, RIG_API_KEY (paths), RIG_API_TOKEN, RIG_TIME_SCALE
import { readFileSync } from 'node:fs';
import { ApiServer } from './api';

async function main(): Promise<void> {
  const env = process.env;
  if (!env.RIG_API_PORT || !env.RIG_API_CERT || !env.RIG_API_KEY) throw new Error('RIG_API_PORT, RIG_API_CERT and RIG_API_KEY are required');
  const server = new ApiServer({
    port: Number(env.RIG_API_PORT),
    cert: readFileSync(env.RIG_API_CERT, 'utf8'),
    key: readFileSync(env.RIG_API_KEY, 'utf8'),
    ...(env.RIG_API_TOKEN ? { token: env.RIG_API_TOKEN } : {}),
    timeScale: Number(env.RIG_TIME_SCALE ?? '1') || 1,
  });
  await server.listen();
  console.log(`rig apiserver listening on https://127.0.0.1:${env.RIG_API_PORT}`);
  // state is in memory only: nothing to flush
  const stop = () => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

// only run when executed directly (the test bundler also compiles this file)
if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
