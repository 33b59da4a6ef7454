// Bundles the extension and the CLI with esbuild; with --tests, bundles the TypeScript tests.
//   node scripts/build.mjs               dist/extension.js + dist/cli.js, with source maps
//   node scripts/build.mjs --production  the same, minified, no source maps (what the VSIX ships)
//   node scripts/build.mjs --watch       rebuild on change
//   node scripts/build.mjs --tests       every test/**/*.ts to out/test/**/*.js (CommonJS)
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, rmSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const args = new Set(process.argv.slice(2));
const production = args.has('--production');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  absWorkingDir: root,
};

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    const rel = relative(root, full).split(sep).join('/');
    if (name === 'node_modules' || rel.startsWith('test/fixtures') || rel.startsWith('test/vscode-host')) continue;
    if (statSync(full).isDirectory()) walk(full, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

async function buildTests() {
  rmSync(join(root, 'out'), { recursive: true, force: true });
  const entryPoints = walk(join(root, 'test'));
  await esbuild.build({
    ...common,
    entryPoints,
    outdir: 'out',
    outbase: '.',
    sourcemap: 'inline',
    external: ['vscode', 'mocha', 'eslint', 'playwright-core'],
  });
  console.log(`built ${entryPoints.length} test files into out/`);
}

/** Webview assets that come from packages: copied next to the bundle, so the VSIX needs no node_modules. */
function copyVendorAssets() {
  const out = join(root, 'dist', 'media');
  mkdirSync(out, { recursive: true });
  const copies = [
    ['node_modules/@vscode-elements/elements/dist/bundled.js', 'vscode-elements.js'],
    ['node_modules/@vscode/codicons/dist/codicon.css', 'codicon.css'],
    ['node_modules/@vscode/codicons/dist/codicon.ttf', 'codicon.ttf'],
  ];
  for (const [from, to] of copies) copyFileSync(join(root, from), join(out, to));
}

/**
 * execa and yaml are bundled into files of their own under dist/vendor/, loaded on first use: parsing
 * them costs more than the rest of the extension, and activation should not pay for it.
 */
const VENDOR = { execa: 'execa', yaml: 'yaml' };
const escape = (m) => m.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const vendorPlugin = {
  name: 'vendor',
  setup(build) {
    build.onResolve({ filter: new RegExp(`^(${Object.keys(VENDOR).map(escape).join('|')})$`) }, (a) => ({ path: `./vendor/${VENDOR[a.path]}.js`, external: true }));
  },
};

async function buildApp() {
  // Source maps of an earlier development build must not ship; the rest is overwritten in place
  // (deleting dist/ would break a test run or a watch that is reading it).
  if (production && existsSync(join(root, 'dist'))) {
    for (const f of readdirSync(join(root, 'dist'), { recursive: true }).map(String)) {
      if (f.endsWith('.map')) rmSync(join(root, 'dist', f), { force: true });
    }
  }
  copyVendorAssets();
  const options = {
    ...common,
    entryPoints: { extension: 'src/extension/extension.ts', cli: 'src/cli.ts' },
    outdir: 'dist',
    external: ['vscode'],
    plugins: [vendorPlugin],
    supported: { 'dynamic-import': false }, // import() of a vendor file becomes a lazy require()
    minify: production,
    sourcemap: production ? false : 'linked',
    metafile: true,
    define: { AKS_WORKER_VERSION: JSON.stringify(pkg.version), 'process.env.NODE_ENV': production ? '"production"' : '"development"' },
  };
  await esbuild.build({
    ...common,
    entryPoints: Object.fromEntries(Object.values(VENDOR).map((v) => [`vendor/${v}`, `scripts/vendor/${v}.mjs`])),
    outdir: 'dist',
    minify: production,
    legalComments: production ? 'none' : 'inline',
  });
  // Webview pages written in TypeScript: bundled for the browser, sharing src/core with the host.
  const pages = {
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    entryPoints: { 'media/probes': 'media/probes/main.ts', 'media/pods': 'media/pods/main.ts' },
    outdir: 'dist',
    minify: production,
    sourcemap: production ? false : 'inline',
  };
  await esbuild.build(pages);
  if (args.has('--watch')) {
    void (await esbuild.context(pages)).watch();
    const ctx = await esbuild.context(options);
    await ctx.watch();
    console.log('watching src/ …');
    return;
  }
  await esbuild.build(options);
}

if (args.has('--tests')) await buildTests();
else await buildApp();
