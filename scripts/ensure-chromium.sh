#!/usr/bin/env bash
# Install Debian's Chromium for the signing-page browser tests, once; a no-op when present.
# The tests drive /usr/bin/chromium through Playwright; never run `playwright install`.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y chromium
/usr/bin/chromium --version
