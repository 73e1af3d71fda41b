#!/usr/bin/env bash
# Install npm's axe-core (the accessibility rules the /verify page tests inject) into DIR, once;
# a no-op when that version is there. Prints the path of axe.min.js on stdout.
# Usage: scripts/ensure-axe.sh [DIR]   (default: .venv/node, removed by `make clean`)
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.14.1
DIR="${1:-.venv/node}"
PKG="$DIR/node_modules/axe-core"

if ! grep -qs "\"version\": \"$VERSION\"" "$PKG/package.json"; then
    mkdir -p "$DIR"
    npm install --prefix "$DIR" --no-save --no-audit --no-fund --ignore-scripts \
        "axe-core@$VERSION" >&2
fi
echo "$(cd "$PKG" && pwd)/axe.min.js"
