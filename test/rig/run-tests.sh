#!/usr/bin/env bash
# Runs the rig's own tests: start the rig (installs what is missing), build test/rig/tests/*.test.ts,
# run them with mocha, stop the rig (always). Ends with `N passed, N failed`; exits non-zero on failure.
#   RIG_KEEP=1          leave the rig running afterwards (and do not stop one that was already running)
#   RIG_SKIP_BUILD=1    use out/test/rig/tests/*.test.js as built by `node scripts/build.mjs --tests`
#   RIG_GREP=pattern    only tests whose title matches
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
ROOT="$PWD"
RIG="$ROOT/test/rig/rig"
export RIG_DIR="${RIG_DIR:-/tmp/aks-worker-rig}"

was_running=0
[ -f "$RIG_DIR/env" ] && "$RIG" status 2>/dev/null | grep -q 'apiserver: running' && was_running=1

cleanup() {
  if [ "${RIG_KEEP:-}" != 1 ] && [ "$was_running" = 0 ]; then "$RIG" stop || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t0=$SECONDS
if ! "$RIG" start > /dev/null; then
  echo "rig: failed to start" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
echo "rig: started in $((SECONDS - t0))s" >&2

if [ "${RIG_SKIP_BUILD:-}" != 1 ]; then
  "$ROOT/node_modules/.bin/esbuild" --bundle --platform=node --format=cjs --target=node20 --log-level=warning \
    --sourcemap=inline --external:mocha --external:vscode \
    --outbase=. --outdir=out "test/rig/tests/"*.test.ts || { echo "0 passed, 1 failed"; exit 1; }
fi

reporter=spec
[ -f "$ROOT/test/support/reporter.js" ] && reporter="$ROOT/test/support/reporter.js"
args=(--reporter "$reporter" --timeout 180000)
[ -n "${RIG_GREP:-}" ] && args+=(--grep "$RIG_GREP")
out="$(mktemp)"
"$ROOT/node_modules/.bin/mocha" "${args[@]}" "out/test/rig/tests/"*.test.js 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
# the reporter prints the closing line; print one ourselves if it did not
if ! tail -n 3 "$out" | grep -Eq '^[0-9]+ passed, [0-9]+ failed'; then
  p=$(grep -Eo '^\s+[0-9]+ passing' "$out" | grep -Eo '[0-9]+' || echo 0)
  f=$(grep -Eo '^\s+[0-9]+ failing' "$out" | grep -Eo '[0-9]+' || echo 0)
  [ "$rc" != 0 ] && [ "${f:-0}" = 0 ] && f=1
  echo "${p:-0} passed, ${f:-0} failed"
fi
rm -f "$out"
echo "rig: tests took $((SECONDS - t0))s" >&2
exit "$rc"
