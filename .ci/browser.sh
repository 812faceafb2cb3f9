#!/usr/bin/env bash
# A headless browser for the admin page's tests: Debian's chromium (installed if missing), driven by playwright from
# PyPI (no browser download). Exports ALU_TEST_BROWSER.   source .ci/browser.sh
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq chromium >/dev/null
fi
export ALU_TEST_BROWSER="$(command -v chromium)"
