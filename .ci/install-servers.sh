#!/usr/bin/env bash
# Install the SPARQL servers the store tests start (tests/servers.py, tests/test_store_servers.py):
#   - Virtuoso: Debian's virtuoso-opensource (virtuoso-t), via apt-get
#   - Oxigraph: the `oxigraph` binary of PyPI's oxigraph package (in the project's test extra;
#     installed here too if the active Python lacks it)
# Idempotent; needs root (or sudo) for apt-get. The Debian package's own service is not started.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
PYTHON="${PYTHON:-python3}"

if ! command -v virtuoso-t >/dev/null 2>&1; then
  echo "install-servers: installing virtuoso-opensource (Debian)" >&2
  # keep the package from starting its service on ports 1111/8890: the tests start their own
  policy_added=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    policy_added=1
  fi
  if ! apt-cache policy virtuoso-opensource 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    $SUDO apt-get update -qq
  fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    virtuoso-opensource >/dev/null
  if [ -n "$policy_added" ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
fi
virtuoso-t +help 2>&1 | head -1 >&2 || true

bindir="$("$PYTHON" -c 'import sys, os; print(os.path.dirname(sys.executable))')"
if [ ! -x "$bindir/oxigraph" ] && ! command -v oxigraph >/dev/null 2>&1; then
  echo "install-servers: installing the Oxigraph server (pip package oxigraph)" >&2
  "$PYTHON" -m pip install -q 'oxigraph>=0.4.9'
fi
if [ -x "$bindir/oxigraph" ]; then "$bindir/oxigraph" --version >&2; else oxigraph --version >&2; fi
