import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import { INITIAL, IGrammar, Registry, parseRawGrammar } from 'vscode-textmate';

const root = join(__dirname, '..', '..', '..');
// VS Code's own YAML grammar, from the code-server the VS Code host installs.
const yamlDir = join(root, 'test', 'vscode-host', 'node_modules', 'code-server', 'lib', 'vscode', 'extensions', 'yaml', 'syntaxes');

async function loadGrammar(): Promise<IGrammar> {
  const wasm = readFileSync(join(root, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const files = new Map<string, string>([['source.aks-worker.helm', join(root, 'syntaxes', 'helm.tmLanguage.json')]]);
  for (const f of readdirSync(yamlDir)) {
    const scope = (JSON.parse(readFileSync(join(yamlDir, f), 'utf8')) as { scopeName: string }).scopeName;
    files.set(scope, join(yamlDir, f));
  }
  const registry = new Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p: string[]) => new oniguruma.OnigScanner(p), createOnigString: (s: string) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scope) => {
      const f = files.get(scope);
      return f ? parseRawGrammar(readFileSync(f, 'utf8'), f) : null;
    },
  });
  const g = await registry.loadGrammar('source.aks-worker.helm');
  if (!g) throw new Error('grammar did not load');
  return g;
}

/** Each token's text with its innermost scopes, line by line. */
function tokenize(g: IGrammar, text: string): Array<{ text: string; scopes: string[] }> {
  let state = INITIAL;
  const out: Array<{ text: string; scopes: string[] }> = [];
  for (const line of text.split('\n')) {
    const r = g.tokenizeLine(line, state);
    for (const t of r.tokens) out.push({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    state = r.ruleStack;
  }
  return out;
}

const has = (tokens: ReturnType<typeof tokenize>, text: string, scope: string) =>
  tokens.some((t) => t.text.trim() === text && t.scopes.some((s) => s === scope || s.startsWith(`${scope}.`)));

describe('Helm template grammar', function () {
  this.timeout(20_000);
  let g: IGrammar;
  before(async function () {
    if (!existsSync(yamlDir)) this.skip(); // VS Code's YAML grammar comes with the host (test/vscode-host/install.sh)
    g = await loadGrammar();
  });

  const template = [
    '{{/* Worker deployment */}}',
    'metadata:',
    '  name: {{ include "w.fullname" . }}',
    'spec:',
    '  {{- if not .Values.autoscaling.enabled }}',
    '  replicas: {{ .Values.replicaCount | default 1 }}',
    '  {{- end }}',
    '      containers:',
    '        - image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"',
    '          {{- with .Values.livenessProbe }}',
    '          livenessProbe:',
    '            {{- toYaml . | nindent 12 }}',
    '          {{- end }}',
    '          {{- range $k, $v := .Values.env }}',
    '          port: 8080 # a YAML comment',
  ].join('\n');

  it('scopes template actions, trim markers, keywords, functions and values', () => {
    const t = tokenize(g, template);
    assert.ok(has(t, '{{/* Worker deployment */}}', 'comment.block.helm') || t.some((x) => x.text.includes('Worker deployment') && x.scopes.includes('comment.block.helm')));
    assert.ok(has(t, '{{-', 'punctuation.section.embedded.begin.helm'));
    assert.ok(has(t, '}}', 'punctuation.section.embedded.end.helm'));
    for (const k of ['if', 'end', 'with', 'range']) assert.ok(has(t, k, 'keyword.control.helm'), k);
    for (const f of ['include', 'toYaml', 'nindent', 'default']) assert.ok(has(t, f, 'support.function.helm'), f);
    assert.ok(has(t, '.Values', 'variable.language.helm'));
    assert.ok(has(t, '.Chart', 'variable.language.helm'));
    assert.ok(has(t, '.replicaCount', 'variable.other.member.helm'));
    assert.ok(has(t, 'w.fullname', 'string.quoted.double.helm'));
    assert.ok(has(t, '$k', 'variable.other.helm'));
    assert.ok(has(t, '|', 'keyword.operator.helm'));
    assert.ok(has(t, '12', 'constant.numeric.helm'));
  });

  it('finds actions inside YAML strings, and leaves plain YAML to the YAML grammar', () => {
    const t = tokenize(g, template);
    const repo = t.find((x) => x.text === '.repository');
    assert.ok(repo, 'the action inside "…" was tokenised');
    assert.ok(repo.scopes.some((s) => s.startsWith('meta.embedded.block.helm')), repo.scopes.join(' '));
    const port = t.find((x) => x.text === 'port');
    assert.ok(port?.scopes.some((s) => s.startsWith('entity.name.tag.yaml')), port?.scopes.join(' '));
    const comment = t.find((x) => x.text.includes('a YAML comment'));
    assert.ok(comment?.scopes.some((s) => s.startsWith('comment.line')), comment?.scopes.join(' '));
  });
});
