#!/usr/bin/env bash
# Install poppler's pdfsig and NSS's certutil for the offline B-LTA check
# (tests/pdf/seal/test_pdfsig.py), once; a no-op when both are present.
set -euo pipefail

if command -v pdfsig >/dev/null 2>&1 && command -v certutil >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -q poppler-utils libnss3-tools \
    || { $SUDO apt-get update -q && $SUDO apt-get install -y -q poppler-utils libnss3-tools; }
pdfsig -v 2>&1 | head -1
