import * as assert from 'node:assert/strict';
import { ESLint } from 'eslint';
import { join } from 'node:path';

// The architecture's fence: pure logic and tool wrappers never import VS Code.
describe('architecture fence (eslint)', function () {
  this.timeout(60_000);
  const root = join(__dirname, '..', '..', '..');
  const eslint = new ESLint({ cwd: root });
  const cases: Array<[string, string]> = [
    ['src/core/fence-probe.ts', "import * as vscode from 'vscode';\nexport const x = vscode;\n"],
    ['src/tools/fence-probe.ts', "import { window } from 'vscode';\nexport const x = window;\n"],
    ['src/cli.ts', "// eslint-disable-next-line @typescript-eslint/no-require-imports\nconst v = require('vscode');\nexport const x = v;\n"],
    ['src/cli/fence-probe.ts', "import vscode = require('vscode');\nexport const x = vscode;\n"],
  ];
  for (const [file, text] of cases) {
    it(`rejects a vscode import in ${file}`, async () => {
      const [result] = await eslint.lintText(text, { filePath: join(root, file) });
      const messages = result.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports' || m.ruleId === 'no-restricted-syntax');
      assert.ok(messages.length > 0, JSON.stringify(result.messages));
      assert.match(messages[0].message, /free of VS Code/);
    });
  }
  it('allows it in src/extension, as a plain require', async () => {
    const [result] = await eslint.lintText("import vscode = require('vscode');\nexport const x = vscode;\n", { filePath: join(root, 'src/extension/fence-probe.ts') });
    assert.deepEqual(result.messages.filter((m) => m.severity === 2), []);
  });
  // A namespace or named import of the CommonJS vscode module is copied at every importing file when
  // the bundle loads (esbuild's interop); the plain require is not.
  for (const text of ["import * as vscode from 'vscode';\nexport const x = vscode;\n", "import { window } from 'vscode';\nexport const x = window;\n"]) {
    it(`asks for the plain require in src/extension: ${text.split('\n')[0]}`, async () => {
      const [result] = await eslint.lintText(text, { filePath: join(root, 'src/extension/fence-probe.ts') });
      assert.match(result.messages.map((m) => m.message).join('\n'), /import vscode = require\('vscode'\)/);
    });
  }
});
