// @ts-check
// The Doctor panel's page. Messages are described in src/extension/doctor/protocol.ts.
(function () {
  const vscode = acquireVsCodeApi();
  const tbody = /** @type {HTMLTableSectionElement} */ (document.querySelector('#tools tbody'));
  const summary = /** @type {HTMLElement} */ (document.getElementById('summary'));
  const recheck = /** @type {HTMLElement} */ (document.getElementById('recheck'));

  /** @param {unknown} m */
  function isTool(m) {
    if (typeof m !== 'object' || m === null) return false;
    const t = /** @type {Record<string, unknown>} */ (m);
    return typeof t.name === 'string' && typeof t.found === 'boolean' && typeof t.required === 'boolean' &&
      ['string', 'undefined'].includes(typeof t.path) && ['string', 'undefined'].includes(typeof t.version) &&
      ['string', 'undefined'].includes(typeof t.detail);
  }

  /** @param {unknown} m */
  function isHostMessage(m) {
    if (typeof m !== 'object' || m === null) return false;
    const msg = /** @type {Record<string, unknown>} */ (m);
    if (msg.type === 'checking' || msg.type === 'untrusted') return true;
    if (msg.type !== 'report' || typeof msg.checkedAt !== 'string') return false;
    const r = /** @type {Record<string, unknown>} */ (msg.report);
    return typeof r === 'object' && r !== null && typeof r.ok === 'boolean' && Array.isArray(r.tools) && r.tools.every(isTool);
  }

  const SETTING = { docker: 'aksWorker.paths.docker', helm: 'aksWorker.paths.helm', kubectl: 'aksWorker.paths.kubectl', az: 'aksWorker.paths.az', dotnet: 'aksWorker.paths.dotnet' };

  /** @param {string} tag @param {Record<string,string>} [attrs] @param {(Node|string)[]} [children] */
  function el(tag, attrs = {}, children = []) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    for (const c of children) e.append(c);
    return e;
  }

  /** @param {{name:string,found:boolean,required:boolean,path?:string,version?:string,detail?:string}} t */
  function row(t) {
    const icon = t.found ? 'pass-filled' : t.required ? 'error' : 'warning';
    const status = t.found ? 'found' : t.required ? 'missing' : 'optional, missing';
    const details = el('td', { class: 'detail' }, [t.detail ?? '']);
    const setting = /** @type {Record<string,string>} */ (SETTING)[t.name];
    if (!t.found && setting) {
      const b = el('vscode-button', { secondary: '', 'data-setting': setting }, ['Set Path…']);
      b.addEventListener('click', () => vscode.postMessage({ type: 'openSetting', setting }));
      const i = el('vscode-button', { secondary: '', 'data-install': t.name }, ['Install…']);
      i.addEventListener('click', () => vscode.postMessage({ type: 'openInstall', tool: t.name }));
      details.append(' ', b, ' ', i);
    }
    return el('tr', { class: t.found ? 'ok' : t.required ? 'missing' : 'optional', 'data-tool': t.name }, [
      el('td', { class: 'status' }, [el('span', { class: `codicon codicon-${icon}`, 'aria-hidden': 'true' }), ` ${status}`]),
      el('td', { class: 'name' }, [t.name]),
      el('td', {}, [t.version ?? '']),
      el('td', { class: 'path' }, [t.path ?? '']),
      details,
    ]);
  }

  window.addEventListener('message', (event) => {
    const m = event.data;
    if (!isHostMessage(m)) return;
    if (m.type === 'checking') {
      summary.textContent = 'Checking docker, helm, kubectl and az…';
      recheck.setAttribute('disabled', '');
      return;
    }
    recheck.removeAttribute('disabled');
    if (m.type === 'untrusted') {
      tbody.replaceChildren();
      summary.textContent = 'This workspace is in Restricted Mode, so no tools are run. Trust the workspace to check them.';
      return;
    }
    const { report, checkedAt } = m;
    tbody.replaceChildren(...report.tools.map(row));
    const missing = report.tools.filter((t) => !t.found && t.required).map((t) => t.name);
    summary.textContent = (missing.length ? `Missing: ${missing.join(', ')}.` : 'All required tools found.') +
      ` Checked at ${new Date(checkedAt).toLocaleTimeString()}.`;
    document.body.dataset.ok = String(report.ok);
  });

  recheck.addEventListener('click', () => vscode.postMessage({ type: 'recheck' }));
  /** @type {HTMLElement} */ (document.getElementById('output')).addEventListener('click', () => vscode.postMessage({ type: 'showOutput' }));
  vscode.postMessage({ type: 'ready' });
})();
