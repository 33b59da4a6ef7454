// Preloaded with `node -r`: records every module the process loads (request strings, in order) and
// prints them on stderr at exit as `LOADED [...]`. `vscode` is stubbed so the extension bundle loads.
import Module from 'node:module';

const seen: string[] = [];
const M = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
const load = M._load;
const vscodeStub = new Proxy({}, { get: () => function () {} });
M._load = function (request: string, parent: unknown, isMain: boolean) {
  seen.push(request);
  return request === 'vscode' ? vscodeStub : load.call(this, request, parent, isMain);
};
process.on('exit', () => process.stderr.write(`\nLOADED ${JSON.stringify(seen)}\n`));
