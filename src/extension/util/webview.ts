import vscode = require('vscode');

/** A fresh nonce for each page load. */
export function nonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return Buffer.from(bytes).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

export interface PageAssets {
  title: string;
  /** Relative to the extension, e.g. "media/doctor/doctor.js" or "dist/media/probes.js" (bundled). */
  script: string;
  /** Relative to the extension, e.g. "media/doctor/doctor.css". */
  style: string;
  body: string;
}

/**
 * The HTML shell every panel uses: strict CSP with a nonce, codicons, @vscode-elements/elements
 * (copied into dist/media by the build), the page's own script and style.
 */
export function pageHtml(webview: vscode.Webview, extensionUri: vscode.Uri, assets: PageAssets): string {
  const n = nonce();
  const asset = (p: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p.split('/')));
  const vendor = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'media', ...p));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource} 'nonce-${n}'`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    `script-src 'nonce-${n}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${vendor('codicon.css')}" id="vscode-codicon-stylesheet" nonce="${n}">
<link rel="stylesheet" href="${asset(assets.style)}" nonce="${n}">
<title>${assets.title}</title>
</head>
<body>
${assets.body}
<script type="module" nonce="${n}" src="${vendor('vscode-elements.js')}"></script>
<script nonce="${n}" src="${asset(assets.script)}"></script>
</body>
</html>`;
}

export function localRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'media'), vscode.Uri.joinPath(extensionUri, 'dist', 'media')];
}
