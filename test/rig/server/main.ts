// Entry point of the rig's API server (started by test/rig/rig start; bundled with esbuild).
//   RIG_API_PORT, RIG_API_CERT, RIG_API_KEY (paths), RIG_API_TOKEN, RIG_TIME_SCALE
//   the node: RIG_DOCKER_SOCKET (the engine real containers run in), RIG_KUBELET_DIR (relay sockets),
//   RIG_RUNTIME (docker | simulated: pods that do not choose), RIG_NODE_REGISTRIES (JSON
//   [{server, username, password}]: what `az aks update --attach-acr` can grant the node)
import { readFileSync } from 'node:fs';
import { ApiServer } from './api';
import { DockerRuntime } from './runtime';

async function main(): Promise<void> {
  const env = process.env;
  if (!env.RIG_API_PORT || !env.RIG_API_CERT || !env.RIG_API_KEY) throw new Error('RIG_API_PORT, RIG_API_CERT and RIG_API_KEY are required');
  const runtime = env.RIG_DOCKER_SOCKET ? new DockerRuntime({ socket: env.RIG_DOCKER_SOCKET, dir: env.RIG_KUBELET_DIR ?? '/tmp/aks-worker-rig/kubelet' }) : undefined;
  const server = new ApiServer({
    port: Number(env.RIG_API_PORT),
    cert: readFileSync(env.RIG_API_CERT, 'utf8'),
    key: readFileSync(env.RIG_API_KEY, 'utf8'),
    ...(env.RIG_API_TOKEN ? { token: env.RIG_API_TOKEN } : {}),
    timeScale: Number(env.RIG_TIME_SCALE ?? '1') || 1,
    node: {
      ...(runtime ? { runtime } : {}),
      defaultRuntime: env.RIG_RUNTIME === 'docker' ? 'docker' : 'simulated',
      registries: env.RIG_NODE_REGISTRIES ? JSON.parse(env.RIG_NODE_REGISTRIES) : [],
    },
  });
  const left = await server.kubelet.removeLeftovers().catch((e: Error) => {
    console.error(`rig apiserver: could not list leftover containers: ${e.message}`);
    return 0;
  });
  if (left) console.log(`rig apiserver: removed ${left} container(s) an earlier kubelet left`);
  await server.listen();
  console.log(`rig apiserver listening on https://127.0.0.1:${env.RIG_API_PORT}${runtime ? ` (node runtime: docker at ${env.RIG_DOCKER_SOCKET}; default ${env.RIG_RUNTIME === 'docker' ? 'docker' : 'simulated'})` : ''}`);
  // state is in memory only; real containers go with it
  const stop = () => {
    const t = setTimeout(() => process.exit(0), 5000);
    void server.kubelet.shutdown().finally(() => {
      clearTimeout(t);
      process.exit(0);
    });
  };
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
