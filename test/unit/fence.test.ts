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
  ];
  for (const [file, text] of cases) {
    it(`rejects a vscode import in ${file}`, async () => {
      const [result] = await eslint.lintText(text, { filePath: join(root, file) });
      const messages = result.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax');
      assert.ok(messages.length > 0, JSON.stringify(result.messages));
      assert.match(messages[0].message, /free of VS Code/);
    });
  }
  it('allows it in src/extension', async () => {
    const [result] = await eslint.lintText("import * as vscode from 'vscode';\nexport const x = vscode;\n", { filePath: join(root, 'src/extension/fence-probe.ts') });
    assert.deepEqual(result.messages.filter((m) => m.severity === 2), []);
  });
});
