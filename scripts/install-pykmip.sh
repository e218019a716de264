#!/usr/bin/env bash
# Installs PyKMIP, the interop peer of test/interop/*.test.ts, and says what it did. Idempotent.
# Debian's python3-pykmip (0.10) runs on /usr/bin/python3; without root or sudo it falls back to a
# venv with PyKMIP 0.11 from PyPI. test/helpers/pykmip.ts looks in the same two places.
set -euo pipefail

SYSTEM_PYTHON=/usr/bin/python3
VENV=${KMIPKIT_PYKMIP_VENV:-/tmp/pykmip-venv}

imports_kmip() {
  "$1" -c 'import kmip, sys; sys.stdout.write(kmip.__version__)' 2>/dev/null
}

if [ -n "${KMIPKIT_PYKMIP_PYTHON:-}" ]; then
  if v=$(imports_kmip "$KMIPKIT_PYKMIP_PYTHON"); then
    echo "install-pykmip: KMIPKIT_PYKMIP_PYTHON=$KMIPKIT_PYKMIP_PYTHON already imports PyKMIP $v; nothing to do"
    exit 0
  fi
  echo "install-pykmip: KMIPKIT_PYKMIP_PYTHON=$KMIPKIT_PYKMIP_PYTHON cannot import kmip" >&2
  exit 1
fi

if [ -x "$SYSTEM_PYTHON" ] && v=$(imports_kmip "$SYSTEM_PYTHON"); then
  echo "install-pykmip: $SYSTEM_PYTHON already imports PyKMIP $v; nothing to do"
  exit 0
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; fi
fi

if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" = 0 ] || [ -n "$SUDO" ]; }; then
  echo "install-pykmip: apt-get install -y python3-pykmip${SUDO:+ (via sudo)}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-pykmip >/dev/null
  if v=$(imports_kmip "$SYSTEM_PYTHON"); then
    echo "install-pykmip: installed PyKMIP $v for $SYSTEM_PYTHON"
    exit 0
  fi
  echo "install-pykmip: apt-get finished but $SYSTEM_PYTHON still cannot import kmip" >&2
  exit 1
fi

if [ -x "$VENV/bin/python" ] && v=$(imports_kmip "$VENV/bin/python"); then
  echo "install-pykmip: $VENV already has PyKMIP $v; nothing to do"
  exit 0
fi

echo "install-pykmip: no root or sudo for apt-get; creating $VENV with pykmip==0.11.0"
python3 -m venv "$VENV"
# SQLAlchemy 2 removed APIs PyKMIP's server uses.
"$VENV/bin/pip" install -q 'pykmip==0.11.0' 'sqlalchemy<2'
v=$(imports_kmip "$VENV/bin/python")
echo "install-pykmip: installed PyKMIP $v in $VENV"
