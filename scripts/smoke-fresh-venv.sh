#!/usr/bin/env bash
# Install Signet into a new venv from pyproject.toml's own ranges -- WITHOUT constraints.txt, as
# `pip install signet` would -- and run the smoke flow (scripts/smoke_flow.py) against it. This
# catches a dependency that is imported but not declared, or a range that admits a release the
# code does not work with. Needs only PyPI. SMOKE_VENV reuses a venv dir (default: a temp dir).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${SMOKE_VENV:-$(mktemp -d /tmp/signet-smoke-venv.XXXXXX)}
SRC=$(mktemp -d /tmp/signet-smoke-src.XXXXXX)
cleanup() { rm -rf "$SRC"; [ -n "${SMOKE_VENV:-}" ] || rm -rf "$VENV"; }
trap cleanup EXIT
# Build from a clean copy of what the package is made of: setuptools reuses a build/ directory
# left by an earlier install, which can hold files that no longer exist (an old migration).
tar -c --exclude=__pycache__ --exclude='*.egg-info' pyproject.toml README.md LICENSE src \
  | tar -x -C "$SRC"

"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
# A plain install of the package (not editable, no dev extras, no constraints file).
"$VENV/bin/python" -m pip install -q "$SRC"
"$VENV/bin/python" -m pip check
"$VENV/bin/python" -m pip freeze --exclude-editable | sed 's/^/smoke: installed: /' | grep -Ei \
  'fastapi|starlette|pyhanko|reportlab|asn1crypto|pillow|cryptography|rfc8785|pikepdf' || true
cd "$(mktemp -d)"  # not the checkout: the installed package must be what runs
"$VENV/bin/python" "$OLDPWD/scripts/smoke_flow.py"
