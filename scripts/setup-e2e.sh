#!/usr/bin/env bash
# Pre-warms the end-to-end test cache: installs Node 24 (from npm's node-linux-<arch> package) and
# code-server into ${FLOPLENS_E2E_CACHE:-$HOME/.cache/floplens-e2e}, plus Debian's chromium and
# libkrb5-dev when missing (as root). Same code as the tests use (test/e2e/code-server.ts
# ensureCodeServer), so a warm cache here is a warm cache there. Safe to run twice or alongside a
# test run: the install is locked and skipped when already complete.
#
#   bash scripts/setup-e2e.sh          # first time 2-3 minutes (native builds), then instant
#   node --import tsx --test test/e2e.test.ts
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --import tsx -e '
  const { ensureCodeServer } = require("./test/e2e/code-server.ts");
  const t0 = Date.now();
  ensureCodeServer().then(
    ({ bin, node24Dir }) => console.log(`code-server: ${bin}\nnode 24:     ${node24Dir}/bin/node\n(${((Date.now() - t0) / 1000).toFixed(1)} s)`),
    (e) => { console.error(e.message); process.exit(1); },
  );
'
