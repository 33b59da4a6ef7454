// `npm run package`: production bundle, then the VSIX at dist-vsix/aks-worker-deploy-<version>.vsix.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const run = (file, args) => {
  const r = spawnSync(file, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run(process.execPath, ['scripts/build.mjs', '--production']);
mkdirSync(join(root, 'dist-vsix'), { recursive: true });
const out = join('dist-vsix', `${pkg.name}-${pkg.version}.vsix`);
// The bundle has no runtime node_modules; --skip-license is not needed (LICENSE exists).
run(process.execPath, [join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--no-update-package-json', '--no-rewrite-relative-links', '--out', out]);
console.log(out);
