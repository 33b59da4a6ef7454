import vscode = require('vscode');
import { LineSink } from '../../tools/process';

/** The "AKS Worker" output channel, as a sink for tool output. */
export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('AKS Worker', { log: true });
}

export function sinkFor(log: vscode.LogOutputChannel): LineSink {
  return {
    info: (line) => log.info(line),
    stderr: (line) => log.info(line),
  };
}
