#!/usr/bin/env bash
# Install Debian's qpdf, the floor that bench/seal.py and bench/stamp.py compare against; a no-op
# when present. Only the benchmarks need it (the library, pikepdf, bundles its own qpdf).
set -euo pipefail

if command -v qpdf >/dev/null; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y qpdf || { $SUDO apt-get update && $SUDO apt-get install -y qpdf; }
qpdf --version | head -1
