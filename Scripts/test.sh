#!/usr/bin/env bash
# The whole test suite: unit tests, in-process socket tests and end-to-end tests that start the
# real binaries. Installs what is missing first. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
# The end-to-end tests start .build/debug/conduit, so every product is built first.
swift build --build-tests
export CONDUIT_BIN_DIR="$(swift build --show-bin-path)"
swift test --skip-build "$@"
