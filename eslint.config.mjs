import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const noVscode = {
  // The TypeScript rule also sees `import vscode = require('vscode')`.
  '@typescript-eslint/no-restricted-imports': ['error', {
    paths: [{ name: 'vscode', message: 'src/core, src/tools and src/cli.ts must stay free of VS Code: put VS Code code in src/extension.' }],
  }],
  'no-restricted-syntax': ['error', {
    selector: "CallExpression[callee.name='require'][arguments.0.value='vscode']",
    message: 'src/core, src/tools and src/cli.ts must stay free of VS Code.',
  }],
};

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'dist-vsix/**', 'node_modules/**', 'test/vscode-host/**', 'test/rig/.bin/**', 'test/fixtures/**', 'test-results/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
      'no-console': 'off',
    },
  },
  { files: ['src/core/**/*.ts', 'src/tools/**/*.ts', 'src/cli.ts', 'src/cli/**/*.ts'], rules: noVscode },
  {
    // `import vscode = require('vscode')` is a plain require in the bundle. A namespace or named import
    // of this CommonJS module makes the bundle copy its ~400 exports at every importing file on load.
    files: ['src/extension/**/*.ts'],
    rules: {
      '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }],
      'no-restricted-syntax': ['error', {
        selector: "ImportDeclaration[source.value='vscode']",
        message: "Write `import vscode = require('vscode');`: an ES import of vscode copies the module at load (see scripts/bench.mjs).",
      }],
    },
  },
  { files: ['**/*.mjs', '**/*.js', '**/*.cjs'], languageOptions: { globals: { ...globals.node } } },
  { files: ['test/support/**/*.js', '**/*.cjs'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
  { files: ['media/**/*.js'], languageOptions: { sourceType: 'script', globals: { ...globals.browser, acquireVsCodeApi: 'readonly' } } },
  { files: ['media/**/*.ts'], languageOptions: { globals: { ...globals.browser } } },
);
