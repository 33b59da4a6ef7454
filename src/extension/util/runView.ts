import vscode = require('vscode');
import { LineSink } from '../../tools/process';

/**
 * A terminal-like view of a tool run: a pseudoterminal that shows the output as it streams (with
 * the terminal's colours and scrollback), alongside the log channel. Read-only; closing it does not
 * stop the run (cancel from the progress notification does).
 */
export class RunView implements vscode.Disposable {
  private readonly write = new vscode.EventEmitter<string>();
  private readonly terminal: vscode.Terminal;
  private pending: string[] = [];
  private isOpen = false;

  constructor(name: string, log: vscode.LogOutputChannel) {
    const pty: vscode.Pseudoterminal = {
      onDidWrite: this.write.event,
      open: () => {
        this.isOpen = true;
        for (const p of this.pending) this.write.fire(p);
        this.pending = [];
      },
      close: () => {
        this.isOpen = false;
      },
    };
    this.terminal = vscode.window.createTerminal({ name, pty, iconPath: new vscode.ThemeIcon('tools'), isTransient: true });
    this.terminal.show(true);
    this.sink = {
      info: (line) => {
        log.info(line);
        this.emit(line);
      },
      stderr: (line) => {
        log.info(line);
        this.emit(line);
      },
    };
  }

  readonly sink: LineSink;

  private emit(line: string): void {
    const text = `${line.replace(/\r?\n/g, '\r\n')}\r\n`;
    if (this.isOpen) this.write.fire(text);
    else this.pending.push(text);
  }

  /** A closing line in colour: green for success, red for failure. */
  finish(ok: boolean, message: string): void {
    this.emit(`\x1b[${ok ? '32' : '31'}m${message}\x1b[0m`);
  }

  dispose(): void {
    this.write.dispose();
  }
}
